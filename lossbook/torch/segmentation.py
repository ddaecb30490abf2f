"""Overlap losses for segmentation torch lacks: Dice and Tversky (one value per sample)."""

from __future__ import annotations

import torch  # noqa: F401  (the doctests use it)

from lossbook.torch._base import _check_shapes, _Loss, _reduce

__all__ = ["DiceLoss", "TverskyLoss", "dice", "tversky"]


def _axes(axis, ndim: int) -> tuple[int, ...]:
    """Every non-batch axis (``"per_sample"``), every axis (``None``) or ``axis`` itself."""
    if axis == "per_sample":
        return tuple(range(1, ndim))
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if not axes or len({a % ndim for a in axes}) != len(axes) or not all(
            isinstance(a, int) and -ndim <= a < ndim for a in axes):
        raise ValueError(f"`axis` must be 'per_sample', None, or distinct integer axes of the "
                         f"{ndim}-D input. Received: axis={axis!r}")
    return axes


def dice(input, target, *, axis="per_sample", smooth: float = 0.0, reduction: str = "mean"):
    r"""Dice loss per sample: :math:`1 - (2\sum_j t_j p_j + s) / (\sum_j t_j + \sum_j p_j + s)`.

    Sums over every axis but the first by default (one value per sample); ``axis`` as in
    Keras (a tuple of axes, or ``None``, Keras' default, which pools the batch: trap 26).
    ``smooth`` :math:`s \ge 0` defines the loss of an empty mask and an empty prediction
    (Keras instead adds 1e-7 to the denominator).

    >>> float(dice(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])))
    0.3333333134651184
    """
    _check_shapes(input, target)
    axes = _axes(axis, input.ndim)
    intersection = (target * input).sum(dim=axes)
    total = target.sum(dim=axes) + input.sum(dim=axes)
    return _reduce(1.0 - (2.0 * intersection + smooth) / (total + smooth), reduction)


def tversky(input, target, *, alpha: float = 0.5, beta: float = 0.5, axis="per_sample",
            smooth: float = 0.0, reduction: str = "mean"):
    r"""Tversky loss per sample: :math:`1 - (TP + s) / (TP + \alpha FP + \beta FN + s)`.

    :math:`TP = \sum t p`, :math:`FP = \sum (1 - t) p`, :math:`FN = \sum t (1 - p)` over
    ``axis`` (as in :func:`dice`); ``alpha`` weighs false positives, ``beta`` false negatives
    (Salehi et al., 2017) — Keras 3.15 swaps them (trap 25). ``alpha = beta = 0.5`` is the
    Dice loss. Negative ``alpha`` or ``beta`` is a ``ValueError``.

    >>> float(tversky(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]), alpha=0.0, beta=1.0))
    0.5
    """
    _check_shapes(input, target)
    for name, value in (("alpha", alpha), ("beta", beta)):
        if value < 0:
            raise ValueError(f"`{name}` must be >= 0. Received: {name}={value!r}")
    axes = _axes(axis, input.ndim)
    true_pos = (target * input).sum(dim=axes)
    false_pos = ((1.0 - target) * input).sum(dim=axes)
    false_neg = (target * (1.0 - input)).sum(dim=axes)
    denominator = true_pos + alpha * false_pos + beta * false_neg + smooth
    return _reduce(1.0 - (true_pos + smooth) / denominator, reduction)


class DiceLoss(_Loss):
    """Module form of :func:`dice`."""

    function = staticmethod(dice)

    def __init__(self, axis="per_sample", smooth: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, axis=axis, smooth=smooth)


class TverskyLoss(_Loss):
    """Module form of :func:`tversky`."""

    function = staticmethod(tversky)

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, axis="per_sample",
                 smooth: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, alpha=alpha, beta=beta, axis=axis, smooth=smooth)
