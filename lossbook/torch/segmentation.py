"""Overlap losses for segmentation torch lacks: Dice and Tversky (one value per sample)."""

from __future__ import annotations

import torch  # noqa: F401  (the doctests use it)

from lossbook.torch._base import _check_shapes, _Loss, _reduce

__all__ = ["DiceLoss", "TverskyLoss", "dice", "tversky"]


def dice(input, target, *, smooth: float = 0.0, reduction: str = "mean"):
    r"""Dice loss per sample: :math:`1 - (2\sum_j t_j p_j + s) / (\sum_j t_j + \sum_j p_j + s)`.

    Sums over every axis but the first (one value per sample; Keras' ``Dice()`` pools the
    whole batch unless ``axis`` is given, trap 26). ``smooth`` :math:`s \ge 0` defines the loss
    of an empty mask and an empty prediction (Keras instead adds 1e-7 to the denominator).

    >>> float(dice(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])))
    0.3333333134651184
    """
    _check_shapes(input, target)
    axes = tuple(range(1, input.ndim))
    intersection = (target * input).sum(dim=axes)
    total = target.sum(dim=axes) + input.sum(dim=axes)
    return _reduce(1.0 - (2.0 * intersection + smooth) / (total + smooth), reduction)


def tversky(input, target, *, alpha: float = 0.5, beta: float = 0.5, smooth: float = 0.0,
            reduction: str = "mean"):
    r"""Tversky loss per sample: :math:`1 - (TP + s) / (TP + \alpha FP + \beta FN + s)`.

    :math:`TP = \sum t p`, :math:`FP = \sum (1 - t) p`, :math:`FN = \sum t (1 - p)` over every
    axis but the first; ``alpha`` weighs false positives, ``beta`` false negatives (Salehi et
    al., 2017) — Keras 3.15 swaps them (trap 25). ``alpha = beta = 0.5`` is the Dice loss.

    >>> float(tversky(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]), alpha=0.0, beta=1.0))
    0.5
    """
    _check_shapes(input, target)
    axes = tuple(range(1, input.ndim))
    true_pos = (target * input).sum(dim=axes)
    false_pos = ((1.0 - target) * input).sum(dim=axes)
    false_neg = (target * (1.0 - input)).sum(dim=axes)
    denominator = true_pos + alpha * false_pos + beta * false_neg + smooth
    return _reduce(1.0 - (true_pos + smooth) / denominator, reduction)


class DiceLoss(_Loss):
    """Module form of :func:`dice`."""

    function = staticmethod(dice)

    def __init__(self, smooth: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, smooth=smooth)


class TverskyLoss(_Loss):
    """Module form of :func:`tversky`."""

    function = staticmethod(tversky)

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, smooth: float = 0.0,
                 reduction: str = "mean"):
        super().__init__(reduction, alpha=alpha, beta=beta, smooth=smooth)
