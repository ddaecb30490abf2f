"""Classification losses Keras lacks: BCE with a per-output ``pos_weight``, and distillation."""

from __future__ import annotations

from lossbook.keras._base import _Loss, keras, ops

__all__ = [
    "KnowledgeDistillation", "PosWeightedBinaryCrossentropy", "knowledge_distillation",
    "pos_weighted_binary_crossentropy",
]


def pos_weighted_binary_crossentropy(y_true, y_pred, pos_weight=1.0, from_logits=True):
    r"""Binary cross-entropy with its positive term weighted, one value per sample.

    :math:`-\frac1D\sum_j [w_j\, y_j \log p_j + (1 - y_j)\log(1 - p_j)]`, torch's
    ``BCEWithLogitsLoss(pos_weight=w)``; ``pos_weight`` a number or one weight per output
    (the last axis). On logits :math:`-\log p = \operatorname{softplus}(-z)` and
    :math:`-\log(1 - p) = \operatorname{softplus}(z)`, exact at ±1e4; on probabilities
    (``from_logits=False``) the logs are taken as they are, unclipped.

    >>> loss = pos_weighted_binary_crossentropy([[1.0]], [[0.0]], pos_weight=2.0)  # 2 log 2
    >>> round(float(ops.convert_to_numpy(loss)[0]), 6)
    1.386294
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    weight = ops.cast(ops.convert_to_tensor(pos_weight), y_pred.dtype)
    if from_logits:
        # w y softplus(-z) + (1 - y) softplus(z), with softplus(z) = z + softplus(-z): one
        # softplus instead of two (torch's BCEWithLogits(pos_weight) takes the same road)
        values = (1.0 - y_true) * y_pred + (1.0 + (weight - 1.0) * y_true) * ops.softplus(-y_pred)
    else:
        values = -weight * y_true * ops.log(y_pred) - (1.0 - y_true) * ops.log1p(-y_pred)
    return ops.mean(values, axis=-1)


def knowledge_distillation(y_true, y_pred, temperature=1.0):
    r"""Distillation loss (Hinton et al., 2015), one value per sample.

    :math:`T^2\,\mathrm{KL}(\operatorname{softmax}(t/T) \,\|\, \operatorname{softmax}(s/T))`
    with ``y_true`` the teacher's logits :math:`t` and ``y_pred`` the student's :math:`s`,
    ``[batch, classes]``; log-softmax on both sides, so nothing is clipped (Keras'
    ``KLDivergence`` clips probabilities to [1e-7, 1]).

    >>> loss = knowledge_distillation([[0.0, 0.0]], [[0.0, 0.0]], temperature=2.0)
    >>> float(ops.convert_to_numpy(loss)[0])
    0.0
    """
    y_pred = ops.convert_to_tensor(y_pred)
    teacher = ops.cast(y_true, y_pred.dtype)
    log_p = ops.log_softmax(teacher / temperature, axis=-1)
    log_q = ops.log_softmax(y_pred / temperature, axis=-1)
    return temperature**2 * ops.sum(ops.exp(log_p) * (log_p - log_q), axis=-1)


@keras.saving.register_keras_serializable(package="lossbook")
class PosWeightedBinaryCrossentropy(_Loss):
    """``PosWeightedBinaryCrossentropy(pos_weight=1.0, from_logits=True)``: the loss class of
    :func:`pos_weighted_binary_crossentropy` (``pos_weight`` a number or a list)."""

    function = staticmethod(pos_weighted_binary_crossentropy)
    defaults = {"pos_weight": 1.0, "from_logits": True}

    def __init__(self, pos_weight=1.0, from_logits=True, reduction="sum_over_batch_size",
                 name="pos_weighted_binary_crossentropy", dtype=None):
        if not isinstance(pos_weight, (int, float)):
            pos_weight = [float(w) for w in pos_weight]  # a list: serialisable
        super().__init__(reduction, name, dtype, pos_weight=pos_weight, from_logits=from_logits)


@keras.saving.register_keras_serializable(package="lossbook")
class KnowledgeDistillation(_Loss):
    """``KnowledgeDistillation(temperature=1.0)``: the loss class of
    :func:`knowledge_distillation`; ``loss(teacher_logits, student_logits)``."""

    function = staticmethod(knowledge_distillation)
    defaults = {"temperature": 1.0}

    def __init__(self, temperature=1.0, reduction="sum_over_batch_size",
                 name="knowledge_distillation", dtype=None):
        super().__init__(reduction, name, dtype, temperature=temperature)
