"""Metric-learning losses torch lacks: contrastive, AM-softmax, ArcFace, Circle and InfoNCE."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lossbook.torch._base import _check_shapes, _Loss, _reduce

__all__ = ["AMSoftmaxLoss", "ArcFaceLoss", "CircleLoss", "ContrastiveLoss", "InfoNCELoss",
           "am_softmax", "arcface", "circle", "contrastive", "info_nce"]


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


def _check_cosines(input, target):
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError(
            "`input` must be cosines of shape [batch, classes] and `target` class indices of "
            f"shape [batch]. Received: input.shape={tuple(input.shape)}, "
            f"target.shape={tuple(target.shape)}"
        )


def arcface(input, target, *, margin: float = 0.5, scale: float = 64.0,
            reduction: str = "mean"):
    r"""ArcFace (Deng et al., 2019): cross-entropy of :math:`s\cos(\theta_c + m[c = y])`.

    ``input``: cosines ``[batch, classes]``; ``target``: class indices ``[batch]`` (int64).
    The margin is applied to the label's column only, and :math:`\sin\theta` is
    ``sqrt(1 - cos^2)`` where that is positive and 0 elsewhere, through a ``where`` whose
    other branch never takes the square root of 0: value *and* gradient stay finite at
    :math:`|\cos\theta| = 1` (the naive form's gradient is NaN there).

    >>> cos = torch.tensor([[1.0, 1.0]], requires_grad=True)
    >>> loss = arcface(cos, torch.tensor([0]), margin=math.pi / 2, scale=1.0)
    >>> loss.backward(); round(loss.item(), 6), bool(torch.isfinite(cos.grad).all())
    (1.313262, True)
    """
    _check_cosines(input, target)
    cosine = input.gather(1, target[:, None]).clamp(-1.0, 1.0)
    room = 1.0 - cosine.square()
    inside = room > 0
    sine = torch.where(inside, torch.where(inside, room, torch.ones_like(room)).sqrt(),
                       torch.zeros_like(room))
    shifted = cosine * math.cos(margin) - sine * math.sin(margin)
    logits = scale * input.scatter(1, target[:, None], shifted)
    return _reduce(F.cross_entropy(logits, target, reduction="none"), reduction)


def circle(input, target, *, gamma: float = 80.0, margin: float = 0.4,
           remove_diagonal: bool = True, reduction: str = "mean"):
    r"""Circle loss (Sun et al., 2020) with Keras' numbers (``keras.losses.Circle``).

    ``input``: L2-normalised embeddings ``[batch, dim]``; ``target``: labels ``[batch]``. Rows
    with a zero loss (no positive in the batch) are left out of ``"mean"``, as Keras' mask
    does. See :func:`lossbook.reference.circle` for the formula.
    """
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError("`input` must be embeddings [batch, dim] and `target` labels [batch]. "
                         f"Received: input.shape={tuple(input.shape)}, "
                         f"target.shape={tuple(target.shape)}")
    similarity = 1.0 - torch.clamp(1.0 - input @ input.T, min=0.0)
    positive = target[:, None] == target[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~torch.eye(len(target), dtype=torch.bool, device=input.device)
    pos_logits = -gamma * torch.relu(1.0 + margin - similarity) * (similarity - 1.0 + margin)
    neg_logits = gamma * torch.relu(similarity + margin) * (similarity - margin)
    low = torch.tensor(float("-inf"), dtype=input.dtype, device=input.device)
    total = (torch.logsumexp(torch.where(positive, pos_logits, low), dim=1)
             + torch.logsumexp(torch.where(negative, neg_logits, low), dim=1))
    values = torch.logaddexp(total, torch.zeros_like(total))  # softplus without F.softplus's
    # linear branch above 20 (an error of e^-20 there); -inf (no positive) gives 0
    if reduction == "mean":  # Keras' mask: the mean over the rows with a positive loss
        return values.sum() / (values > 0).sum().clamp(min=1)
    return _reduce(values, reduction)


def info_nce(input, target=None, *, temperature: float = 0.1, symmetric: bool = False,
             reduction: str = "mean"):
    r"""InfoNCE with in-batch negatives; ``symmetric=True`` is CLIP's loss.

    ``input``: ``[batch, 2, dim]``, the two views (anchors, positives); ``target``: ``None``
    (anchor i's positive is row i) or the index of each anchor's positive ``[batch]`` (int64).
    Cross-entropy of the cosine logits :math:`\cos(a_i, p_j)/\tau`; ``symmetric`` averages it
    with the columns' cross-entropy.

    >>> views = torch.tensor([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]])
    >>> round(float(info_nce(views, temperature=1.0)), 6)
    0.313262
    """
    if input.ndim != 3 or input.shape[1] != 2:
        raise ValueError("`input` must have shape [batch, 2, dim] (anchors, positives). "
                         f"Received: input.shape={tuple(input.shape)}")
    if not temperature > 0:
        raise ValueError(f"`temperature` must be > 0. Received: temperature={temperature}")
    units = F.normalize(input, dim=-1)
    logits = units[:, 0] @ units[:, 1].T / temperature
    rows = torch.arange(len(logits), device=input.device)
    target = rows if target is None else target.reshape(-1).long()
    values = F.cross_entropy(logits, target, reduction="none")
    if symmetric:  # column target[i] has anchor i as its label
        values = 0.5 * (values + F.cross_entropy(logits.T[target], rows, reduction="none"))
    return _reduce(values, reduction)

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


class ArcFaceLoss(_Loss):
    """Module form of :func:`arcface`."""

    function = staticmethod(arcface)

    def __init__(self, margin: float = 0.5, scale: float = 64.0, reduction: str = "mean"):
        super().__init__(reduction, margin=margin, scale=scale)


class CircleLoss(_Loss):
    """Module form of :func:`circle`."""

    function = staticmethod(circle)

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str = "mean"):
        super().__init__(reduction, gamma=gamma, margin=margin, remove_diagonal=remove_diagonal)


class InfoNCELoss(_Loss):
    """Module form of :func:`info_nce`: ``loss(views)`` with ``views`` ``[batch, 2, dim]``."""

    function = staticmethod(info_nce)

    def __init__(self, temperature: float = 0.1, symmetric: bool = False,
                 reduction: str = "mean"):
        super().__init__(reduction, temperature=temperature, symmetric=symmetric)

    def forward(self, input, target=None):
        return info_nce(input, target, reduction=self.reduction, **self.params)
