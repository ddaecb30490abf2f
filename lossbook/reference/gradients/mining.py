"""Gradient of the semi-hard triplet loss (the mined negatives held fixed, as autograd does)."""

from __future__ import annotations

import numpy as np

from lossbook.reference import mining
from lossbook.reference.gradients._registry import register


@register(mining.triplet_semi_hard, weighted=True)
def _grad_triplet_semi_hard(y_true, y_pred, *, margin=1.0, sample_weight=None):
    r"""With :math:`u_{ij} = (e_i - e_j) / d_{ij}` (0 where :math:`d_{ij} = 0`) and each active
    term :math:`(i, p, n^*)` weighted :math:`1/|P_i|`: :math:`\partial_{e_i} \mathrel{+}= u_{ip}
    - u_{in^*}`, :math:`\partial_{e_p} \mathrel{-}= u_{ip}`, :math:`\partial_{e_{n^*}}
    \mathrel{+}= u_{in^*}`. The choice of :math:`n^*` is piecewise constant.
    """
    distances, positive, negative = mining.mining_inputs(y_true, y_pred, "sum")
    embeddings = np.asarray(y_pred, dtype=np.float64)
    chosen = mining.semi_hard_negatives(distances, positive, negative)  # [anchor, positive]
    units = embeddings[:, None, :] - embeddings[None, :, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        units = np.where(distances[..., None] > 0, units / distances[..., None], 0.0)
    batch = len(embeddings)
    rows = np.arange(batch)[:, None].repeat(batch, axis=1)
    to_negative = distances[rows, chosen]
    weight = positive * (distances - to_negative + margin > 0) / positive.sum(1, keepdims=True)
    if sample_weight is not None:  # row i is anchor i's loss
        weight = weight * np.asarray(sample_weight, float)[:, None]
    grad = np.zeros_like(embeddings)
    u_pos = units * weight[..., None]  # [anchor, positive, dim]
    u_neg = units[rows, chosen] * weight[..., None]
    grad += u_pos.sum(1) - u_neg.sum(1)
    np.add.at(grad, np.broadcast_to(np.arange(batch)[None, :], weight.shape), -u_pos)
    np.add.at(grad, chosen, u_neg)
    return grad
