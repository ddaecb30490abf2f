"""Keras 3 implementations of the losses Keras does not ship.

Written with ``keras.ops`` only, so they run unchanged on the TensorFlow, JAX and torch
backends. Each loss is a small function ``name(y_true, y_pred, ...)`` returning one value per
sample (Keras' functional form: element-wise losses average the last axis), and a
``keras.losses.Loss`` subclass registered under the package ``"lossbook"``, so a model
compiled with it saves to ``.keras`` and loads back (``get_config`` holds every
hyper-parameter). Argument order is Keras' ``(y_true, y_pred)``.

Where Keras has a loss (``MeanSquaredError``, ``Huber``, ``BinaryFocalCrossentropy``, ``CTC``,
...), the book uses it and this module does not repeat it.
"""

from __future__ import annotations

from lossbook._env import quiet_import

keras = quiet_import("keras")
ops = keras.ops

__all__ = [
    "AMSoftmax", "Contrastive", "MultiMargin", "Quantile", "RootMeanSquaredError",
    "SequenceCrossentropy", "Triplet",
    "am_softmax", "contrastive", "multi_margin", "quantile", "sequence_crossentropy", "triplet",
]

_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")


# ------------------------------------------------------------------------------ functions


def quantile(y_true, y_pred, tau=0.5):
    r"""Quantile (pinball) loss :math:`\max(\tau r, (\tau - 1) r)`, :math:`r = y - \hat y`.

    Averaged over the last axis: one value per sample, like ``keras.losses.mean_absolute_error``.

    >>> round(float(ops.convert_to_numpy(quantile([[2.0]], [[0.0]], tau=0.9))[0]), 6)  # 0.9 * 2
    1.8
    """
    y_pred = ops.convert_to_tensor(y_pred)
    residual = ops.cast(y_true, y_pred.dtype) - y_pred
    return ops.mean(ops.maximum(tau * residual, (tau - 1.0) * residual), axis=-1)


def contrastive(y_true, y_pred, margin=1.0):
    r"""Contrastive loss (Hadsell, Chopra & LeCun, 2006) on pair distances.

    :math:`y\,d^2 + (1 - y)\max(0, m - d)^2` with ``y_pred`` the distance :math:`d` and
    ``y_true`` 1 for a similar pair, 0 for a dissimilar one; averaged over the last axis.

    >>> ops.convert_to_numpy(contrastive([[1.0], [0.0]], [[0.5], [0.5]])).tolist()
    [0.25, 0.25]
    """
    distance = ops.convert_to_tensor(y_pred)
    similar = ops.cast(y_true, distance.dtype)
    loss = similar * ops.square(distance) + (1.0 - similar) * ops.square(ops.relu(margin - distance))
    return ops.mean(loss, axis=-1)


def triplet(y_true, y_pred, margin=1.0):
    r"""Triplet loss (Schroff et al., 2015): :math:`\max(0, \|a - p\| - \|a - n\| + m)`.

    ``y_pred`` stacks the embeddings ``[batch, 3, dim]`` as (anchor, positive, negative) along
    axis 1; ``y_true`` is not used (any array with ``batch`` rows), as Keras requires one.
    Euclidean distances, one value per sample.

    >>> float(ops.convert_to_numpy(triplet(None, [[[0.0, 0.0], [1.0, 0.0], [0.0, 1.5]]]))[0])
    0.5
    """
    del y_true  # the loss is defined by the geometry of the triplet alone
    y_pred = ops.convert_to_tensor(y_pred)
    anchor, positive, negative = y_pred[:, 0], y_pred[:, 1], y_pred[:, 2]
    to_positive = ops.sqrt(ops.sum(ops.square(anchor - positive), axis=-1))
    to_negative = ops.sqrt(ops.sum(ops.square(anchor - negative), axis=-1))
    return ops.relu(to_positive - to_negative + margin)


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


# -------------------------------------------------------------------------- Loss classes


class _Loss(keras.losses.Loss):
    """A ``keras.losses.Loss`` over one of the functions above, with its hyper-parameters."""

    function = None
    defaults: dict = {}

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **params):
        super().__init__(name=name or type(self).__name__.lower(), reduction=reduction,
                         dtype=dtype)
        self.params = {key: params.get(key, value) for key, value in self.defaults.items()}

    def call(self, y_true, y_pred):
        return type(self).function(y_true, y_pred, **self.params)

    def get_config(self):
        return {**super().get_config(), **self.params}


@keras.saving.register_keras_serializable(package="lossbook")
class Quantile(_Loss):
    """``Quantile(tau=0.5)``: the loss class of :func:`quantile`.

    >>> round(float(ops.convert_to_numpy(Quantile(tau=0.9)([[2.0], [0.0]], [[0.0], [2.0]]))), 6)
    1.0
    """

    function = staticmethod(quantile)
    defaults = {"tau": 0.5}

    def __init__(self, tau=0.5, reduction="sum_over_batch_size", name="quantile", dtype=None):
        super().__init__(reduction, name, dtype, tau=tau)


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
class MultiMargin(_Loss):
    """``MultiMargin(margin=1.0, p=1)``: the loss class of :func:`multi_margin`."""

    function = staticmethod(multi_margin)
    defaults = {"margin": 1.0, "p": 1}

    def __init__(self, margin=1.0, p=1, reduction="sum_over_batch_size", name="multi_margin",
                 dtype=None):
        super().__init__(reduction, name, dtype, margin=margin, p=p)


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


def _mean_squared_per_sample(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.mean(ops.square(ops.cast(y_true, y_pred.dtype) - y_pred), axis=-1)


@keras.saving.register_keras_serializable(package="lossbook")
class RootMeanSquaredError(_Loss):
    r"""RMSE as a loss, :math:`\sqrt{\mathrm{MSE} + \epsilon}` (``epsilon`` keeps the gradient
    at a perfect fit finite, trap 21).

    With the mean reductions (the default ``"sum_over_batch_size"``) it is the root of
    ``MeanSquaredError()`` (plus ``epsilon``): RMSE as usually reported, not the mean of
    per-sample roots. With ``reduction=None`` or ``"sum"`` the per-sample values are
    :math:`\sqrt{\frac1d\sum_j r_j^2 + \epsilon}`.

    >>> loss = RootMeanSquaredError()([[0.0], [0.0]], [[3.0], [5.0]])  # sqrt((9 + 25) / 2)
    >>> round(float(ops.convert_to_numpy(loss)), 5)
    4.12311
    """

    function = staticmethod(_mean_squared_per_sample)
    defaults = {"epsilon": 0.0}

    def __init__(self, epsilon=0.0, reduction="sum_over_batch_size",
                 name="root_mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype, epsilon=epsilon)

    def call(self, y_true, y_pred):
        return ops.sqrt(_mean_squared_per_sample(y_true, y_pred) + self.params["epsilon"])

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.reduction not in _MEAN_REDUCTIONS:
            return super().__call__(y_true, y_pred, sample_weight)
        mean_squared = keras.losses.MeanSquaredError(reduction=self.reduction, dtype=self.dtype)
        return ops.sqrt(mean_squared(y_true, y_pred, sample_weight) + self.params["epsilon"])
