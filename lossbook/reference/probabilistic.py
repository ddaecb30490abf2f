"""Losses on a predicted distribution: the Gaussian negative log-likelihood.

Convention (the layout of a ``Dense(2 * d)`` head): ``y_true`` holds the targets
``[batch, d]``; ``y_pred`` ``[batch, 2 * d]`` holds the predicted **means** in its first ``d``
columns and the predicted **variances** (not standard deviations, not log-variances) in its
last ``d``. torch ``GaussianNLLLoss`` takes the same numbers as three tensors,
``(input=mean, target=y_true, var=variance)``.
"""

from __future__ import annotations

import math

import numpy as np

from lossbook._validation import (
    as_float_array,
    check_array_min,
    check_positive,
    check_reduction,
    reduce,
)

__all__ = ["gaussian_nll"]

HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def split_mean_variance(y_true, y_pred, reduction):
    """``(y_true, mean, variance)``, each ``[batch, ..., d]``, from ``y_pred`` ``[..., 2 d]``."""
    check_reduction(reduction)
    y_true = as_float_array(y_true, "y_true", min_ndim=2)
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=2)
    d = y_true.shape[-1]
    if y_pred.shape != y_true.shape[:-1] + (2 * d,):
        raise ValueError(
            "`y_pred` must stack the means and the variances on its last axis: shape "
            f"{y_true.shape[:-1] + (2 * d,)} for y_true of shape {y_true.shape} (2 * d = "
            f"{2 * d} columns, means first). Received: y_pred.shape={y_pred.shape}")
    variance = y_pred[..., d:]
    check_array_min(variance, "y_pred", 0.0,
                    hint="Its last d columns are variances (torch GaussianNLLLoss raises too).")
    return y_true, y_pred[..., :d], variance


def gaussian_nll(y_true, y_pred, *, eps=1e-6, full=False, reduction="mean", sample_weight=None):
    """Gaussian negative log-likelihood of targets under a predicted mean and variance.

    .. math::
        \\ell_i = \\frac1d \\sum_{j=1}^{d} \\frac12\\Bigl(\\log \\tilde v_{ij}
        + \\frac{(y_{ij} - \\mu_{ij})^2}{\\tilde v_{ij}}\\Bigr)
        \\;\\bigl[+ \\tfrac12 \\log 2\\pi \\text{ if full}\\bigr],
        \\qquad \\tilde v_{ij} = \\max(v_{ij}, \\epsilon)

    with :math:`\\mu_{ij}` and :math:`v_{ij} \\ge 0` the predicted mean and variance of
    output :math:`j` of sample :math:`i` and :math:`\\epsilon > 0` (``eps``) the clamp that
    keeps a zero variance finite. It equals torch ``GaussianNLLLoss(eps=eps, full=full)`` on
    ``(mean, y_true, variance)`` (torch clamps the same way, without a gradient through the
    clamp); ``full=False`` drops the constant :math:`\\frac12\\log 2\\pi`, so the loss can be
    negative.

    Args:
        y_true: targets ``[batch, d]`` (or ``[batch, ..., d]``).
        y_pred: ``[batch, 2 d]``: the means (first ``d`` columns), then the variances.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Nix and Weigend, *Estimating the mean and variance of the target probability
    distribution*, 1994.

    >>> gaussian_nll([[1.0]], [[0.0, 1.0]])  # 0.5 (log 1 + 1 / 1)
    0.5
    >>> round(gaussian_nll([[0.0]], [[0.0, 0.0]], eps=1e-6), 4)  # variance 0: clamped to eps
    -6.9078
    """
    y_true, mean, variance = split_mean_variance(y_true, y_pred, reduction)
    eps = check_positive(eps, "eps")
    clamped = np.maximum(variance, eps)
    values = 0.5 * (np.log(clamped) + (y_true - mean) ** 2 / clamped)
    if full:
        values = values + HALF_LOG_2PI
    return reduce(values.mean(axis=-1), reduction, sample_weight)
