"""Metric-learning losses torch lacks: the contrastive loss on distances and AM-softmax."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook.torch._base import _check_shapes, _Loss, _reduce

__all__ = ["AMSoftmaxLoss", "ContrastiveLoss", "am_softmax", "contrastive"]


def contrastive(input, target, *, margin: float = 1.0, reduction: str = "mean"):
    r"""Contrastive loss (Hadsell, Chopra & LeCun, 2006) on distances, element-wise.

    :math:`t\,d^2 + (1 - t)\max(0, m - d)^2` with ``input`` the distance :math:`d \ge 0` of a
    pair and ``target`` :math:`t = 1` for a similar pair, 0 for a dissimilar one.

    >>> float(contrastive(torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0]), reduction="sum"))
    0.5
    """
    _check_shapes(input, target)
    loss = target * input.square() + (1.0 - target) * torch.relu(margin - input).square()
    return _reduce(loss, reduction)


def am_softmax(input, target, *, margin: float = 0.35, scale: float = 30.0,
               reduction: str = "mean"):
    r"""Additive-margin softmax loss (Wang et al., 2018), one value per sample.

    Cross-entropy of the logits :math:`s\,(\cos\theta_c - m\,[c = y])`: ``input`` holds the
    cosines ``[batch, classes]`` between normalised embeddings and class weights, ``target``
    the class indices ``[batch]`` (int64). ``F.cross_entropy`` does the stable log-softmax.

    >>> cos = torch.tensor([[0.9, 0.1]])
    >>> round(float(am_softmax(cos, torch.tensor([0]), margin=0.0, scale=1.0)), 6)
    0.371101
    """
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError(
            "`input` must be cosines of shape [batch, classes] and `target` class indices of "
            f"shape [batch]. Received: input.shape={tuple(input.shape)}, "
            f"target.shape={tuple(target.shape)}"
        )
    one_hot = F.one_hot(target, num_classes=input.shape[-1]).to(input.dtype)
    logits = scale * (input - margin * one_hot)
    return _reduce(F.cross_entropy(logits, target, reduction="none"), reduction)


class ContrastiveLoss(_Loss):
    """Module form of :func:`contrastive`."""

    function = staticmethod(contrastive)

    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction, margin=margin)


class AMSoftmaxLoss(_Loss):
    """Module form of :func:`am_softmax`."""

    function = staticmethod(am_softmax)

    def __init__(self, margin: float = 0.35, scale: float = 30.0, reduction: str = "mean"):
        super().__init__(reduction, margin=margin, scale=scale)
