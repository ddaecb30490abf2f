"""Preference losses torch lacks: Bradley–Terry (the logistic twin of ``MarginRankingLoss``)
and DPO, on the stacked layout of :mod:`lossbook.reference.preference` (no target)."""

from __future__ import annotations

import torch.nn.functional as F

from lossbook.torch._base import _Loss, _reduce

__all__ = ["BradleyTerryLoss", "DPOLoss", "bradley_terry", "dpo"]


def _stacked(input, target, columns: int):
    if target is not None:
        raise ValueError(f"`target` must be None: the roles are the {columns} columns of "
                         f"`input`. Received: target of type {type(target).__name__}")
    if input.ndim != 2 or input.shape[1] != columns:
        raise ValueError(f"`input` must have shape [batch, {columns}]. "
                         f"Received: input.shape={tuple(input.shape)}")
    return input.unbind(dim=1)


def bradley_terry(input, target=None, *, margin: float = 0.0, reduction: str = "mean"):
    r"""Bradley–Terry loss :math:`\operatorname{softplus}(\Delta - (r^{+} - r^{-}))`.

    ``input`` ``[batch, 2]`` stacks the chosen and the rejected score; ``target`` must be
    ``None``. ``F.softplus`` is linear past a threshold, so score gaps of ±1e4 stay finite.

    >>> import torch
    >>> round(float(bradley_terry(torch.tensor([[1.0, 1.0]]))), 6)
    0.693147
    """
    chosen, rejected = _stacked(input, target, 2)
    return _reduce(F.softplus(margin - (chosen - rejected)), reduction)


def dpo(input, target=None, *, beta: float = 0.1, reduction: str = "mean"):
    r"""DPO loss :math:`-\log\sigma(\beta[(\log\pi^{+} - \log\pi_\text{ref}^{+})
    - (\log\pi^{-} - \log\pi_\text{ref}^{-})])`, one value per pair.

    ``input`` ``[batch, 4]`` stacks log π(y+), log π(y−), log π_ref(y+), log π_ref(y−);
    ``target`` must be ``None``. ``-F.logsigmoid`` is the stable form.

    >>> import torch
    >>> round(float(dpo(torch.tensor([[-1.0, -2.0, -1.0, -2.0]]), beta=0.5)), 6)
    0.693147
    """
    chosen, rejected, ref_chosen, ref_rejected = _stacked(input, target, 4)
    logits = beta * ((chosen - ref_chosen) - (rejected - ref_rejected))
    return _reduce(-F.logsigmoid(logits), reduction)


class BradleyTerryLoss(_Loss):
    """Module form of :func:`bradley_terry`: ``loss(scores)`` with ``scores`` ``[batch, 2]``."""

    function = staticmethod(bradley_terry)

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, margin=margin)

    def forward(self, input, target=None):
        return bradley_terry(input, target, reduction=self.reduction, **self.params)


class DPOLoss(_Loss):
    """Module form of :func:`dpo`: ``loss(log_probs)`` with ``log_probs`` ``[batch, 4]``."""

    function = staticmethod(dpo)

    def __init__(self, beta: float = 0.1, reduction: str = "mean"):
        super().__init__(reduction, beta=beta)

    def forward(self, input, target=None):
        return dpo(input, target, reduction=self.reduction, **self.params)
