"""Gradients of the pair and metric-learning losses: cosine similarity, contrastive, triplet,
AM-softmax."""

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
    :math:`\partial_p = -e_p`, :math:`\partial_n = e_n`; 0 elsewhere (and at the hinge).
    """
    anchor, positive, negative = pairs.triplet_embeddings(y_true, y_pred, "sum")
    to_pos, to_neg = anchor - positive, anchor - negative
    dist_pos = np.linalg.norm(to_pos, axis=-1, keepdims=True)
    dist_neg = np.linalg.norm(to_neg, axis=-1, keepdims=True)
    active = (dist_pos - dist_neg + margin) > 0
    unit_pos, unit_neg = to_pos / dist_pos, to_neg / dist_neg
    return np.stack([unit_pos - unit_neg, -unit_pos, unit_neg], axis=1) * active[:, None]


@register(pairs.am_softmax)
def _grad_am_softmax(y_true, y_pred, *, margin=0.35, scale=30.0):
    r""":math:`s\,(\operatorname{softmax}(z) - \text{one\_hot}(y))` with
    :math:`z = s(\cos\theta - m\,\text{one\_hot}(y))`.
    """
    labels, cosines = labels_and_scores(y_true, y_pred, "sum")
    logits = pairs.am_softmax_logits(labels, cosines, margin, scale)
    return scale * (softmax(logits) - np.eye(cosines.shape[-1])[labels])
