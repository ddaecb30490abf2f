"""Gradient of the per-step sequence cross-entropy (CTC has none here: use autograd)."""

from __future__ import annotations

from lossbook.reference import sequence
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
