"""Per-time-step cross-entropy of padded sequences, with ``ignore_index`` or a 0/1 mask."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from lossbook.torch._base import _Loss, _reduce

__all__ = ["ChunkedLinearCrossentropyLoss", "SequenceCrossentropyLoss",
           "chunked_linear_crossentropy", "sequence_crossentropy"]


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
    valid = target != ignore_index
    if mask is not None:
        valid = valid & (mask > 0)
        target = torch.where(valid, target, ignore_index)
    classes = input.shape[-1]
    # one fused log-softmax + NLL over the flattened steps (ignored steps give 0), then each
    # sequence's mean over its valid steps
    steps = (F.cross_entropy if from_logits else _nll_of_probabilities)(
        input.reshape(-1, classes), target.reshape(-1), ignore_index=ignore_index,
        reduction="none").view(target.shape)
    return _reduce(steps.sum(dim=1) / valid.sum(dim=1), reduction)


def _nll_of_probabilities(probabilities, target, **kwargs):
    return F.nll_loss(torch.log(probabilities), target, **kwargs)


class SequenceCrossentropyLoss(_Loss):
    """Module form of :func:`sequence_crossentropy` (``forward(input, target, mask=None)``)."""

    function = staticmethod(sequence_crossentropy)

    def __init__(self, ignore_index: int = -100, from_logits: bool = True,
                 reduction: str = "mean"):
        super().__init__(reduction, ignore_index=ignore_index, from_logits=from_logits)

    def forward(self, input, target, mask=None):
        return sequence_crossentropy(input, target, mask=mask, reduction=self.reduction,
                                     **self.params)


class _ChunkedLinearCrossentropy(torch.autograd.Function):
    """Cross-entropy of ``hidden @ weight.T + bias`` computed ``chunk_size`` rows at a time.

    Forward keeps only each row's log-sum-exp (and the per-row losses); backward recomputes
    each chunk's logits, turns them in place into ``softmax - one_hot`` scaled by the incoming
    gradient, and accumulates the gradients of hidden, weight and bias. No ``[rows,
    vocabulary]`` tensor larger than one chunk ever exists.
    """

    @staticmethod
    def forward(ctx, hidden, weight, bias, target, chunk_size, ignore_index):
        valid = target != ignore_index
        safe_target = torch.where(valid, target, 0)
        losses = hidden.new_empty(len(hidden))
        log_sum_exp = hidden.new_empty(len(hidden))
        for start in range(0, len(hidden), chunk_size):
            rows = slice(start, start + chunk_size)
            logits = _chunk_logits(hidden[rows], weight, bias)
            picked = logits.gather(1, safe_target[rows, None])[:, 0]
            log_sum_exp[rows] = _exp_in_place(logits)[0]
            losses[rows] = log_sum_exp[rows] - picked
        losses = torch.where(valid, losses, torch.zeros_like(losses))
        ctx.save_for_backward(hidden, weight, bias, safe_target, valid, log_sum_exp)
        ctx.chunk_size = chunk_size
        return losses

    @staticmethod
    def backward(ctx, grad_losses):
        hidden, weight, bias, target, valid, log_sum_exp = ctx.saved_tensors
        scale = (grad_losses * valid).to(hidden.dtype)  # ignored rows get no gradient
        grad_hidden = torch.empty_like(hidden) if ctx.needs_input_grad[0] else None
        grad_weight = torch.zeros_like(weight) if ctx.needs_input_grad[1] else None
        want_bias = bias is not None and ctx.needs_input_grad[2]
        grad_bias = torch.zeros_like(bias) if want_bias else None
        for start in range(0, len(hidden), ctx.chunk_size):
            rows = slice(start, start + ctx.chunk_size)
            # d(lse - z_y)/dz = softmax(z) - one_hot(y): the chunk's logits recomputed, then
            # exp(z - lse) in place (the forward's log-sum-exp, no second reduction)
            grad_logits = _chunk_logits(hidden[rows], weight, bias)
            grad_logits.sub_(log_sum_exp[rows, None]).exp_()
            grad_logits[torch.arange(len(grad_logits)), target[rows]] -= 1
            grad_logits.mul_(scale[rows, None])
            _accumulate(grad_logits, rows, hidden, weight, grad_hidden, grad_weight, grad_bias)
        return grad_hidden, grad_weight, grad_bias, None, None, None


class _ChunkedLinearCrossentropyTotal(torch.autograd.Function):
    """The reduced (``"mean"`` or ``"sum"``) loss, its gradients computed in the forward pass.

    A reduced loss hands backward one number, so each chunk's gradient is known the moment
    its logits are: forward turns them into ``softmax - one_hot`` at once and accumulates the
    gradients of hidden, weight and bias; backward only scales them. Three matrix products
    per chunk, as the naive loss (the recomputing form takes four).
    """

    @staticmethod
    def forward(ctx, hidden, weight, bias, target, chunk_size, ignore_index, mean):
        valid = target != ignore_index
        safe_target = torch.where(valid, target, 0)
        count = valid.sum()
        share = (valid / count if mean else valid.to(hidden.dtype)).to(hidden.dtype)
        grad_hidden = torch.empty_like(hidden) if hidden.requires_grad else None
        grad_weight = torch.zeros_like(weight) if weight.requires_grad else None
        grad_bias = torch.zeros_like(bias) if bias is not None and bias.requires_grad else None
        total = hidden.new_zeros(())
        for start in range(0, len(hidden), chunk_size):
            rows = slice(start, start + chunk_size)
            logits = _chunk_logits(hidden[rows], weight, bias)
            picked = logits.gather(1, safe_target[rows, None])[:, 0]
            log_sum_exp, sums = _exp_in_place(logits)  # logits now hold e^(z - max)
            total += ((log_sum_exp - picked) * share[rows]).sum()
            grad_logits = logits.mul_((share[rows] / sums)[:, None])  # softmax x share
            grad_logits[torch.arange(len(grad_logits)), safe_target[rows]] -= share[rows]
            _accumulate(grad_logits, rows, hidden, weight, grad_hidden, grad_weight, grad_bias)
        ctx.grads = [grad_hidden, grad_weight, grad_bias]  # not inputs or outputs: no saving
        return total

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_total):
        # handed over, not copied: scaled in place and released, so that autograd stores them
        # as .grad without a copy (a second weight-sized tensor at the peak otherwise)
        grads, ctx.grads = ctx.grads, None
        if grads is None:
            raise RuntimeError(
                "chunked_linear_crossentropy with reduction 'mean' or 'sum' computed its "
                "gradients in the forward pass and handed them over in the first backward; "
                "a second backward through the same graph (retain_graph=True) is not "
                "supported. Use reduction='none' and reduce the result yourself for that.")
        grads = [None if grad is None else grad.mul_(grad_total) for grad in grads]
        return (*grads, None, None, None, None)


def _accumulate(grad_logits, rows, hidden, weight, grad_hidden, grad_weight, grad_bias):
    """One chunk's share of the gradients of hidden (its rows), weight and bias (the wanted
    ones: the others are ``None``), from the gradient of its logits."""
    if grad_hidden is not None:
        torch.mm(grad_logits, weight, out=grad_hidden[rows])
    if grad_weight is not None:
        grad_weight.addmm_(grad_logits.T, hidden[rows])
    if grad_bias is not None:
        grad_bias += grad_logits.sum(dim=0)


def _chunk_logits(hidden, weight, bias):
    logits = hidden @ weight.T
    return logits if bias is None else logits.add_(bias)


def _exp_in_place(logits):
    """Each row's log-sum-exp, with ``logits`` overwritten by ``e^(z - max)`` (whose row sums
    come back too): ``torch.logsumexp`` would hold a second chunk-sized tensor."""
    top = logits.amax(dim=1, keepdim=True)
    sums = logits.sub_(top).exp_().sum(dim=1)
    return top[:, 0] + torch.log(sums), sums


def chunked_linear_crossentropy(hidden, weight, target, *, bias=None, chunk_size: int = 1024,
                                ignore_index: int = -100, reduction: str = "mean"):
    r"""Cross-entropy of a linear output layer without holding the ``[tokens, vocab]`` logits.

    Equal to ``F.cross_entropy(hidden @ weight.T + bias, target, ignore_index=...)`` (values
    and gradients), but the logits exist one chunk of ``chunk_size`` rows at a time, in the
    forward pass and, for ``reduction="none"`` (whose backward needs each token's incoming
    gradient), again in the backward pass, recomputed: peak extra memory ``chunk_size ×
    vocab`` instead of ``tokens × vocab``. A reduced loss computes its gradients in the
    forward pass (when autograd wants them), so it costs the naive loss's three matrix
    products, not four, and hands them over in its backward without a copy (one backward
    per graph: ``retain_graph=True`` and a second backward need ``reduction="none"``).
    The idea of Wijmans et al., *Cut Your Losses in Large-Vocabulary Language Models*, 2025
    (whose kernels go further and never write even a chunk's logits to global memory).

    ``hidden``: ``[tokens, features]`` (flatten ``[batch, time, features]`` first);
    ``weight``: ``[vocab, features]`` (``nn.Linear``'s layout); ``bias``: ``[vocab]`` or
    ``None``; ``target``: ``[tokens]`` int64. ``"mean"`` averages over the tokens that are not
    ``ignore_index`` (as ``CrossEntropyLoss``: NaN if there is none); ``"none"`` returns one
    value per token, 0 at ignored ones.

    >>> hidden, weight = torch.zeros(3, 2), torch.zeros(5, 2)  # uniform over 5 classes
    >>> loss = chunked_linear_crossentropy(hidden, weight, torch.tensor([0, 4, -100]),
    ...                                    chunk_size=2)
    >>> round(float(loss), 6)  # log 5
    1.609438
    """
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size <= 0:
        raise ValueError(f"`chunk_size` must be a positive integer (rows per chunk). "
                         f"Received: chunk_size={chunk_size!r}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError("`reduction` must be one of ('none', 'mean', 'sum'). "
                         f"Received: reduction={reduction!r}")
    if hidden.ndim != 2 or weight.ndim != 2 or hidden.shape[1] != weight.shape[1]:
        raise ValueError("`hidden` must be [tokens, features] and `weight` [vocab, features] "
                         f"with the same features. Received: hidden.shape="
                         f"{tuple(hidden.shape)}, weight.shape={tuple(weight.shape)}")
    if target.shape != hidden.shape[:1]:
        raise ValueError(f"`target` must hold one label per row of `hidden` "
                         f"[{hidden.shape[0]}]. Received: target.shape={tuple(target.shape)}")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(f"`bias` must be [vocab={weight.shape[0]}]. "
                         f"Received: bias.shape={tuple(bias.shape)}")
    wants_grad = torch.is_grad_enabled() and any(
        tensor is not None and tensor.requires_grad for tensor in (hidden, weight, bias))
    if wants_grad and reduction != "none":  # backward gets one number: gradients in forward
        return _ChunkedLinearCrossentropyTotal.apply(hidden, weight, bias, target, chunk_size,
                                                     ignore_index, reduction == "mean")
    losses = _ChunkedLinearCrossentropy.apply(hidden, weight, bias, target, chunk_size,
                                              ignore_index)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (target != ignore_index).sum()


class ChunkedLinearCrossentropyLoss(_Loss):
    """Module form of :func:`chunked_linear_crossentropy`:
    ``forward(hidden, weight, target, bias=None)``."""

    function = staticmethod(chunked_linear_crossentropy)

    def __init__(self, chunk_size: int = 1024, ignore_index: int = -100,
                 reduction: str = "mean"):
        super().__init__(reduction, chunk_size=chunk_size, ignore_index=ignore_index)

    def forward(self, hidden, weight, target, bias=None):
        return chunked_linear_crossentropy(hidden, weight, target, bias=bias,
                                           reduction=self.reduction, **self.params)
