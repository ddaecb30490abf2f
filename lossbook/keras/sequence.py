"""Per-time-step cross-entropy averaged within each padded sequence."""

from __future__ import annotations

from lossbook.keras._base import _Loss, keras, ops

__all__ = ["SequenceCrossentropy", "sequence_crossentropy"]


def sequence_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, mask=None):
    r"""Per-time-step cross-entropy averaged within each sequence, padding excluded.

    :math:`\ell_i = \frac{1}{|V_i|}\sum_{t \in V_i} -\log p_{i t y_{it}}`, :math:`V_i` the steps
    with ``y_true != ignore_class`` and ``mask == 1``: one value per sequence ``[batch]``.
    ``SparseCategoricalCrossentropy(ignore_class=)`` averages all valid tokens of the batch
    instead. ``y_true``: ``[batch, time]`` integers; ``y_pred``: ``[batch, time, classes]``.

    >>> loss = sequence_crossentropy([[0, 1, -1]], [[[0.0, 0.0]] * 3], from_logits=True,
    ...                              ignore_class=-1)
    >>> round(float(ops.convert_to_numpy(loss)[0]), 6)
    0.693147
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.cast(y_true, "int32")
    valid = ops.ones_like(labels, dtype="bool")
    if ignore_class is not None:
        valid = ops.not_equal(labels, ignore_class)
    if mask is not None:
        valid = ops.logical_and(valid, ops.greater(ops.convert_to_tensor(mask), 0))
    steps = ops.sparse_categorical_crossentropy(ops.where(valid, labels, 0), y_pred,
                                                from_logits=from_logits)
    valid = ops.cast(valid, steps.dtype)
    return ops.sum(steps * valid, axis=-1) / ops.sum(valid, axis=-1)


@keras.saving.register_keras_serializable(package="lossbook")
class SequenceCrossentropy(_Loss):
    """``SequenceCrossentropy(from_logits=False, ignore_class=None)``: the loss class of
    :func:`sequence_crossentropy` (padding marked by ``ignore_class``)."""

    function = staticmethod(sequence_crossentropy)
    defaults = {"from_logits": False, "ignore_class": None}

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sequence_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class)
