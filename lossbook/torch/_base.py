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


class _Fused(torch.autograd.Function):
    """A loss whose derivative is written out by hand: one autograd node, few kernels.

    A loss written as ``k`` torch operations costs ``k`` kernels forward, about ``k`` more
    backward, and a graph that keeps the intermediates alive. Here a *rule* gives
    ``value(input, target, reduction, **params)``, the reduced loss computed under
    ``no_grad`` (a rule may take a shorter road to a sum than summing per-element losses)
    with the intermediates its slopes need, and ``slopes(input, target, saved, needs, scale,
    **params)``: ``(d loss/d input, d loss/d target)`` (``None`` where ``needs`` is false), each
    times ``scale``, the incoming gradient (divided by the count for ``"mean"``; a 0-d tensor
    unless the reduction is ``"none"``, then with trailing axes of size 1 for per-sample rules).

    Backward uses the forward's intermediates. With ``create_graph=True`` (a second derivative,
    as in MAML or a gradient penalty) grad mode is on in backward: the intermediates are
    recomputed from the saved inputs with autograd recording, so the slopes are differentiable
    and the second derivative is exact.
    """

    @staticmethod
    def forward(ctx, input, target, rule, params, reduction):
        output, saved = rule.value(input, target, reduction, **params)
        ctx.save_for_backward(input, target, *saved)
        ctx.rule, ctx.params, ctx.reduction = rule, params, reduction
        return output

    @staticmethod
    def backward(ctx, grad):
        input, target, *saved = ctx.saved_tensors
        rule = ctx.rule
        if torch.is_grad_enabled():  # create_graph=True: rebuild the intermediates differentiably
            saved = rule.value(input, target, "none", **ctx.params)[1]
        scale = grad
        if ctx.reduction == "mean":
            scale = grad / (input.numel() // (input.shape[-1] if rule.per_sample else 1))
        elif ctx.reduction == "none" and rule.per_sample:  # one gradient per row
            scale = grad.unsqueeze(-1)
        slopes = rule.slopes(input, target, saved, ctx.needs_input_grad[:2], scale, **ctx.params)
        return (*slopes, None, None, None)


def _fused(rule, input, target, reduction: str, **params) -> torch.Tensor:
    """Apply ``rule`` (``value``, ``slopes`` and ``per_sample``) through :class:`_Fused`."""
    check_reduction(reduction)
    return _Fused.apply(input, target, rule, params, reduction)
