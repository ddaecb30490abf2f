"""Analytic gradients of the reference losses with respect to ``y_pred``.

:func:`gradient` returns :math:`\\partial L / \\partial \\hat y` for ``reduction="sum"``, or
for ``"mean"``: the ``"sum"`` gradient divided by the number of per-sample values — except for
RMSE, whose ``"mean"`` is the square root of the overall MSE, with a gradient of its own. Each private
``_grad_*`` function (here for regression, pairs and sequences; in
``_classification_gradients`` for cross-entropies, margins, Dice and Tversky) states its
formula in its docstring; the tests hold every one equal to central finite differences in
float64 and to torch autograd.

Element-wise losses average the last axis (size :math:`D`, 1 for a 1-D input), hence the
factor :math:`1/D` in their gradients. Kinks use one fixed subgradient, said in the
docstring (``sign(0) = 0`` for MAE).
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import as_float_array, check_in_choices
from lossbook.reference import pairs, regression, sequence
from lossbook.reference._common import (
    index_crossentropy_gradient,
    labels_and_scores,
    last_axis_size,
    pair,
    softmax,
)

__all__ = ["gradient", "GRADIENT_NAMES"]

_GRADIENTS: dict = {}

# Losses without a closed-form gradient worth teaching: use autograd instead.
_AUTOGRAD_ONLY = {
    "ctc": "the CTC gradient needs the forward-backward algorithm; use torch autograd "
           "(torch.nn.functional.ctc_loss) or keras.ops.ctc_loss with a GradientTape",
}


def _register(loss):
    """Register ``_grad_<name>`` as the gradient of ``loss`` (a reference function)."""
    def decorator(function):
        _GRADIENTS[loss.__name__] = (loss, function)
        return function
    return decorator


def gradient(name, y_true, y_pred, *, reduction="sum", sample_weight=None, **params):
    """Analytic gradient :math:`\\partial L / \\partial \\hat y` of a reference loss.

    Args:
        name: the reference function's name, e.g. ``"huber"`` (see ``GRADIENT_NAMES``).
        y_true, y_pred: as for the loss itself (validated by calling it).
        reduction: ``"sum"`` (default) or ``"mean"``: the gradient of that reduction.
        sample_weight: optional per-sample weights; the gradient of each sample is scaled by
            its weight.
        **params: the loss' hyper-parameters (``delta=``, ``from_logits=``, ...).

    Returns:
        An array of the shape of ``y_pred`` (float64).

    Raises:
        NotImplementedError: for losses without a closed form here (``"ctc"``), naming the
            alternative (autograd).
        ValueError: for an unknown ``name``, or any input the loss itself rejects.

    >>> gradient("huber", [0.0, 0.0], [0.5, 3.0])  # clip(ŷ - y, -1, 1)
    array([0.5, 1. ])
    """
    if name in _AUTOGRAD_ONLY:
        raise NotImplementedError(f"No closed-form gradient for {name!r}: {_AUTOGRAD_ONLY[name]}.")
    if name not in _GRADIENTS:
        raise ValueError(f"`name` must be one of {sorted(_GRADIENTS)}. Received: name={name!r}")
    check_in_choices(reduction, "reduction", ("sum", "mean"))
    loss, function = _GRADIENTS[name]
    per_sample = loss(y_true, y_pred, reduction="none", sample_weight=sample_weight, **params)
    if reduction == "mean" and name == "root_mean_squared_error":
        return _grad_rmse_of_mean(y_true, y_pred, sample_weight=sample_weight, **params)
    grad = function(y_true, y_pred, **params)
    if sample_weight is not None:
        weights = as_float_array(sample_weight, "sample_weight", min_ndim=0)
        grad = grad * weights.reshape(weights.shape + (1,) * (grad.ndim - weights.ndim))
    return grad / np.size(per_sample) if reduction == "mean" else grad


def _residual_and_size(y_true, y_pred):
    y_true, y_pred = pair(y_true, y_pred, "sum")
    return y_true, y_pred, last_axis_size(y_pred)


# ---------------------------------------------------------------------------------------
# Regression (r = ŷ - y below; D = size of the last axis, 1 for a 1-D input)


@_register(regression.mean_squared_error)
def _grad_mean_squared_error(y_true, y_pred):
    """:math:`\\partial/\\partial \\hat y_{ij} = 2 (\\hat y_{ij} - y_{ij}) / D`."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return 2.0 * (y_pred - y_true) / size


