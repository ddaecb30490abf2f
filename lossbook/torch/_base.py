"""What every lossbook.torch loss shares: the reduction, the shape check, the ``nn.Module`` base."""

from __future__ import annotations

import torch
from torch import nn

from lossbook._validation import check_reduction


def _reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    """Torch-style reduction of unreduced losses: ``"none"``, ``"mean"`` or ``"sum"``."""
    check_reduction(reduction)
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _check_shapes(input: torch.Tensor, target: torch.Tensor) -> None:
    # Shapes are static Python values, so this check is free under torch.compile; torch's
    # own element-wise losses only warn before broadcasting (N, 1) against (N,) (trap 10).
    if input.shape != target.shape:
        raise ValueError(
            "`input` and `target` must have the same shape; nothing is broadcast. "
            f"Received: input.shape={tuple(input.shape)}, target.shape={tuple(target.shape)}"
        )


class _Loss(nn.Module):
    """A module that stores ``reduction`` and hyper-parameters and calls its function."""

    function = None  # the functional form, set by each subclass

    def __init__(self, reduction: str = "mean", **params):
        super().__init__()
        self.reduction = check_reduction(reduction)
        self.params = params

    def forward(self, input, target):
        return type(self).function(input, target, reduction=self.reduction, **self.params)

    def extra_repr(self) -> str:
        items = [f"{key}={value!r}" for key, value in self.params.items()]
        return ", ".join(items + [f"reduction={self.reduction!r}"])
