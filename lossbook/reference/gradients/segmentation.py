"""Gradients of the overlap losses: Tversky and its special case Dice."""

from __future__ import annotations

import numpy as np

from lossbook.reference import segmentation
from lossbook.reference.gradients._registry import register


def _tversky_gradient(y_true, y_pred, alpha, beta, smooth, axis):
    r"""With :math:`A = TP + s`, :math:`B = TP + \alpha FP + \beta FN + s` and
    :math:`\ell = 1 - A / B`:
    :math:`\partial \ell / \partial p_j = -\bigl(y_j B - A\,(y_j + \alpha (1 - y_j)
    - \beta y_j)\bigr) / B^2`.
    """
    true_pos, false_pos, false_neg = segmentation.overlap_counts(y_true, y_pred, "sum", axis,
                                                                 keepdims=True)
    y_true = np.asarray(y_true, dtype=np.float64)
    numerator = true_pos + smooth  # kept dimensions broadcast over the summed axes
    denominator = true_pos + alpha * false_pos + beta * false_neg + smooth
    d_denominator = y_true + alpha * (1.0 - y_true) - beta * y_true
    return -(y_true * denominator - numerator * d_denominator) / denominator**2


@register(segmentation.tversky)
def _grad_tversky(y_true, y_pred, *, alpha=0.5, beta=0.5, axis=segmentation.PER_SAMPLE,
                  smooth=0.0):
    r"""See :func:`_tversky_gradient` (:math:`\alpha` on false positives, as published)."""
    return _tversky_gradient(y_true, y_pred, alpha, beta, smooth, axis)


@register(segmentation.dice)
def _grad_dice(y_true, y_pred, *, axis=segmentation.PER_SAMPLE, smooth=0.0):
    r"""Dice with smoothing :math:`s` is Tversky with :math:`\alpha = \beta = \tfrac12` and
    smoothing :math:`s / 2`, so :func:`_tversky_gradient` applies.
    """
    return _tversky_gradient(y_true, y_pred, 0.5, 0.5, smooth / 2.0, axis)
