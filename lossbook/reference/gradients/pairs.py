"""Gradients of the pair and metric-learning losses: cosine similarity, contrastive, triplet,
AM-softmax, ArcFace, InfoNCE (the Circle loss: autograd only)."""

from __future__ import annotations

import numpy as np

from lossbook.reference import pairs
from lossbook.reference._common import (
    labels_and_scores,
    last_axis_size,
    pair,
    softmax,
)
from lossbook.reference.gradients._registry import register


@register(pairs.cosine_similarity)
def _grad_cosine_similarity(y_true, y_pred, *, axis=-1):
    r"""
    :math:`-\bigl(u / (\lVert u \rVert \lVert v \rVert) - \cos(u, v)\, v / \lVert v \rVert^2\bigr)`
    with :math:`u` = ``y_true``, :math:`v` = ``y_pred`` along ``axis``.
    """
    u, v = pair(y_true, y_pred, "sum")
    u_norm = np.linalg.norm(u, axis=axis, keepdims=True)
    v_norm = np.linalg.norm(v, axis=axis, keepdims=True)
    cosine = np.sum(u * v, axis=axis, keepdims=True) / (u_norm * v_norm)
    return -(u / (u_norm * v_norm) - cosine * v / v_norm**2)


@register(pairs.contrastive)
def _grad_contrastive(y_true, y_pred, *, margin=1.0):
    r""":math:`\bigl(2 y d - 2 (1 - y) \max(0, m - d)\bigr) / D` with respect to the distance d."""
    y_true, y_pred = pair(y_true, y_pred, "sum")
    grad = 2.0 * y_true * y_pred - 2.0 * (1.0 - y_true) * np.maximum(0.0, margin - y_pred)
    return grad / last_axis_size(y_pred)


@register(pairs.triplet)
def _grad_triplet(y_true, y_pred, *, margin=1.0):
    r"""Where the hinge is active, with :math:`e_p = (a - p)/\lVert a - p \rVert` and
    :math:`e_n = (a - n)/\lVert a - n \rVert`: :math:`\partial_a = e_p - e_n`,
    :math:`\partial_p = -e_p`, :math:`\partial_n = e_n`; 0 elsewhere (and at the hinge). At a
    zero distance the unit vector is taken as 0 (the subgradient torch's norm uses).
    """
    anchor, positive, negative = pairs.triplet_embeddings(y_true, y_pred, "sum")
    to_pos, to_neg = anchor - positive, anchor - negative
    dist_pos = np.linalg.norm(to_pos, axis=-1, keepdims=True)
    dist_neg = np.linalg.norm(to_neg, axis=-1, keepdims=True)
    active = (dist_pos - dist_neg + margin) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_pos = np.where(dist_pos > 0, to_pos / dist_pos, 0.0)
        unit_neg = np.where(dist_neg > 0, to_neg / dist_neg, 0.0)
    return np.stack([unit_pos - unit_neg, -unit_pos, unit_neg], axis=1) * active[:, None]


@register(pairs.am_softmax)
def _grad_am_softmax(y_true, y_pred, *, margin=0.35, scale=30.0):
    r""":math:`s\,(\operatorname{softmax}(z) - \text{one\_hot}(y))` with
    :math:`z = s(\cos\theta - m\,\text{one\_hot}(y))`.
    """
    labels, cosines = labels_and_scores(y_true, y_pred, "sum")
    logits = pairs.am_softmax_logits(labels, cosines, margin, scale)
    return scale * (softmax(logits) - np.eye(cosines.shape[-1])[labels])


@register(pairs.arcface)
def _grad_arcface(y_true, y_pred, *, margin=0.5, scale=64.0):
    r""":math:`s\,(\operatorname{softmax}(z) - \text{one\_hot}(y))` scaled, in the label's column,
    by :math:`\mathrm d\cos(\theta + m) / \mathrm d\cos\theta = \cos m + \cos\theta \sin m /
    \sin\theta`, which diverges as :math:`\sin\theta \to 0` (infinite at :math:`|\cos| = 1`
    unless the softmax is exactly one-hot there).
    """
    labels, cosines = labels_and_scores(y_true, y_pred, "sum")
    one_hot = np.eye(cosines.shape[-1])[labels]
    grad = scale * (softmax(pairs.arcface_logits(labels, cosines, margin, scale)) - one_hot)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.cos(margin) + cosines * np.sin(margin) / np.sqrt(1.0 - cosines**2)
    return np.where(one_hot == 1, grad * slope, grad)


def _through_normalisation(grad_units, vectors):
    """Chain rule through ``u = x / |x|``: ``(g - (g . u) u) / |x|``."""
    lengths = np.linalg.norm(vectors, axis=-1, keepdims=True)
    units = vectors / lengths
    return (grad_units - np.sum(grad_units * units, axis=-1, keepdims=True) * units) / lengths


