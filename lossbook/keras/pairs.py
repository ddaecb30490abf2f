"""Metric-learning losses Keras lacks: contrastive, triplet, AM-softmax, ArcFace and InfoNCE.

(The Circle loss is built in: ``keras.losses.Circle``.)
"""

from __future__ import annotations

import math

from lossbook.keras._base import _Loss, keras, ops

__all__ = ["AMSoftmax", "ArcFace", "Contrastive", "InfoNCE", "Triplet", "am_softmax", "arcface",
           "contrastive", "info_nce", "triplet"]


def contrastive(y_true, y_pred, margin=1.0):
    r"""Contrastive loss (Hadsell, Chopra & LeCun, 2006) on pair distances.

    :math:`y\,d^2 + (1 - y)\max(0, m - d)^2` with ``y_pred`` the distance :math:`d` and
    ``y_true`` 1 for a similar pair, 0 for a dissimilar one; averaged over the last axis.

    >>> ops.convert_to_numpy(contrastive([[1.0], [0.0]], [[0.5], [0.5]])).tolist()
    [0.25, 0.25]
    """
    distance = ops.convert_to_tensor(y_pred)
    similar = ops.cast(y_true, distance.dtype)
    loss = (similar * ops.square(distance)
            + (1.0 - similar) * ops.square(ops.relu(margin - distance)))
    return ops.mean(loss, axis=-1)


def triplet(y_true, y_pred, margin=1.0):
    r"""Triplet loss (Schroff et al., 2015): :math:`\max(0, \|a - p\| - \|a - n\| + m)`.

    ``y_pred`` stacks the embeddings ``[batch, 3, dim]`` as (anchor, positive, negative) along
    axis 1; ``y_true`` is not used (any array with ``batch`` rows), as Keras requires one.
    Euclidean distances, one value per sample; at a zero distance (anchor = positive) the
    gradient of the distance is taken as 0, where a plain ``sqrt(sum(square))`` gives NaN.

    >>> float(ops.convert_to_numpy(triplet(None, [[[0.0, 0.0], [1.0, 0.0], [0.0, 1.5]]]))[0])
    0.5
    """
    del y_true  # the loss is defined by the geometry of the triplet alone
    y_pred = ops.convert_to_tensor(y_pred)
    anchor, positive, negative = y_pred[:, 0], y_pred[:, 1], y_pred[:, 2]
    to_positive = _distance(anchor, positive)
    to_negative = _distance(anchor, negative)
    return ops.relu(to_positive - to_negative + margin)


def _distance(a, b):
    """Euclidean distance with a zero gradient where it is 0: the root is taken of at least the
    smallest normal number (its derivative at 0 is infinite, and ``0 * inf`` would make the
    whole gradient NaN); there the distance is 1e-19 in float32 instead of 0."""
    squared = ops.sum(ops.square(a - b), axis=-1)
    tiny = _TINY[keras.backend.standardize_dtype(squared.dtype)]
    return ops.sqrt(ops.maximum(squared, tiny))


# the smallest normal number of each float type (float16: its smallest subnormal, whose root
# 2.4e-4 is closer to 0 than the normal's 7.8e-3)
_TINY = {"float16": 5.96e-08, "bfloat16": 1.1755e-38, "float32": 1.1755e-38,
         "float64": 2.2251e-308}


def am_softmax(y_true, y_pred, margin=0.35, scale=30.0):
    r"""Additive-margin softmax loss (Wang et al., 2018), one value per sample.

    Cross-entropy of the logits :math:`s(\cos\theta_c - m[c = y])`: ``y_pred`` holds the
    cosines ``[batch, classes]``, ``y_true`` the integer labels ``[batch]``. The stable
    log-softmax is Keras' ``sparse_categorical_crossentropy(from_logits=True)``.

    >>> loss = am_softmax([0], [[0.5, 0.0]], margin=0.5, scale=1.0)  # equal logits: log 2
    >>> round(float(ops.convert_to_numpy(loss)[0]), 6)
    0.693147
    """
    cosines = ops.convert_to_tensor(y_pred)
    labels = ops.cast(y_true, "int32")
    one_hot = ops.one_hot(labels, ops.shape(cosines)[-1], dtype=cosines.dtype)
    logits = scale * (cosines - margin * one_hot)
    return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)



