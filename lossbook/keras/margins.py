"""Margin losses Keras lacks: torch's multi-class margin loss (``MultiMarginLoss``)."""

from __future__ import annotations

from lossbook.keras._base import _Loss, keras, ops

__all__ = ["MultiMargin", "multi_margin"]


def multi_margin(y_true, y_pred, margin=1.0, p=1):
    r"""Multi-class margin loss, torch's ``MultiMarginLoss``: one value per sample.

    :math:`\frac1C\sum_{c \ne y} \max(0, m - s_y + s_c)^p` with ``y_pred`` the scores
    ``[batch, classes]`` and ``y_true`` the integer labels ``[batch]`` (not
    ``CategoricalHinge``, which takes the max over wrong classes: trap 15).

    >>> loss = multi_margin([0], [[1.0, 0.5, 0.2]])  # (0.5 + 0.2) / 3
    >>> round(float(ops.convert_to_numpy(loss)[0]), 6)
    0.233333
    """
    scores = ops.convert_to_tensor(y_pred)
    num_classes = ops.shape(scores)[-1]
    one_hot = ops.one_hot(ops.cast(y_true, "int32"), num_classes, dtype=scores.dtype)
    true_score = ops.sum(one_hot * scores, axis=-1, keepdims=True)
    terms = ops.relu(margin - true_score + scores) ** p * (1.0 - one_hot)
    return ops.sum(terms, axis=-1) / ops.cast(num_classes, scores.dtype)


@keras.saving.register_keras_serializable(package="lossbook")
class MultiMargin(_Loss):
    """``MultiMargin(margin=1.0, p=1)``: the loss class of :func:`multi_margin`."""

    function = staticmethod(multi_margin)
    defaults = {"margin": 1.0, "p": 1}

    def __init__(self, margin=1.0, p=1, reduction="sum_over_batch_size", name="multi_margin",
                 dtype=None):
        super().__init__(reduction, name, dtype, margin=margin, p=p)