@register(pairs.info_nce, weighted=True)
def _grad_info_nce(y_true, y_pred, *, temperature=0.1, symmetric=False, sample_weight=None):
    r"""With :math:`Y` the one-hot positives and
    :math:`G = \operatorname{softmax}_{\text{rows}}(z) - Y` (symmetric: the mean of it and
    :math:`\operatorname{softmax}_{\text{columns}}(z) - Y`): :math:`\partial_{\hat a} =
    G \hat p / \tau`, :math:`\partial_{\hat p} = G^\top \hat a / \tau` on the unit vectors,
    then through the normalisation :math:`(g - (g \cdot \hat x)\hat x) / \lVert x \rVert`.
    """
    anchors, positives, logits, targets = pairs.info_nce_inputs(y_true, y_pred, temperature,
                                                                  symmetric, "sum")
    chosen = np.eye(len(logits))[targets]  # row i: one-hot of anchor i's positive
    w = np.ones(len(logits)) if sample_weight is None else np.asarray(sample_weight, float)
    weights = (softmax(logits, axis=-1) - chosen) * w[:, None]  # row i belongs to anchor i
    if symmetric:  # column targets[i] belongs to anchor i too
        column_weight = np.empty_like(w)
        column_weight[targets] = w
        weights = 0.5 * (weights + (softmax(logits, axis=0) - chosen) * column_weight[None, :])
    y_pred = np.asarray(y_pred, dtype=np.float64)
    grad_anchors = _through_normalisation(weights @ positives / temperature, y_pred[:, 0])
    grad_positives = _through_normalisation(weights.T @ anchors / temperature, y_pred[:, 1])
    return np.stack([grad_anchors, grad_positives], axis=1)


def _circle_row_weights(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
                        margin, sample_weight):
    """``d (sum_i w_i l_i) / d <e_i, r_j>`` ``[batch, refs]`` and the references."""
    labels, queries, ref_labels, refs = pairs.circle_inputs(y_true, y_pred, ref_labels,
                                                            ref_embeddings, "sum")
    dots = queries @ refs.T
    similarity, positive, negative, pos_logits, neg_logits = pairs.circle_logits(
        labels, dots, ref_labels, remove_diagonal, gamma, margin)
    pos_lse, neg_lse = pairs._logsumexp(pos_logits, positive), pairs._logsumexp(neg_logits,
                                                                                negative)
    total = pos_lse + neg_lse
    with np.errstate(invalid="ignore", over="ignore"):
        outer = np.where(np.isfinite(total), 0.5 * (1.0 + np.tanh(0.5 * total)), 0.0)  # σ
        pos_soft = np.where(positive, np.exp(pos_logits - pos_lse[:, None]), 0.0)
        neg_soft = np.where(negative, np.exp(neg_logits - neg_lse[:, None]), 0.0)
    pos_soft, neg_soft = np.nan_to_num(pos_soft), np.nan_to_num(neg_soft)
    slope = (pos_soft * (-2.0 * gamma * (1.0 - similarity))
             + neg_soft * 2.0 * gamma * similarity * (similarity + margin > 0))
    w = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)
    return (w * outer)[:, None] * slope * (dots <= 1.0), queries, refs, ref_embeddings is None


def _grad_circle_mean(y_true, y_pred, *, sample_weight=None, **params):
    """Keras' mask: the weighted sum's gradient divided by the number of positive losses."""
    values = pairs.circle(y_true, y_pred, reduction="none", **params)
    valid = int(np.sum(values > 0))
    grad = _grad_circle(y_true, y_pred, sample_weight=sample_weight, **params)
    return grad / valid if valid else np.zeros_like(grad)


@register(pairs.circle, mean=_grad_circle_mean, weighted=True)
def _grad_circle(y_true, y_pred, *, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
                 gamma=80.0, margin=0.4, sample_weight=None):
    r"""With :math:`\sigma_i` the sigmoid of the softplus's argument and :math:`\pi_{ij}` the
    softmax weights of the two log-sum-exps: :math:`\partial \ell_i / \partial s_{ij} =
    \sigma_i \pi_{ij} \cdot (-2\gamma(1 - s_{ij}))` for positives and
    :math:`\sigma_i \pi_{ij} \cdot 2\gamma s_{ij} [s_{ij} + m > 0]` for negatives (the weights
    :math:`\alpha` differentiated through, as Keras does); then through
    :math:`s_{ij} = \langle e_i, r_j \rangle` to both sides when the references are the batch.
    """
    slope, queries, refs, own = _circle_row_weights(
        y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin,
        sample_weight)
    grad = slope @ refs
    return grad + slope.T @ queries if own else grad