def arcface(y_true, y_pred, margin=0.5, scale=64.0):
    r"""ArcFace (Deng et al., 2019), one value per sample: cross-entropy of
    :math:`s\cos(\theta_c + m[c = y])` on cosines ``[batch, classes]`` and integer labels.

    The margin is applied to the label's column only and :math:`\sin\theta` goes through a
    double ``where``, so value and gradient stay finite at :math:`|\cos\theta| = 1`.

    >>> loss = arcface([0], [[1.0, 1.0]], margin=1.5707963267948966, scale=1.0)
    >>> round(float(ops.convert_to_numpy(loss)[0]), 6)
    1.313262
    """
    cosines = ops.convert_to_tensor(y_pred)
    labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    one_hot = ops.one_hot(labels, ops.shape(cosines)[-1], dtype=cosines.dtype)
    cosine = ops.clip(ops.sum(cosines * one_hot, axis=-1, keepdims=True), -1.0, 1.0)
    room = 1.0 - ops.square(cosine)
    inside = room > 0
    sine = ops.where(inside, ops.sqrt(ops.where(inside, room, ops.ones_like(room))), 0.0)
    shifted = cosine * math.cos(margin) - sine * math.sin(margin)
    logits = scale * (cosines + one_hot * (shifted - cosines))
    return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)


def info_nce(y_true, y_pred, temperature=0.1, symmetric=False):
    r"""InfoNCE with in-batch negatives (``symmetric=True``: CLIP's loss), one value per sample.

    ``y_pred`` stacks the two views ``[batch, 2, dim]``; ``y_true`` is not used (any array with
    ``batch`` rows, as ``fit`` requires one): the positive of anchor i is row i of the second
    view, in every batch however ``fit`` shuffles. Cross-entropy of
    :math:`\cos(a_i, p_j)/\tau` with the diagonal as the labels.

    >>> views = [[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]]
    >>> round(float(ops.convert_to_numpy(info_nce(None, views, temperature=1.0))[0]), 6)
    0.313262
    """
    del y_true  # the positives are the diagonal of the logit matrix
    units = ops.normalize(ops.convert_to_tensor(y_pred), axis=-1)
    logits = ops.matmul(units[:, 0], ops.transpose(units[:, 1])) / temperature
    labels = ops.arange(ops.shape(logits)[0])
    values = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    if symmetric:
        columns = ops.sparse_categorical_crossentropy(labels, ops.transpose(logits),
                                                      from_logits=True)
        values = 0.5 * (values + columns)
    return values

@keras.saving.register_keras_serializable(package="lossbook")
class Contrastive(_Loss):
    """``Contrastive(margin=1.0)``: the loss class of :func:`contrastive`."""

    function = staticmethod(contrastive)
    defaults = {"margin": 1.0}

    def __init__(self, margin=1.0, reduction="sum_over_batch_size", name="contrastive", dtype=None):
        super().__init__(reduction, name, dtype, margin=margin)


@keras.saving.register_keras_serializable(package="lossbook")
class Triplet(_Loss):
    """``Triplet(margin=1.0)``: the loss class of :func:`triplet`."""

    function = staticmethod(triplet)
    defaults = {"margin": 1.0}

    def __init__(self, margin=1.0, reduction="sum_over_batch_size", name="triplet", dtype=None):
        super().__init__(reduction, name, dtype, margin=margin)


@keras.saving.register_keras_serializable(package="lossbook")
class AMSoftmax(_Loss):
    """``AMSoftmax(margin=0.35, scale=30.0)``: the loss class of :func:`am_softmax`."""

    function = staticmethod(am_softmax)
    defaults = {"margin": 0.35, "scale": 30.0}

    def __init__(self, margin=0.35, scale=30.0, reduction="sum_over_batch_size",
                 name="am_softmax", dtype=None):
        super().__init__(reduction, name, dtype, margin=margin, scale=scale)


@keras.saving.register_keras_serializable(package="lossbook")
class ArcFace(_Loss):
    """``ArcFace(margin=0.5, scale=64.0)``: the loss class of :func:`arcface`."""

    function = staticmethod(arcface)
    defaults = {"margin": 0.5, "scale": 64.0}

    def __init__(self, margin=0.5, scale=64.0, reduction="sum_over_batch_size", name="arcface",
                 dtype=None):
        super().__init__(reduction, name, dtype, margin=margin, scale=scale)


@keras.saving.register_keras_serializable(package="lossbook")
class InfoNCE(_Loss):
    """``InfoNCE(temperature=0.1, symmetric=False)``: the loss class of :func:`info_nce`."""

    function = staticmethod(info_nce)
    defaults = {"temperature": 0.1, "symmetric": False}

    def __init__(self, temperature=0.1, symmetric=False, reduction="sum_over_batch_size",
                 name="info_nce", dtype=None):
        if not temperature > 0:
            raise ValueError(f"`temperature` must be > 0. Received: temperature={temperature}")
        super().__init__(reduction, name, dtype, temperature=temperature, symmetric=symmetric)
