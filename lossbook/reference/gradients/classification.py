"""Gradients of the cross-entropies, focal losses and KL divergence (p probabilities, z logits,
y labels; D = size of the last axis)."""

from __future__ import annotations

import numpy as np

from lossbook.reference import classification
from lossbook.reference._common import (
    index_crossentropy_gradient,
    last_axis_size,
    pair,
    sigmoid,
    softmax,
)
from lossbook.reference.gradients._registry import register


@register(classification.binary_crossentropy)
def _grad_binary_crossentropy(y_true, y_pred, *, from_logits=False, label_smoothing=0.0,
                              pos_weight=None):
    r"""Logits: :math:`(\sigma(z) - y) / D`; probabilities: :math:`(p - y) / (p (1 - p) D)`.

    ``y`` is the smoothed label. On probabilities the gradient is infinite at p = 0 or 1
    unless the label agrees (then 0/0: NaN); use logits for training. With ``pos_weight``
    :math:`w`: :math:`[(1 - y)\sigma(z) - w y \sigma(-z)] / D` on logits,
    :math:`[(1 - y)/(1 - p) - w y / p] / D` on probabilities.
    """
    labels, y_pred = classification.binary_inputs(y_true, y_pred, "sum", from_logits,
                                                  label_smoothing)
    size = last_axis_size(y_pred)
    weight = classification.pos_weight_array(pos_weight, y_pred)
    if weight is not None:
        if from_logits:
            return ((1.0 - labels) * sigmoid(y_pred) - weight * labels * sigmoid(-y_pred)) / size
        with np.errstate(divide="ignore", invalid="ignore"):
            negative = np.where(labels == 1.0, 0.0, (1.0 - labels) / (1.0 - y_pred))
            positive = np.where(labels == 0.0, 0.0, weight * labels / y_pred)
        return (negative - positive) / size
    if from_logits:
        return (sigmoid(y_pred) - labels) / size
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y_pred - labels) / (y_pred * (1.0 - y_pred) * size)


@register(classification.categorical_crossentropy)
def _grad_categorical_crossentropy(y_true, y_pred, *, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    r"""Logits: :math:`\operatorname{softmax}(z) - y`; probabilities: :math:`-y / p` (0 where
    y = 0).

    On probabilities each :math:`p_c` is treated as a free variable (what autograd gives),
    not as a point constrained to the simplex.
    """
    ndim = np.ndim(y_pred)
    labels, y_pred = classification.categorical_inputs(y_true, y_pred, "sum", from_logits,
                                                       label_smoothing, axis)
    if from_logits:
        grad = softmax(y_pred) - labels
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.where(labels == 0, 0.0, -labels / y_pred)
    return np.moveaxis(grad, -1, axis % ndim)


@register(classification.sparse_categorical_crossentropy)
def _grad_sparse_categorical_crossentropy(y_true, y_pred, *, from_logits=False,
                                          ignore_class=None):
    """As :func:`_grad_categorical_crossentropy` with one-hot :math:`y`; 0 at ignored positions."""
    labels, y_pred, valid = classification.sparse_inputs(y_true, y_pred, "sum", from_logits,
                                                         ignore_class)
    grad = index_crossentropy_gradient(labels, y_pred, from_logits)
    return grad * valid[..., None]


@register(classification.class_weighted_crossentropy)
def _grad_class_weighted_crossentropy(y_true, y_pred, *, class_weight, from_logits=False,
                                      normalize="count"):
    """:math:`w_{y_i}` times the gradient of sparse cross-entropy (``"sum"`` ignores normalize)."""
    labels, y_pred, _ = classification.sparse_inputs(y_true, y_pred, "sum", from_logits, None)
    weights = classification.class_weight_array(class_weight, y_pred.shape[-1])[labels]
    base = _grad_sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits)
    return weights[..., None] * base


@register(classification.categorical_generalized_cross_entropy)
def _grad_categorical_generalized_cross_entropy(y_true, y_pred, *, q=0.5, from_logits=False):
    r"""On probabilities :math:`\partial \ell / \partial p_{y} = -p_y^{\,q - 1}` (other classes
    0); on logits :math:`\partial \ell / \partial z_c = p_y^{\,q} (p_c - [c = y])`."""
    labels, y_pred, _ = classification.sparse_inputs(y_true, y_pred, "sum", from_logits, None)
    one_hot = np.eye(y_pred.shape[-1])[labels]
    log_probs = classification.class_log_probs(y_pred, from_logits)
    p_true_q = np.exp(q * classification.picked(log_probs, labels))[..., None]
    if from_logits:
        return p_true_q * (np.exp(log_probs) - one_hot)
    with np.errstate(divide="ignore"):
        return np.where(one_hot == 1.0, -(y_pred ** (q - 1.0)), 0.0)  # 0^0 = 1 at q = 1


