"""Gradient of the Gaussian negative log-likelihood: the stacked means and variances."""

from __future__ import annotations

import numpy as np

from lossbook.reference import probabilistic
from lossbook.reference.gradients._registry import register


@register(probabilistic.gaussian_nll)
def _grad_gaussian_nll(y_true, y_pred, *, eps=1e-6, full=False):
    r"""With :math:`\tilde v = \max(v, \epsilon)`: :math:`\partial_\mu = -(y - \mu) / (d\,\tilde v)`
    and :math:`\partial_v = \bigl(1/\tilde v - (y - \mu)^2/\tilde v^2\bigr) / (2d)` where
    :math:`v > \epsilon`, 0 where :math:`v < \epsilon` (the clamp is flat there; torch passes
    the gradient through its clamp instead). ``full`` adds a constant: no gradient.
    """
    y_true, mean, variance = probabilistic.split_mean_variance(y_true, y_pred, "sum")
    d = y_true.shape[-1]
    clamped = np.maximum(variance, eps)
    residual = y_true - mean
    grad_mean = -residual / clamped / d
    grad_variance = 0.5 * (1.0 / clamped - residual**2 / clamped**2) / d
    return np.concatenate([grad_mean, np.where(variance >= eps, grad_variance, 0.0)], axis=-1)
