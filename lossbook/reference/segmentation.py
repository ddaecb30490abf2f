"""Overlap losses for segmentation: Dice and Tversky.

By default each sample's masks are summed over all its non-batch axes (``[batch, height,
width, channels]`` -> one value per image). ``axis`` takes Keras' argument: a tuple of axes
to sum over (``(1, 2)`` on ``[batch, height, width, classes]`` gives one value per image and
class), or ``None``, which pools the whole batch into one value — Keras' default for
``Dice()`` and ``Tversky()`` (trap 26). Keras also adds 1e-7 to the denominator; here the
division is exact, with an optional ``smooth`` term added to numerator and denominator.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    check_array_in_range,
    check_nonnegative,
    check_probabilities,
    reduce,
)
from lossbook.reference._common import pair

__all__ = ["dice", "tversky"]


PER_SAMPLE = "per_sample"


def overlap_axes(axis, ndim: int) -> tuple[int, ...]:
    """The axes summed over: every non-batch axis (``"per_sample"``), all of them (``None``),
    or ``axis`` itself (an int or a tuple of ints), checked and made non-negative."""
    if isinstance(axis, str) and axis == PER_SAMPLE:
        return tuple(range(1, ndim))
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else axis
    valid = (isinstance(axes, tuple | list) and len(axes) > 0
             and all(isinstance(a, int | np.integer) and -ndim <= a < ndim for a in axes)
             and len({int(a) % ndim for a in axes}) == len(axes))
    if not valid:
        raise ValueError(
            f"`axis` must be 'per_sample', None, or distinct integer axes of the {ndim}-D "
            f"masks (each between {-ndim} and {ndim - 1}). Received: axis={axis!r}")
    return tuple(sorted(int(a) % ndim for a in axes))


def overlap_counts(y_true, y_pred, reduction, axis=PER_SAMPLE, keepdims=False):
    """Soft true positives, false positives and false negatives, summed over ``axis``."""
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_array_in_range(y_true, "y_true", 0.0, 1.0, hint="Masks hold 0/1 (or soft) labels.")
    check_probabilities(y_pred, "y_pred")
    axes = overlap_axes(axis, y_true.ndim)
    true_pos = np.sum(y_true * y_pred, axis=axes, keepdims=keepdims)
    false_pos = np.sum((1.0 - y_true) * y_pred, axis=axes, keepdims=keepdims)
    false_neg = np.sum(y_true * (1.0 - y_pred), axis=axes, keepdims=keepdims)
    return true_pos, false_pos, false_neg


def overlap_loss(true_pos, denominator, smooth):
    """``1 - (tp + smooth) / (denominator + smooth)``; an empty sample needs ``smooth > 0``."""
    if np.any(denominator + smooth == 0):
        raise ValueError(
            "A sample has an empty target and an empty prediction, so the overlap is 0/0; "
            "pass `smooth` > 0 to define it. Received: smooth=0.0"
        )
    return 1.0 - (true_pos + smooth) / (denominator + smooth)


def dice(y_true, y_pred, *, axis=PER_SAMPLE, smooth=0.0, reduction="mean",
         sample_weight=None):
    """Dice loss: one minus the (soft) Dice coefficient of each sample's masks.

    .. math::
        \\ell_i = 1 - \\frac{2 \\sum_j y_{ij} p_{ij} + s}{\\sum_j y_{ij} + \\sum_j p_{ij} + s}

    with :math:`y \\in [0, 1]` the target mask, :math:`p \\in [0, 1]` the predicted
    probabilities, :math:`j` running over the positions summed (``axis``: by default all
    non-batch axes) and :math:`s \\ge 0` the ``smooth`` term (Keras uses :math:`s = 0` and
    1e-7 in the denominator only).

    Args:
        y_true: masks ``[batch, ...]``.
        y_pred: probabilities, same shape.
        axis: ``"per_sample"`` (every axis but the first), a tuple of axes as in Keras'
            ``Dice(axis=...)``, or ``None`` to pool the whole batch (Keras' default).

    Returns:
        A float, or for ``reduction="none"`` the values over the axes not summed
        (``[batch]`` by default, a 0-d array for ``axis=None``).

    Reference: Milletari, Navab and Ahmadi, *V-Net*, 2016; Dice, *Measures of the Amount of
    Ecologic Association Between Species*, 1945.

    >>> dice([[1.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]])  # 1 - 2·1 / (2 + 1)
    0.33333333333333337
    >>> dice([[1.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]], axis=None)  # 1 - 2·3 / (3 + 4)
    0.1428571428571429
    """
    true_pos, false_pos, false_neg = overlap_counts(y_true, y_pred, reduction, axis)
    smooth = check_nonnegative(smooth, "smooth")
    values = overlap_loss(2.0 * true_pos, 2.0 * true_pos + false_pos + false_neg, smooth)
    return reduce(values, reduction, sample_weight)


def tversky(y_true, y_pred, *, alpha=0.5, beta=0.5, axis=PER_SAMPLE, smooth=0.0,
            reduction="mean", sample_weight=None):
    """Tversky loss: Dice with separate weights for false positives and false negatives.

    .. math::
        \\ell_i = 1 - \\frac{TP_i + s}{TP_i + \\alpha\\, FP_i + \\beta\\, FN_i + s}, \\quad
        TP = \\sum_j y p,\\; FP = \\sum_j (1 - y) p,\\; FN = \\sum_j y (1 - p)

    following the published definition: :math:`\\alpha` weighs **false positives**,
    :math:`\\beta` false negatives; :math:`\\alpha = \\beta = 0.5` is :func:`dice`. Keras 3.15.1
    ``Tversky(alpha, beta)`` multiplies the false negatives by ``alpha`` (trap 25), so it equals
    ``tversky(alpha=beta_keras, beta=alpha_keras)`` here (up to its 1e-7). Symbols, shapes
    and ``axis`` as in :func:`dice`.

    Reference: Salehi, Erdogmus and Gholipour, *Tversky Loss Function for Image Segmentation
    Using 3D Fully Convolutional Deep Networks*, 2017.

    >>> tversky([[1.0, 0.0]], [[1.0, 1.0]], alpha=0.7, beta=0.3)  # 1 - 1 / (1 + 0.7·1)
    0.4117647058823529
    """
    true_pos, false_pos, false_neg = overlap_counts(y_true, y_pred, reduction, axis)
    alpha = check_nonnegative(alpha, "alpha")
    beta = check_nonnegative(beta, "beta")
    smooth = check_nonnegative(smooth, "smooth")
    values = overlap_loss(true_pos, true_pos + alpha * false_pos + beta * false_neg, smooth)
    return reduce(values, reduction, sample_weight)