@register(classification.binary_focal_crossentropy)
def _grad_binary_focal_crossentropy(y_true, y_pred, *, gamma=2.0, alpha=0.25,
                                    apply_class_balancing=False, from_logits=False,
                                    label_smoothing=0.0):
    r"""With :math:`q = 1 - p_t`, :math:`b` the BCE and :math:`a` the balancing weight:

    .. math::
        \frac{\partial \ell}{\partial p} = \frac{a}{D}\Bigl[
        -\gamma q^{\gamma - 1} (2y - 1)\, b + q^{\gamma} \frac{p - y}{p (1 - p)}\Bigr],
        \qquad \frac{\partial \ell}{\partial z} = \frac{\partial \ell}{\partial p}\, p (1 - p)

    (on logits the second term becomes :math:`q^\gamma (p - y)`, finite everywhere).
    """
    labels, y_pred = classification.binary_inputs(y_true, y_pred, "sum", from_logits,
                                                  label_smoothing)
    probs = sigmoid(y_pred) if from_logits else y_pred
    not_probs = sigmoid(-y_pred) if from_logits else 1.0 - probs
    miss = labels * not_probs + (1.0 - labels) * probs
    bce = classification.elementwise_bce(labels, y_pred, from_logits)
    balance = labels * alpha + (1.0 - labels) * (1.0 - alpha) if apply_class_balancing else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        focus = gamma * miss ** (gamma - 1.0) if gamma != 0 else np.zeros_like(miss)
        if from_logits:
            grad = -focus * (2 * labels - 1) * bce * probs * not_probs \
                + miss**gamma * (probs - labels)
        else:
            grad = -focus * (2 * labels - 1) * bce \
                + miss**gamma * (probs - labels) / (probs * not_probs)
    return balance * grad / last_axis_size(y_pred)


@register(classification.categorical_focal_crossentropy)
def _grad_categorical_focal_crossentropy(y_true, y_pred, *, alpha=0.25, gamma=2.0,
                                         from_logits=False, label_smoothing=0.0):
    r""":math:`\partial \ell / \partial p_c = \alpha y_c [\gamma (1 - p_c)^{\gamma - 1} \log p_c
    - (1 - p_c)^{\gamma} / p_c]`; for logits, with :math:`h_c = p_c\, \partial \ell / \partial p_c`
    (where :math:`p \cdot 1/p` cancels),
    :math:`\partial \ell / \partial z_k = h_k - p_k \sum_c h_c`.
    """
    labels, y_pred = classification.categorical_inputs(y_true, y_pred, "sum", from_logits,
                                                       label_smoothing, -1)
    log_probs = classification.class_log_probs(y_pred, from_logits)
    probs, miss = np.exp(log_probs), -np.expm1(log_probs)  # 1 - p exact near p = 1
    with np.errstate(divide="ignore", invalid="ignore"):
        focus = gamma * miss ** (gamma - 1.0) if gamma != 0 else 0.0
        if from_logits:  # h = p ∂ℓ/∂p, so that p·(1/p) cancels analytically
            scaled = alpha * labels * (focus * probs * log_probs - miss**gamma)
            return scaled - probs * scaled.sum(axis=-1, keepdims=True)
        return np.where(labels == 0, 0.0,
                        alpha * labels * (focus * log_probs - miss**gamma / probs))


@register(classification.kl_divergence)
def _grad_kl_divergence(y_true, y_pred):
    r""":math:`\partial/\partial q_c = -p_c / q_c` (0 where :math:`p_c = 0`), q free variables."""
    y_true, y_pred = pair(y_true, y_pred, "sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y_true == 0, 0.0, -y_true / y_pred)


@register(classification.knowledge_distillation)
def _grad_knowledge_distillation(y_true, y_pred, *, temperature=1.0):
    r""":math:`\partial \ell / \partial s = T\,(\operatorname{softmax}(s/T) -
    \operatorname{softmax}(t/T))`: the :math:`T^2` of the loss times the :math:`1/T` of the
    chain rule."""
    teacher, student, temperature = classification.distillation_inputs(
        y_true, y_pred, "sum", temperature)
    return temperature * (softmax(student / temperature) - softmax(teacher / temperature))
