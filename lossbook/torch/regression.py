"""Regression losses torch lacks: RMSE, MAPE, MSLE, log-cosh and the quantile (pinball) loss."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lossbook._validation import check_reduction
from lossbook.torch._base import _check_shapes, _fused, _Loss, _reduce

__all__ = [
    "LogCoshLoss", "MAPELoss", "MSLELoss", "QuantileLoss", "RMSELoss", "log_cosh",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "quantile",
    "root_mean_squared_error",
]

_LOG2 = math.log(2.0)


def root_mean_squared_error(input, target, *, epsilon: float = 0.0, reduction: str = "mean"):
    r"""Root mean squared error, with ``epsilon`` inside the root, as :mod:`lossbook.reference`.

    :math:`\sqrt{\mathrm{MSE} + \epsilon}`: ``"mean"`` is the root of the overall mean squared
    error (what "RMSE" usually means; not the mean of the per-sample roots), ``"none"`` the
    per-sample :math:`\sqrt{\frac1d\sum_j (t_j - x_j)^2 + \epsilon}` over the last axis (a 1-D
    input is one value per sample) and ``"sum"`` their sum. ``epsilon > 0`` keeps the gradient
    finite at a perfect fit, where the root has an infinite slope (trap 21).

    >>> float(root_mean_squared_error(torch.tensor([3.0, 5.0]), torch.tensor([0.0, 0.0])))
    4.123105525970459
    """
    _check_shapes(input, target)
    check_reduction(reduction)
    if reduction == "mean":  # rows of equal size: the mean of their means is the overall mean
        return torch.sqrt(F.mse_loss(input, target) + epsilon)  # mse_loss: one fused kernel
    squared = F.mse_loss(input, target, reduction="none")
    per_sample = squared if squared.ndim < 2 else squared.mean(dim=-1)
    return _reduce(torch.sqrt(per_sample + epsilon), reduction)


def mean_absolute_percentage_error(input, target, *, epsilon: float = 1e-7,
                                   reduction: str = "mean"):
    r"""Absolute percentage error :math:`100\,|t - x| / \max(|t|, \epsilon)`, element-wise.

    In percent, like Keras; ``epsilon`` (Keras' value by default) guards against a zero target.

    >>> float(mean_absolute_percentage_error(torch.tensor([1.0]), torch.tensor([2.0])))
    50.0
    """
    _check_shapes(input, target)
    return _reduce(100.0 * (target - input).abs() / target.abs().clamp_min(epsilon), reduction)


def mean_squared_logarithmic_error(input, target, *, reduction: str = "mean"):
    r"""Squared logarithmic error :math:`(\log(1 + x) - \log(1 + t))^2`, element-wise.

    Inputs must exceed -1 (no clipping: Keras clips negative values to 1e-7, trap 22).
    ``log1p`` keeps small values exact.

    >>> float(mean_squared_logarithmic_error(torch.tensor([0.0]), torch.tensor([math.e - 1])))
    1.0
    """
    _check_shapes(input, target)
    return _fused(_SquaredLogError, input, target, reduction)


class _SquaredLogError:
    """(log1p x - log1p t)^2; slopes 2 d / (1 + x) and -2 d / (1 + t), d the difference."""

    per_sample = False

    @staticmethod
    def value(input, target, reduction):
        difference = torch.log1p(input).sub_(torch.log1p(target))
        if reduction == "none":
            return difference.square(), (difference,)
        flat = difference.reshape(-1)
        total = torch.dot(flat, flat)  # the sum of squares in one pass
        return total / flat.numel() if reduction == "mean" else total, (difference,)

    @staticmethod
    def slopes(input, target, saved, needs, scale):
        twice = saved[0] * (2.0 * scale)
        return (twice / (1.0 + input) if needs[0] else None,
                -twice / (1.0 + target) if needs[1] else None)


def log_cosh(input, target, *, reduction: str = "mean"):
    r"""Log-cosh loss :math:`\log\cosh(x - t)`, element-wise, without overflow.

    Stable form: :math:`\log\cosh r = |r| + \operatorname{softplus}(-2|r|) - \log 2`, so
    residuals of 1e4 give 1e4 - log 2 where ``torch.log(torch.cosh(r))`` gives inf.

    >>> float(log_cosh(torch.tensor([1e4]), torch.tensor([0.0])))
    9999.306640625
    """
    _check_shapes(input, target)
    return _fused(_LogCosh, input, target, reduction)


class _LogCosh:
    """log cosh r = |r| + log1p(e^{-2|r|}) - log 2; its slope tanh r (one fused node)."""

    per_sample = False

    @staticmethod
    def value(input, target, reduction):
        residual = input - target
        size = residual.abs()
        values = size + torch.log1p(torch.exp(-2.0 * size)) - _LOG2
        return _reduce(values, reduction), (residual,)

    @staticmethod
    def slopes(input, target, saved, needs, scale):
        slope = torch.tanh(saved[0]) * scale
        return slope if needs[0] else None, -slope if needs[1] else None


def quantile(input, target, *, tau: float = 0.5, reduction: str = "mean"):
    r"""Quantile (pinball) loss :math:`\max(\tau r, (\tau - 1) r)` with :math:`r = t - x`.

    Under-prediction costs ``tau`` per unit, over-prediction ``1 - tau``; ``tau = 0.5`` is
    half the absolute error. ``tau`` is a number or a tensor that broadcasts against ``input``
    (one level per output column: several quantiles fitted at once).

    >>> float(quantile(torch.tensor([0.0]), torch.tensor([2.0]), tau=0.9))
    1.7999999523162842
    """
    _check_shapes(input, target)
    if isinstance(tau, torch.Tensor) and tau.requires_grad:  # a learned level: plain autograd
        residual = target - input
        return _reduce(tau * residual + torch.relu(-residual), reduction)
    return _fused(_Quantile, input, target, reduction, tau=tau)


class _Quantile:
    """max(tau r, (tau - 1) r) with r = t - x; its slope in x is [x > t] - tau."""

    per_sample = False

    @staticmethod
    def value(input, target, reduction, tau):
        residual = target - input
        if isinstance(tau, torch.Tensor):  # levels per column: the per-element losses
            return _reduce(tau * residual + torch.relu(-residual), reduction), (residual,)
        if reduction == "none":
            return torch.add(torch.relu(-residual), residual, alpha=tau), (residual,)
        # tau (sum of r > 0) + (1 - tau) (sum of -r > 0): two positive terms,
        # no cancellation, no per-element loss tensor
        total = (tau * residual.clamp(min=0).sum()
                 + (tau - 1.0) * residual.clamp(max=0).sum())
        return total / residual.numel() if reduction == "mean" else total, (residual,)

    @staticmethod
    def slopes(input, target, saved, needs, scale, tau):
        # [x > t] - tau = 0.5 sign(x - t) + 0.5 - tau, with no comparison kernel;
        # 0.5 - tau at a tie (mid-subgradient, as L1Loss's sign(0) = 0)
        slope = torch.sign(saved[0])
        slope = (slope.mul_(-0.5).add_(0.5 - tau) if not slope.requires_grad
                 and not isinstance(tau, torch.Tensor) else 0.5 - tau - 0.5 * slope) * scale
        return slope if needs[0] else None, -slope if needs[1] else None


class RMSELoss(_Loss):
    """Module form of :func:`root_mean_squared_error`."""

    function = staticmethod(root_mean_squared_error)

    def __init__(self, epsilon: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, epsilon=epsilon)


class MAPELoss(_Loss):
    """Module form of :func:`mean_absolute_percentage_error`."""

    function = staticmethod(mean_absolute_percentage_error)

    def __init__(self, epsilon: float = 1e-7, reduction: str = "mean"):
        super().__init__(reduction, epsilon=epsilon)


class MSLELoss(_Loss):
    """Module form of :func:`mean_squared_logarithmic_error`."""

    function = staticmethod(mean_squared_logarithmic_error)


class LogCoshLoss(_Loss):
    """Module form of :func:`log_cosh`."""

    function = staticmethod(log_cosh)


class QuantileLoss(_Loss):
    """Module form of :func:`quantile`."""

    function = staticmethod(quantile)

    def __init__(self, tau: float = 0.5, reduction: str = "mean"):
        super().__init__(reduction, tau=tau)
