"""Input checks and shared pieces of the classification losses (private): label formats,
probabilities or logits, label smoothing, class and positive-class weights, masked means."""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    as_float_array,
    check_array_in_range,
    check_distribution,
    check_int,
    check_nonnegative,
    check_positive,
    check_probabilities,
    check_reduction,
    check_unit_interval,
    reduce,
)
from lossbook.reference._common import (
    check_axis,
    labels_and_scores,
    log_softmax,
    pair,
    safe_log,
    xlog,
)


def binary_inputs(y_true, y_pred, reduction, from_logits, label_smoothing):
    """Validated ``(labels, y_pred)``; labels in [0, 1] (soft allowed), smoothed toward ½."""
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_array_in_range(y_true, "y_true", 0.0, 1.0, hint="Binary labels are 0/1 (or soft).")
    if not from_logits:
        check_probabilities(y_pred, "y_pred")
    smoothing = check_unit_interval(label_smoothing, "label_smoothing")
    return y_true * (1.0 - smoothing) + 0.5 * smoothing, y_pred


def elementwise_bce(labels, y_pred, from_logits, pos_weight=None):
    """``-[w y log p + (1 - y) log(1 - p)]`` per element (w = ``pos_weight``, default 1),
    with 0·log 0 = 0."""
    if from_logits:
        if pos_weight is None:
            # softplus(z) - y z = max(z, 0) - y z + log1p(exp(-|z|)): no cancellation at ±1e4
            return (np.maximum(y_pred, 0.0) - labels * y_pred
                    + np.log1p(np.exp(-np.abs(y_pred))))
        # -log σ(z) = softplus(-z), -log(1 - σ(z)) = softplus(z), both via logaddexp
        return (pos_weight * labels * np.logaddexp(0.0, -y_pred)
                + (1.0 - labels) * np.logaddexp(0.0, y_pred))
    with np.errstate(divide="ignore"):
        log_p, log_not_p = np.log(y_pred), np.log1p(-y_pred)  # log1p: exact 1 - p for tiny p
    weight = 1.0 if pos_weight is None else pos_weight
    return -(xlog(weight * labels, log_p) + xlog(1.0 - labels, log_not_p))


def pos_weight_array(pos_weight, y_pred):
    """``pos_weight`` as a float64 array broadcast over the last axis: a number, or one
    non-negative weight per output (``[outputs]``, the size of ``y_pred``'s last axis; a 1-D
    ``y_pred`` holds one output per sample, so ``[1]``)."""
    if pos_weight is None:
        return None
    weights = as_float_array(pos_weight, "pos_weight", min_ndim=0)
    outputs = 1 if y_pred.ndim == 1 else y_pred.shape[-1]
    if weights.ndim > 1 or (weights.ndim == 1 and weights.shape != (outputs,)):
        raise ValueError(
            f"`pos_weight` must be a number or have shape ({outputs},), one weight per output "
            f"(the last axis of y_pred). Received: pos_weight.shape={weights.shape}, "
            f"y_pred.shape={y_pred.shape}")
    if weights.size and weights.min() < 0:
        raise ValueError(f"`pos_weight` must be >= 0. Received: pos_weight={weights.tolist()}")
    return weights


def categorical_inputs(y_true, y_pred, reduction, from_logits, label_smoothing, axis):
    """Validated one-hot/soft labels and scores, with the class axis moved last."""
    y_true, y_pred = pair(y_true, y_pred, reduction)
    axis = check_axis(axis, y_pred.ndim)
    y_true, y_pred = np.moveaxis(y_true, axis, -1), np.moveaxis(y_pred, axis, -1)
    check_distribution(y_true, "y_true")
    if not from_logits:
        check_distribution(y_pred, "y_pred")
    smoothing = check_unit_interval(label_smoothing, "label_smoothing")
    return y_true * (1.0 - smoothing) + smoothing / y_true.shape[-1], y_pred


