"""Margin losses torch lacks: hinge, squared hinge and the categorical (Crammer-Singer) hinge."""

from __future__ import annotations

import torch

from lossbook.torch._base import _check_shapes, _fused, _Loss, _reduce

__all__ = [
    "CategoricalHingeLoss", "HingeLoss", "SquaredHingeLoss", "categorical_hinge", "hinge",
    "squared_hinge",
]


def hinge(input, target, *, reduction: str = "mean"):
    r"""Hinge loss :math:`\max(0, 1 - t x)`, element-wise, for labels :math:`t \in \{-1, 1\}`.

    Not ``torch.nn.HingeEmbeddingLoss``, which is a loss on distances (trap 16). Keras maps
    labels in {0, 1} to {-1, 1} itself; here pass ``2 * t - 1``.

    >>> float(hinge(torch.tensor([0.3]), torch.tensor([1.0])))
    0.699999988079071
    """
    _check_shapes(input, target)
    return _reduce(torch.relu(1.0 - target * input), reduction)


def squared_hinge(input, target, *, reduction: str = "mean"):
    r"""Squared hinge loss :math:`\max(0, 1 - t x)^2`, element-wise, labels in {-1, 1}.

    >>> float(squared_hinge(torch.tensor([-1.0]), torch.tensor([1.0])))
    4.0
    """
    _check_shapes(input, target)
    return _reduce(torch.relu(1.0 - target * input).square(), reduction)


def categorical_hinge(input, target, *, reduction: str = "mean"):
    r"""Categorical hinge (Crammer-Singer): :math:`\max(0, 1 + \max_{c \ne y} s_c - s_y)`.

    ``input``: scores ``[batch, classes]``; ``target``: one-hot ``[batch, classes]``. One value
    per sample. Not ``MultiMarginLoss``, which sums over the wrong classes (trap 15). Keras'
    ``CategoricalHinge`` takes the max over :math:`(1 - t) \odot s`, which counts 0 for the true
    class: it agrees with this only when the best wrong score is >= 0.

    >>> s, t = torch.tensor([[2.0, 1.5, -1.0]]), torch.tensor([[1.0, 0.0, 0.0]])
    >>> float(categorical_hinge(s, t))
    0.5
    """
    _check_shapes(input, target)
    return _fused(_CategoricalHinge, input, target, reduction)


class _CategoricalHinge:
    """relu(1 + max over c != y of s_c - s_y); slope: (one_hot(best wrong) - t) where active."""

    per_sample = True

    @staticmethod
    def value(input, target, reduction):
        positive = (target * input).sum(dim=-1)
        # the best wrong score: the labelled class pushed down by the largest finite number
        # (one fused kernel; a masked_fill needs a comparison and a copy too)
        lowest = torch.finfo(input.dtype).min
        negative, wrong = torch.add(input, target, alpha=lowest).max(dim=-1)
        values = negative.sub_(positive).add_(1.0).relu_()  # in place: max's backward
        return _reduce(values, reduction), (values, wrong)    # needs its indices only

    @staticmethod
    def slopes(input, target, saved, needs, scale):
        values, wrong = saved
        active = torch.sign(values).unsqueeze(-1) * scale  # 1 where the hinge is open
        slope_input = slope_target = None
        if needs[0]:
            slope_input = (target * active).neg_()
            slope_input = (slope_input.scatter_add_ if not torch.is_grad_enabled() else
                           slope_input.scatter_add)(-1, wrong.unsqueeze(-1), active)
        if needs[1]:
            slope_target = -input * active
        return slope_input, slope_target


class HingeLoss(_Loss):
    """Module form of :func:`hinge`."""

    function = staticmethod(hinge)


class SquaredHingeLoss(_Loss):
    """Module form of :func:`squared_hinge`."""

    function = staticmethod(squared_hinge)


class CategoricalHingeLoss(_Loss):
    """Module form of :func:`categorical_hinge`."""

    function = staticmethod(categorical_hinge)
