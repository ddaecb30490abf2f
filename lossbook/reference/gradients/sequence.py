"""Gradients of the per-step sequence cross-entropy and of perplexity (CTC has none here:
use autograd)."""

from __future__ import annotations

import numpy as np

from lossbook.reference import sequence
from lossbook.reference._classification_inputs import sparse_inputs
from lossbook.reference._common import (
    index_crossentropy_gradient,
)
from lossbook.reference.gradients._registry import register


@register(sequence.sequence_crossentropy)
def _grad_sequence_crossentropy(y_true, y_pred, *, from_logits=False, ignore_class=None,
                                mask=None):
    r"""Per valid step, the sparse cross-entropy gradient divided by :math:`|V_i|`
    (logits: :math:`(\operatorname{softmax}(z_{it}) - \text{one\_hot}(y_{it})) / |V_i|`); 0 at
    padding.
    """
    labels, y_pred, valid, counts = sequence.sequence_inputs(y_true, y_pred, "sum", from_logits,
                                                             ignore_class, mask)
    grad = index_crossentropy_gradient(labels, y_pred, from_logits)
    return grad * (valid / counts[:, None])[..., None]


def _perplexity_parts(y_true, y_pred, from_logits, ignore_class):
    """Valid-token mask ``[batch, tokens]`` and the per-token NLL gradient, flattened per row."""
    labels, y_pred, valid = sparse_inputs(y_true, y_pred, "none", from_logits, ignore_class)
    grad = index_crossentropy_gradient(labels, y_pred, from_logits) * valid[..., None]
    return valid.reshape(len(valid), -1), grad


def _grad_perplexity_mean(y_true, y_pred, *, sample_weight=None, from_logits=False,
                          ignore_class=None):
    r"""Corpus perplexity :math:`P = e^{\bar\ell}`: :math:`P \cdot \partial\bar\ell/\partial z`,
    the (weighted) token-mean cross-entropy's gradient scaled by the perplexity itself."""
    valid, grad = _perplexity_parts(y_true, y_pred, from_logits, ignore_class)
    value = sequence.perplexity(y_true, y_pred, from_logits=from_logits,
                                ignore_class=ignore_class, sample_weight=sample_weight)
    weights = np.ones(len(valid)) if sample_weight is None else np.asarray(sample_weight, float)
    scale = value * weights / np.sum(weights * valid.sum(axis=1))
    return grad * scale.reshape(scale.shape + (1,) * (grad.ndim - 1))


@register(sequence.perplexity, mean=_grad_perplexity_mean)
def _grad_perplexity(y_true, y_pred, *, from_logits=False, ignore_class=None):
    r"""Sum of per-sequence perplexities :math:`P_i = e^{\bar\ell_i}`: each row's token-mean
    cross-entropy gradient times :math:`P_i`."""
    valid, grad = _perplexity_parts(y_true, y_pred, from_logits, ignore_class)
    values = sequence.perplexity(y_true, y_pred, from_logits=from_logits,
                                 ignore_class=ignore_class, reduction="none")
    scale = values / valid.sum(axis=1)
    return grad * scale.reshape(scale.shape + (1,) * (grad.ndim - 1))


def _grad_linear_crossentropy_mean(y_true, y_pred, *, sample_weight=None, weight, bias=None,
                                   ignore_class=None):
    """The ``"mean"`` over the valid tokens: the weighted sum's gradient / their count."""
    grad = _grad_linear_crossentropy(y_true, y_pred, weight=weight, bias=bias,
                                     ignore_class=ignore_class)
    if sample_weight is not None:
        grad = grad * np.asarray(sample_weight, float)[:, None]
    valid = np.ones(len(grad), bool) if ignore_class is None else (
        np.asarray(y_true) != ignore_class)
    return grad / valid.sum()


@register(sequence.linear_crossentropy, mean=_grad_linear_crossentropy_mean)
def _grad_linear_crossentropy(y_true, y_pred, *, weight, bias=None, ignore_class=None):
    r"""With respect to the hidden vectors: :math:`(\operatorname{softmax}(W h_i + b) -
    \text{one\_hot}(y_i))^\top W` per valid token, 0 at ignored ones."""
    weight = np.asarray(weight, float)
    logits = np.asarray(y_pred, float) @ weight.T
    if bias is not None:
        logits = logits + np.asarray(bias, float)
    labels, logits, valid = sparse_inputs(y_true, logits, "none", True, ignore_class)
    return (index_crossentropy_gradient(labels, logits, True) * valid[..., None]) @ weight
