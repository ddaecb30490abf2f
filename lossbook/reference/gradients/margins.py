"""Gradients of the margin losses: hinge, squared hinge, categorical hinge, multi-class margin."""

from __future__ import annotations

import numpy as np

from lossbook.reference import margins
from lossbook.reference._common import (
    labels_and_scores,
    last_axis_size,
    pair,
)
from lossbook.reference.gradients._registry import register


@register(margins.hinge)
def _grad_hinge(y_true, y_pred):
    r""":math:`-y\, [1 - y s > 0] / D`; subgradient 0 exactly at the margin (as autograd's relu)."""
    y_true, y_pred = pair(y_true, y_pred, "sum")
    signs = margins.signed_labels(y_true)
    return -signs * (1.0 - signs * y_pred > 0) / last_axis_size(y_pred)


@register(margins.squared_hinge)
def _grad_squared_hinge(y_true, y_pred):
    r""":math:`-2 y \max(0, 1 - y s) / D`."""
    y_true, y_pred = pair(y_true, y_pred, "sum")
    signs = margins.signed_labels(y_true)
    return -2.0 * signs * np.maximum(0.0, 1.0 - signs * y_pred) / last_axis_size(y_pred)


@register(margins.categorical_hinge)
def _grad_categorical_hinge(y_true, y_pred):
    """Inside the margin: +1 at the best wrong class :math:`k`, −1 at the true class; else 0.

    Ties for the best wrong class go to the first index (``argmax``).
    """
    y_true, y_pred = pair(y_true, y_pred, "sum")
    wrong_scores = np.where(y_true == 1, -np.inf, y_pred)
    best = np.argmax(wrong_scores, axis=-1)
    active = 1.0 + wrong_scores.max(axis=-1) - np.sum(y_true * y_pred, axis=-1) > 0
    grad = np.eye(y_pred.shape[-1])[best] - y_true
    return grad * active[..., None]


@register(margins.multi_margin)
def _grad_multi_margin(y_true, y_pred, *, margin=1.0, p=1):
    r"""With :math:`t_c = m - s_y + s_c` for :math:`c \ne y`:
    :math:`\partial/\partial s_c = p\, t_c^{p-1} [t_c > 0] / C` and
    :math:`\partial/\partial s_y = -\sum_{c \ne y} p\, t_c^{p-1} [t_c > 0] / C`.
    """
    labels, y_pred = labels_and_scores(y_true, y_pred, "sum")
    num_classes = y_pred.shape[-1]
    one_hot = np.eye(num_classes)[labels]
    excess = margin - np.sum(one_hot * y_pred, axis=-1, keepdims=True) + y_pred
    slopes = np.where((excess > 0) & (one_hot == 0), p * np.maximum(excess, 0.0) ** (p - 1), 0.0)
    return (slopes - one_hot * slopes.sum(axis=-1, keepdims=True)) / num_classes