@_register(regression.mean_absolute_error)
def _grad_mean_absolute_error(y_true, y_pred):
    """:math:`\\operatorname{sign}(\\hat y_{ij} - y_{ij}) / D`, subgradient 0 at a zero residual.

    ``sign(0) = 0`` is the choice of torch autograd for ``abs`` and the middle of the
    subdifferential :math:`[-1/D, 1/D]`.
    """
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return np.sign(y_pred - y_true) / size


@_register(regression.root_mean_squared_error)
def _grad_root_mean_squared_error(y_true, y_pred, *, epsilon=0.0):
    """:math:`(\\hat y_{ij} - y_{ij}) / (D \\sqrt{\\text{MSE}_i + \\epsilon})` (``"sum"`` of RMSE_i).

    At a perfect fit with ``epsilon=0`` this is 0/0: NaN, as in autograd (trap 21).
    """
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    mse = np.mean((y_pred - y_true) ** 2, axis=-1, keepdims=True) if y_pred.ndim > 1 \
        else (y_pred - y_true) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (y_pred - y_true) / (size * np.sqrt(mse + epsilon))


def _grad_rmse_of_mean(y_true, y_pred, *, sample_weight=None, epsilon=0.0):
    """``"mean"`` RMSE is :math:`\\sqrt{\\tfrac1N \\sum_i w_i \\text{MSE}_i + \\epsilon}`, so its gradient is
    :math:`w_i (\\hat y_{ij} - y_{ij}) / (N D \\,\\text{RMSE})`; NaN at a perfect fit with ``epsilon=0``.
    """
    rmse = regression.root_mean_squared_error(y_true, y_pred, epsilon=epsilon, sample_weight=sample_weight)
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    count = y_pred.size // size
    weights = np.ones(count) if sample_weight is None else np.asarray(sample_weight, np.float64).reshape(-1)
    weights = weights.reshape(y_pred.shape[:-1] + (1,) if y_pred.ndim > 1 else y_pred.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return weights * (y_pred - y_true) / (count * size * rmse)


@_register(regression.mean_absolute_percentage_error)
def _grad_mean_absolute_percentage_error(y_true, y_pred):
    """:math:`100 \\operatorname{sign}(\\hat y_{ij} - y_{ij}) / (D |y_{ij}|)`, 0 at a zero residual."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return 100.0 * np.sign(y_pred - y_true) / (size * np.abs(y_true))


@_register(regression.mean_squared_logarithmic_error)
def _grad_mean_squared_logarithmic_error(y_true, y_pred):
    """:math:`2 (\\log(1 + \\hat y_{ij}) - \\log(1 + y_{ij})) / (D (1 + \\hat y_{ij}))`."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return 2.0 * (np.log1p(y_pred) - np.log1p(y_true)) / (size * (1.0 + y_pred))


@_register(regression.huber)
def _grad_huber(y_true, y_pred, *, delta=1.0):
    """:math:`\\operatorname{clip}(\\hat y_{ij} - y_{ij}, -\\delta, \\delta) / D`."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return np.clip(y_pred - y_true, -delta, delta) / size


@_register(regression.log_cosh)
def _grad_log_cosh(y_true, y_pred):
    """:math:`\\tanh(\\hat y_{ij} - y_{ij}) / D` (bounded by 1/D, like MAE's)."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return np.tanh(y_pred - y_true) / size


@_register(regression.quantile)
def _grad_quantile(y_true, y_pred, *, tau=0.5):
    """:math:`-\\tau / D` if :math:`y > \\hat y`, :math:`(1 - \\tau) / D` if :math:`y < \\hat y`.

    At :math:`y = \\hat y` the subgradient 0 is chosen (it lies in :math:`[-\\tau, 1 - \\tau]/D`
    and matches MAE's ``sign(0) = 0`` at ``tau=0.5``).
    """
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    residual = y_true - y_pred
    return np.where(residual > 0, -tau, np.where(residual < 0, 1.0 - tau, 0.0)) / size


@_register(regression.poisson)
def _grad_poisson(y_true, y_pred):
    """:math:`(1 - y_{ij} / \\hat y_{ij}) / D`; 1/D at :math:`y = \\hat y = 0`, −inf at ŷ = 0 < y."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(y_true == 0, 0.0, y_true / y_pred)
    return (1.0 - ratio) / size


# ---------------------------------------------------------------------------------------
# Pairs and sequences


@_register(pairs.cosine_similarity)
def _grad_cosine_similarity(y_true, y_pred, *, axis=-1):
    r""":math:`-\bigl(u / (\lVert u \rVert \lVert v \rVert) - \cos(u, v)\, v / \lVert v \rVert^2\bigr)`
    with :math:`u` = ``y_true``, :math:`v` = ``y_pred`` along ``axis``.
    """
    u, v = pair(y_true, y_pred, "sum")
    u_norm = np.linalg.norm(u, axis=axis, keepdims=True)
    v_norm = np.linalg.norm(v, axis=axis, keepdims=True)
    cosine = np.sum(u * v, axis=axis, keepdims=True) / (u_norm * v_norm)
    return -(u / (u_norm * v_norm) - cosine * v / v_norm**2)


@_register(pairs.contrastive)
def _grad_contrastive(y_true, y_pred, *, margin=1.0):
    r""":math:`\bigl(2 y d - 2 (1 - y) \max(0, m - d)\bigr) / D` with respect to the distance d."""
    y_true, y_pred = pair(y_true, y_pred, "sum")
    grad = 2.0 * y_true * y_pred - 2.0 * (1.0 - y_true) * np.maximum(0.0, margin - y_pred)
    return grad / last_axis_size(y_pred)


@_register(pairs.triplet)
def _grad_triplet(y_true, y_pred, *, margin=1.0):
    r"""Where the hinge is active, with :math:`e_p = (a - p)/\lVert a - p \rVert` and
    :math:`e_n = (a - n)/\lVert a - n \rVert`: :math:`\partial_a = e_p - e_n`,
    :math:`\partial_p = -e_p`, :math:`\partial_n = e_n`; 0 elsewhere (and at the hinge).
    """
    anchor, positive, negative = pairs.triplet_embeddings(y_true, y_pred, "sum")
    to_pos, to_neg = anchor - positive, anchor - negative
    dist_pos = np.linalg.norm(to_pos, axis=-1, keepdims=True)
    dist_neg = np.linalg.norm(to_neg, axis=-1, keepdims=True)
    active = (dist_pos - dist_neg + margin) > 0
    unit_pos, unit_neg = to_pos / dist_pos, to_neg / dist_neg
    return np.stack([unit_pos - unit_neg, -unit_pos, unit_neg], axis=1) * active[:, None]


@_register(pairs.am_softmax)
def _grad_am_softmax(y_true, y_pred, *, margin=0.35, scale=30.0):
    r""":math:`s\,(\operatorname{softmax}(z) - \text{one\_hot}(y))` with
    :math:`z = s(\cos\theta - m\,\text{one\_hot}(y))`.
    """
    labels, cosines = labels_and_scores(y_true, y_pred, "sum")
    logits = pairs.am_softmax_logits(labels, cosines, margin, scale)
    return scale * (softmax(logits) - np.eye(cosines.shape[-1])[labels])


@_register(sequence.sequence_crossentropy)
def _grad_sequence_crossentropy(y_true, y_pred, *, from_logits=False, ignore_class=None,
                                mask=None):
    r"""Per valid step, the sparse cross-entropy gradient divided by :math:`|V_i|`
    (logits: :math:`(\operatorname{softmax}(z_{it}) - \text{one\_hot}(y_{it})) / |V_i|`); 0 at
    padding.
    """
    labels, y_pred, valid, counts = sequence.sequence_inputs(y_true, y_pred, "sum", from_logits,
                                                             ignore_class, mask)
    grad = index_crossentropy_gradient(labels, y_pred, from_logits)
    return grad * (valid / counts[:, None])[..., None]


# Classification, margin and overlap losses register theirs in a module of their own.
from lossbook.reference import _classification_gradients  # noqa: E402, F401

GRADIENT_NAMES = tuple(sorted(_GRADIENTS))
