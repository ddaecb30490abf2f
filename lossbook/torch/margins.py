"""Margin losses torch lacks: hinge, squared hinge and the categorical (Crammer-Singer) hinge."""

from __future__ import annotations

import torch

from lossbook.torch._base import _check_shapes, _Loss, _reduce

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
    positive = (target * input).sum(dim=-1)
    # the best wrong score: the true class is masked with -inf (one-hot target)
    negative = torch.where(target > 0, float("-inf"), input).amax(dim=-1)
    return _reduce(torch.relu(1.0 + negative - positive), reduction)


class HingeLoss(_Loss):
    """Module form of :func:`hinge`."""

    function = staticmethod(hinge)


class SquaredHingeLoss(_Loss):
    """Module form of :func:`squared_hinge`."""

    function = staticmethod(squared_hinge)


class CategoricalHingeLoss(_Loss):
    """Module form of :func:`categorical_hinge`."""

    function = staticmethod(categorical_hinge)