def class_log_probs(y_pred, from_logits):
    """Log-probabilities over the last axis: log-softmax of logits, or the exact log."""
    if from_logits:
        return log_softmax(y_pred)  # subtract the row max, then log-sum-exp
    return safe_log(y_pred)


def squeeze_label_axis(y_true, y_pred):
    """Keras' ``(N, 1)`` integer labels for ``(N, C)`` scores (generally ``(..., 1)`` for
    ``(..., C)``) without their last axis, as Keras squeezes them (trap 29); else unchanged."""
    shape, scores = np.shape(y_true), np.shape(y_pred)
    if len(shape) >= 2 and len(shape) == len(scores) and shape[-1] == 1 and \
            shape[:-1] == scores[:-1]:
        return np.asarray(y_true)[..., 0]
    return y_true


def sparse_inputs(y_true, y_pred, reduction, from_logits, ignore_class):
    """Integer labels ``[batch, ...]`` (or ``[batch, ..., 1]``, Keras' layout, squeezed;
    ``ignore_class`` allowed) and the valid-position mask."""
    y_true = squeeze_label_axis(y_true, y_pred)
    if ignore_class is None:
        labels, y_pred = labels_and_scores(y_true, y_pred, reduction)
        valid = np.ones(labels.shape, dtype=bool)
    else:
        ignore_class = check_int(ignore_class, "ignore_class")
        raw = as_float_array(y_true, "y_true")
        valid = raw != ignore_class
        labels, y_pred = labels_and_scores(np.where(valid, raw, 0), y_pred, reduction)
    if not from_logits:
        check_distribution(y_pred, "y_pred")
    return labels, y_pred, valid


def picked(values, labels):
    """``values[..., labels]`` position by position (the log-probability of each label)."""
    return np.take_along_axis(values, labels[..., None], axis=-1)[..., 0]


def masked_reduce(values, valid, reduction, sample_weight):
    """Reduce with ignored positions excluded from the count of ``"mean"`` (Keras' rule)."""
    total = reduce(values, "sum" if reduction == "mean" else reduction, sample_weight)
    if reduction != "mean":
        return total
    count = int(valid.sum())
    if count == 0:
        raise ValueError(
            "Every target equals `ignore_class`, so the mean over valid positions is 0/0 "
            "(torch returns NaN, Keras 0). Received: y_true with no valid position"
        )
    return total / count


def class_weight_array(class_weight, num_classes):
    """``class_weight`` (sequence or dict covering every class) as a ``[classes]`` array."""
    if isinstance(class_weight, dict):
        missing = sorted(set(range(num_classes)) - set(class_weight))
        if missing or len(class_weight) != num_classes:
            raise ValueError(
                f"`class_weight` as a dict must give a weight to each class 0..{num_classes - 1} "
                f"and nothing else. Received: class_weight={class_weight!r}"
            )
        class_weight = [class_weight[c] for c in range(num_classes)]
    weights = as_float_array(class_weight, "class_weight")
    if weights.shape != (num_classes,):
        raise ValueError(f"`class_weight` must have shape ({num_classes},), one weight per "
                         f"class. Received: class_weight.shape={weights.shape}")
    for weight in weights:
        check_nonnegative(float(weight), "class_weight")
    return weights


def distillation_inputs(y_true, y_pred, reduction, temperature):
    """Validated teacher and student logits ``[batch, ..., classes]`` and the temperature."""
    check_reduction(reduction)
    teacher = as_float_array(y_true, "y_true", min_ndim=2)
    student = as_float_array(y_pred, "y_pred", min_ndim=2)
    if teacher.shape != student.shape:
        raise ValueError(
            "`y_true` (the teacher's logits) and `y_pred` (the student's logits) must have the "
            f"same shape [batch, ..., classes]. Received: y_true.shape={teacher.shape}, "
            f"y_pred.shape={student.shape}")
    return teacher, student, check_positive(temperature, "temperature")
