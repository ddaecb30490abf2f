"""Private helpers shared by the reference modules (not part of the public API).

Every public loss is a small function on top of these: validate the inputs, compute the
unreduced per-sample values, then hand them to :func:`lossbook._validation.reduce`.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    as_float_array,
    as_label_array,
    check_int,
    check_reduction,
    check_same_shape,
)

LOG2 = float(np.log(2.0))


def pair(y_true, y_pred, reduction: str) -> tuple[np.ndarray, np.ndarray]:
    """``y_true`` and ``y_pred`` as float64 arrays of exactly the same shape."""
    check_reduction(reduction)
    y_true = as_float_array(y_true, "y_true")
    y_pred = as_float_array(y_pred, "y_pred")
    check_same_shape(y_true, y_pred)
    return y_true, y_pred


def labels_and_scores(y_true, y_pred, reduction: str, *, min_ndim: int = 2):
    """Integer labels ``[batch, ...]`` and float scores ``[batch, ..., classes]``."""
    check_reduction(reduction)
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=min_ndim)
    num_classes = y_pred.shape[-1]
    labels = as_label_array(y_true, "y_true", num_classes=num_classes)
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            "`y_true` (integer labels) must have the shape of `y_pred` without its last "
            f"(class) axis. Received: y_true.shape={labels.shape}, y_pred.shape={y_pred.shape}"
        )
    return labels, y_pred


def mean_last(values: np.ndarray) -> np.ndarray:
    """Per-sample values of an element-wise loss: the mean over the last axis.

    A 1-D array ``[batch]`` holds one value per sample and is returned unchanged.
    """
    return values if values.ndim == 1 else values.mean(axis=-1)


def last_axis_size(array: np.ndarray) -> int:
    """How many elements :func:`mean_last` averages (1 for a 1-D array)."""
    return 1 if array.ndim == 1 else array.shape[-1]


def xlog(x: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """``x * log_y`` with the convention ``0 * log 0 = 0`` (0 wherever ``x == 0``)."""
    with np.errstate(invalid="ignore"):
        return np.where(x == 0, 0.0, x * log_y)


def safe_log(y: np.ndarray) -> np.ndarray:
    """``log(y)`` without a warning at 0 (``-inf``, the exact value)."""
    with np.errstate(divide="ignore"):
        return np.log(y)


def xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` with ``0 * log(0) = 0`` exactly (and ``x * log(0) = -inf`` for x > 0)."""
    return xlog(x, safe_log(y))


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Log-softmax, stable: subtract the row maximum before exponentiating."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax as the exponential of the stable log-softmax."""
    return np.exp(log_softmax(logits, axis=axis))


def index_crossentropy_gradient(labels: np.ndarray, y_pred: np.ndarray,
                                from_logits: bool) -> np.ndarray:
    """``d(-log p_label)/d y_pred`` per position: ``softmax(z) - one_hot`` on logits,
    ``-one_hot / p`` on probabilities (``-inf`` where the labelled class has ``p = 0``)."""
    one_hot = np.eye(y_pred.shape[-1])[labels]
    if from_logits:
        return softmax(y_pred) - one_hot
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(one_hot == 0, 0.0, -one_hot / y_pred)


def log_sigmoid(logits: np.ndarray) -> np.ndarray:
    """``log σ(x) = -softplus(-x)``, stable via ``logaddexp(0, -x)``."""
    return -np.logaddexp(0.0, -logits)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """``σ(x)`` as ``exp(log σ(x))``, finite for any finite logit."""
    return np.exp(log_sigmoid(logits))


def check_axis(axis, ndim: int, name: str = "axis") -> int:
    """``axis`` as a non-negative int in ``[0, ndim)``; negative values count from the end."""
    axis = check_int(axis, name)
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"`{name}` must be a valid axis of `y_pred` (ndim={ndim}). Received: {name}={axis}"
        )
    return axis % ndim
