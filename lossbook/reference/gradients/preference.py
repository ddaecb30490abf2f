"""Gradients of the preference losses: Bradley–Terry and DPO."""

from __future__ import annotations

import numpy as np

from lossbook.reference import preference
from lossbook.reference._common import sigmoid
from lossbook.reference.gradients._registry import register


@register(preference.bradley_terry)
def _grad_bradley_terry(y_true, y_pred, *, margin=0.0):
    r"""With :math:`g = \sigma(\Delta - (r^{+} - r^{-}))`: :math:`\partial_{r^{+}} = -g`,
    :math:`\partial_{r^{-}} = g`."""
    scores = preference.stacked(y_true, y_pred, "sum", 2, "chosen, rejected")
    pull = sigmoid(margin - (scores[:, 0] - scores[:, 1]))
    return np.stack([-pull, pull], axis=1)


@register(preference.dpo)
def _grad_dpo(y_true, y_pred, *, beta=0.1):
    r"""With :math:`g = \beta\,\sigma(-z)` and :math:`z` the DPO logit: :math:`-g, +g` on the
    policy's chosen and rejected log-probabilities, :math:`+g, -g` on the reference's."""
    log_probs = preference.stacked(y_true, y_pred, "sum", 4, "log-probabilities")
    pull = beta * sigmoid(-preference.dpo_logits(log_probs, beta))
    return np.stack([-pull, pull, pull, -pull], axis=1)
