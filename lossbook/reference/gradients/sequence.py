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
