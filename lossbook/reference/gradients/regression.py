"""Gradients of the regression losses (r = ŷ - y; D = size of the last axis, 1 for a 1-D input)."""

from __future__ import annotations

import numpy as np

from lossbook.reference import regression
from lossbook.reference._common import (
    last_axis_size,
    pair,
)
from lossbook.reference.gradients._registry import register


def _residual_and_size(y_true, y_pred):
    y_true, y_pred = pair(y_true, y_pred, "sum")
    return y_true, y_pred, last_axis_size(y_pred)


@register(regression.mean_squared_error)
def _grad_mean_squared_error(y_true, y_pred):
    """:math:`\\partial/\\partial \\hat y_{ij} = 2 (\\hat y_{ij} - y_{ij}) / D`."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return 2.0 * (y_pred - y_true) / size


@register(regression.mean_absolute_error)
def _grad_mean_absolute_error(y_true, y_pred):
    """:math:`\\operatorname{sign}(\\hat y_{ij} - y_{ij}) / D`, subgradient 0 at a zero residual.

    ``sign(0) = 0`` is the choice of torch autograd for ``abs`` and the middle of the
    subdifferential :math:`[-1/D, 1/D]`.
    """
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return np.sign(y_pred - y_true) / size


def _grad_rmse_of_mean(y_true, y_pred, *, sample_weight=None, epsilon=0.0):
    """``"mean"`` RMSE is :math:`\\sqrt{\\tfrac1N \\sum_i w_i \\text{MSE}_i + \\epsilon}`, so its
    gradient is :math:`w_i (\\hat y_{ij} - y_{ij}) / (N D \\,\\text{RMSE})`; NaN at a perfect fit
    with ``epsilon=0``.
    """
    rmse = regression.root_mean_squared_error(y_true, y_pred, epsilon=epsilon,
                                              sample_weight=sample_weight)
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    count = y_pred.size // size
    weights = (np.ones(count) if sample_weight is None
               else np.asarray(sample_weight, np.float64).reshape(-1))
    weights = weights.reshape(y_pred.shape[:-1] + (1,) if y_pred.ndim > 1 else y_pred.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return weights * (y_pred - y_true) / (count * size * rmse)


@register(regression.root_mean_squared_error, mean=_grad_rmse_of_mean)
def _grad_root_mean_squared_error(y_true, y_pred, *, epsilon=0.0):
    """:math:`(\\hat y_{ij} - y_{ij}) / (D \\sqrt{\\text{MSE}_i + \\epsilon})` (``"sum"`` of
    RMSE_i).

    At a perfect fit with ``epsilon=0`` this is 0/0: NaN, as in autograd (trap 21).
    """
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    mse = np.mean((y_pred - y_true) ** 2, axis=-1, keepdims=True) if y_pred.ndim > 1 \
        else (y_pred - y_true) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (y_pred - y_true) / (size * np.sqrt(mse + epsilon))


@register(regression.mean_absolute_percentage_error)
def _grad_mean_absolute_percentage_error(y_true, y_pred):
    """:math:`100 \\operatorname{sign}(\\hat y_{ij} - y_{ij}) / (D |y_{ij}|)`, 0 at a zero
    residual."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return 100.0 * np.sign(y_pred - y_true) / (size * np.abs(y_true))


@register(regression.mean_squared_logarithmic_error)
def _grad_mean_squared_logarithmic_error(y_true, y_pred):
    """:math:`2 (\\log(1 + \\hat y_{ij}) - \\log(1 + y_{ij})) / (D (1 + \\hat y_{ij}))`."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return 2.0 * (np.log1p(y_pred) - np.log1p(y_true)) / (size * (1.0 + y_pred))


@register(regression.huber)
def _grad_huber(y_true, y_pred, *, delta=1.0):
    """:math:`\\operatorname{clip}(\\hat y_{ij} - y_{ij}, -\\delta, \\delta) / D`."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return np.clip(y_pred - y_true, -delta, delta) / size


@register(regression.log_cosh)
def _grad_log_cosh(y_true, y_pred):
    """:math:`\\tanh(\\hat y_{ij} - y_{ij}) / D` (bounded by 1/D, like MAE's)."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    return np.tanh(y_pred - y_true) / size


@register(regression.quantile)
def _grad_quantile(y_true, y_pred, *, tau=0.5):
    """:math:`-\\tau / D` if :math:`y > \\hat y`, :math:`(1 - \\tau) / D` if :math:`y < \\hat y`.

    At :math:`y = \\hat y` the subgradient 0 is chosen (it lies in :math:`[-\\tau, 1 - \\tau]/D`
    and matches MAE's ``sign(0) = 0`` at ``tau=0.5``).
    """
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    residual = y_true - y_pred
    return np.where(residual > 0, -tau, np.where(residual < 0, 1.0 - tau, 0.0)) / size


@register(regression.poisson)
def _grad_poisson(y_true, y_pred):
    """:math:`(1 - y_{ij} / \\hat y_{ij}) / D`; 1/D at :math:`y = \\hat y = 0`, −inf
    at ŷ = 0 < y."""
    y_true, y_pred, size = _residual_and_size(y_true, y_pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(y_true == 0, 0.0, y_true / y_pred)
    return (1.0 - ratio) / size
