"""Overlap losses for segmentation: Dice and Tversky, one value per sample.

Each sample's masks are summed over all its non-batch axes (``[batch, height, width,
channels]`` -> one value per image). Keras' ``Dice()`` and ``Tversky()`` default to
``axis=None`` and pool the whole batch into one value (trap 26); that pooled number is this
module's loss of the batch reshaped to one sample: ``dice(y.reshape(1, -1), p.reshape(1, -1))``.
Keras also adds 1e-7 to the denominator; here the division is exact, with an optional
``smooth`` term added to numerator and denominator.
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


def overlap_counts(y_true, y_pred, reduction):
    """Soft true positives, false positives and false negatives per sample."""
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_array_in_range(y_true, "y_true", 0.0, 1.0, hint="Masks hold 0/1 (or soft) labels.")
    check_probabilities(y_pred, "y_pred")
    axes = tuple(range(1, y_true.ndim))
    true_pos = np.sum(y_true * y_pred, axis=axes)
    false_pos = np.sum((1.0 - y_true) * y_pred, axis=axes)
    false_neg = np.sum(y_true * (1.0 - y_pred), axis=axes)
    return true_pos, false_pos, false_neg


def overlap_loss(true_pos, denominator, smooth):
    """``1 - (tp + smooth) / (denominator + smooth)``; an empty sample needs ``smooth > 0``."""
    if np.any(denominator + smooth == 0):
        raise ValueError(
            "A sample has an empty target and an empty prediction, so the overlap is 0/0; "
            "pass `smooth` > 0 to define it. Received: smooth=0.0"
        )
    return 1.0 - (true_pos + smooth) / (denominator + smooth)


def dice(y_true, y_pred, *, smooth=0.0, reduction="mean", sample_weight=None):
    """Dice loss: one minus the (soft) Dice coefficient of each sample's masks.

    .. math::
        \\ell_i = 1 - \\frac{2 \\sum_j y_{ij} p_{ij} + s}{\\sum_j y_{ij} + \\sum_j p_{ij} + s}

    with :math:`y \\in [0, 1]` the target mask, :math:`p \\in [0, 1]` the predicted
    probabilities, :math:`j` running over all non-batch positions and :math:`s \\ge 0` the
    ``smooth`` term (Keras uses :math:`s = 0` and 1e-7 in the denominator only).

    Args:
        y_true: masks ``[batch, ...]``.
        y_pred: probabilities, same shape.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Milletari, Navab and Ahmadi, *V-Net*, 2016; Dice, *Measures of the Amount of
    Ecologic Association Between Species*, 1945.

    >>> dice([[1.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]])  # 1 - 2·1 / (2 + 1)
    0.33333333333333337
    """
    true_pos, false_pos, false_neg = overlap_counts(y_true, y_pred, reduction)
    smooth = check_nonnegative(smooth, "smooth")
    values = overlap_loss(2.0 * true_pos, 2.0 * true_pos + false_pos + false_neg, smooth)
    return reduce(values, reduction, sample_weight)


def tversky(y_true, y_pred, *, alpha=0.5, beta=0.5, smooth=0.0, reduction="mean",
            sample_weight=None):
    """Tversky loss: Dice with separate weights for false positives and false negatives.

    .. math::
        \\ell_i = 1 - \\frac{TP_i + s}{TP_i + \\alpha\\, FP_i + \\beta\\, FN_i + s}, \\quad
        TP = \\sum_j y p,\\; FP = \\sum_j (1 - y) p,\\; FN = \\sum_j y (1 - p)

    following the published definition: :math:`\\alpha` weighs **false positives**,
    :math:`\\beta` false negatives; :math:`\\alpha = \\beta = 0.5` is :func:`dice`. Keras 3.15.1
    ``Tversky(alpha, beta)`` multiplies the false negatives by ``alpha`` (trap 25), so it equals
    ``tversky(alpha=beta_keras, beta=alpha_keras)`` here (up to its 1e-7). Symbols and shapes
    as in :func:`dice`.

    Reference: Salehi, Erdogmus and Gholipour, *Tversky Loss Function for Image Segmentation
    Using 3D Fully Convolutional Deep Networks*, 2017.

    >>> tversky([[1.0, 0.0]], [[1.0, 1.0]], alpha=0.7, beta=0.3)  # 1 - 1 / (1 + 0.7·1)
    0.4117647058823529
    """
    true_pos, false_pos, false_neg = overlap_counts(y_true, y_pred, reduction)
    alpha = check_nonnegative(alpha, "alpha")
    beta = check_nonnegative(beta, "beta")
    smooth = check_nonnegative(smooth, "smooth")
    values = overlap_loss(true_pos, true_pos + alpha * false_pos + beta * false_neg, smooth)
    return reduce(values, reduction, sample_weight)
