"""Per-time-step cross-entropy of padded sequences, with ``ignore_index`` or a 0/1 mask."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook.torch._base import _Loss, _reduce

__all__ = ["SequenceCrossentropyLoss", "sequence_crossentropy"]


def sequence_crossentropy(input, target, *, mask=None, ignore_index: int = -100,
                          from_logits: bool = True, reduction: str = "mean"):
    r"""Per-time-step cross-entropy averaged within each sequence, padding excluded.

    :math:`\ell_i = \frac{1}{|V_i|}\sum_{t \in V_i} -\log p_{i t y_{it}}` with :math:`V_i` the
    valid steps of sequence :math:`i` (``target != ignore_index`` and ``mask == 1``); one value
    per sequence, so ``"mean"`` weighs every sequence equally. ``CrossEntropyLoss(ignore_index=)``
    instead averages all valid tokens of the batch (long sequences weigh more) and wants the
    class axis second: ``[batch, classes, time]``.

    ``input``: ``[batch, time, classes]`` logits (torch's convention; probabilities with
    ``from_logits=False``); ``target``: ``[batch, time]`` int64; ``mask``: optional
    ``[batch, time]`` of 0/1. Every sequence needs a valid step (else 0/0 = NaN).

    >>> logits = torch.zeros(1, 3, 2)  # uniform over 2 classes: log 2 per step
    >>> round(float(sequence_crossentropy(logits, torch.tensor([[0, 1, -100]]))), 6)
    0.693147
    """
    if input.ndim != 3 or target.shape != input.shape[:2]:
        raise ValueError(
            "`input` must be [batch, time, classes] and `target` [batch, time]. "
            f"Received: input.shape={tuple(input.shape)}, target.shape={tuple(target.shape)}"
        )
    log_probs = F.log_softmax(input, dim=-1) if from_logits else torch.log(input)
    valid = target != ignore_index
    if mask is not None:
        valid = valid & (mask > 0)
    steps = F.nll_loss(log_probs.movedim(-1, 1), torch.where(valid, target, 0), reduction="none")
    valid = valid.to(steps.dtype)
    return _reduce((steps * valid).sum(dim=1) / valid.sum(dim=1), reduction)


class SequenceCrossentropyLoss(_Loss):
    """Module form of :func:`sequence_crossentropy` (``forward(input, target, mask=None)``)."""

    function = staticmethod(sequence_crossentropy)

    def __init__(self, ignore_index: int = -100, from_logits: bool = True,
                 reduction: str = "mean"):
        super().__init__(reduction, ignore_index=ignore_index, from_logits=from_logits)

    def forward(self, input, target, mask=None):
        return sequence_crossentropy(input, target, mask=mask, reduction=self.reduction,
                                     **self.params)
