"""Catalogue entries of the classification losses: cross-entropies, focal, KL, distillation."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._arrays import to_numpy
from lossbook._validation import reduce
from lossbook.catalog._adapters import (
    KERAS_REDUCTION,
    keras_array,
    keras_loss,
    resolve,
    tensor,
    torch_elementwise,
    torch_loss,
    torch_per_sample,
    torch_reducing,
)
from lossbook.catalog._entry import KnownDifference, make_entry

BINARY_SHAPES = ((8,), (4, 5))
CLASS_SHAPES = ((6, 3), (4, 5))
_KERAS_EPS = 1e-7
_KERAS_ONE_MINUS_EPS = float(np.float32(1.0) - np.float32(_KERAS_EPS))  # asymmetric in float32


def _mean_last(values):
    return values if values.ndim == 1 else values.mean(axis=-1)


# ------------------------------------------------------------------------------- samplers


def _binary_labels(rng, shape):
    return rng.integers(0, 2, size=shape).astype(np.float64)


def _probabilities(rng, shape):
    return rng.uniform(0.02, 0.98, size=shape)


def _logits(rng, shape):
    return rng.normal(0.0, 3.0, size=shape)


def _one_hot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]


def _distributions(rng, shape):
    return rng.dirichlet(np.full(shape[-1], 2.0), size=shape[:-1])


def _float32_distributions(rng, shape):
    # rows that still sum to 1 within 1e-6 after the float32 rounding of Entry.sample
    return _distributions(rng, shape).astype(np.float32).astype(np.float64)


def _bce_sampler(from_logits):
    def sampler(rng, shape, params):
        y_pred = _logits(rng, shape) if from_logits else _probabilities(rng, shape)
        return _binary_labels(rng, shape), y_pred, {}
    return sampler


def _cce_sampler(from_logits):
    def sampler(rng, shape, params):
        y_pred = _logits(rng, shape) if from_logits else _float32_distributions(rng, shape)
        return _one_hot(rng, shape), y_pred, {}
    return sampler


def _sparse_sampler(from_logits):
    def sampler(rng, shape, params):
        labels = rng.integers(0, shape[-1], size=shape[:-1])
        ignore = params.get("ignore_class")
        if ignore is not None:
            labels.flat[rng.choice(labels.size, size=max(1, labels.size // 4),
                                   replace=False)] = ignore
            labels.flat[0] = 0  # at least one valid position
        y_pred = _logits(rng, shape) if from_logits else _float32_distributions(rng, shape)
        return labels, y_pred, {}
    return sampler


SMOOTHING_GRID = ({"label_smoothing": 0.0}, {"label_smoothing": 0.1})
BINARY_FOCAL_GRID = (
    {"gamma": 2.0, "alpha": 0.25, "apply_class_balancing": False, "label_smoothing": 0.0},
    {"gamma": 1.0, "alpha": 0.25, "apply_class_balancing": True, "label_smoothing": 0.1},
)
CATEGORICAL_FOCAL_GRID = (
    {"gamma": 2.0, "alpha": 0.25, "label_smoothing": 0.0},
    {"gamma": 1.0, "alpha": 1.0, "label_smoothing": 0.1},
)


# ------------------------------------------------------------------ documented rules (float64)


def _keras_clipped(function, *, normalise=False):
    """The reference on probabilities as Keras sees them: renormalised (categorical), then
    clipped to [1e-7, 1 - 1e-7] (the upper bound rounded to float32)."""
    def rule(y_true, y_pred, **params):
        probs = np.asarray(y_pred, np.float64)
        if normalise:
            probs = probs / probs.sum(axis=-1, keepdims=True)
        return function(y_true, np.clip(probs, _KERAS_EPS, _KERAS_ONE_MINUS_EPS), **params)
    return rule


def _keras_softmax_clipped(function):
    """The reference on Keras' view of logits in its categorical focal loss: softmax, then
    clipped to [1e-7, 1 - 1e-7] (it never works in log space, so huge logits saturate)."""
    def rule(y_true, y_pred, *, from_logits=True, **params):
        logits = np.asarray(y_pred, np.float64)
        probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs = probs / probs.sum(axis=-1, keepdims=True)
        clipped = np.clip(probs, _KERAS_EPS, _KERAS_ONE_MINUS_EPS)
        return function(y_true, clipped / clipped.sum(axis=-1, keepdims=True),
                        from_logits=False, **params)
    return rule


def _keras_sigmoid_clipped(function):
    """The reference on Keras' view of logits in its binary focal loss: sigmoid, then BCE on
    probabilities clipped to [1e-7, 1 - 1e-7] (TensorFlow alone recovers the logits, trap 12)."""
    def rule(y_true, y_pred, *, from_logits=True, **params):
        probs = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(y_pred, np.float64)))  # sigmoid, no overflow
        return function(y_true, np.clip(probs, _KERAS_EPS, _KERAS_ONE_MINUS_EPS),
                        from_logits=False, **params)
    return rule


def _torch_bce_log_floor(y_true, y_pred, *, label_smoothing=0.0, reduction="mean",
                         sample_weight=None, **_):
    labels = np.asarray(y_true, float) * (1.0 - label_smoothing) + 0.5 * label_smoothing
    probs = np.asarray(y_pred, float)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(probs), -100.0)
        log_not_p = np.maximum(np.log1p(-probs), -100.0)
    values = -(labels * log_p + (1.0 - labels) * log_not_p)
    return reduce(_mean_last(values), reduction, sample_weight)


def _keras_kl(y_true, y_pred, *, reduction="mean", sample_weight=None):
    p = np.clip(np.asarray(y_true, float), _KERAS_EPS, 1.0)
    q = np.clip(np.asarray(y_pred, float), _KERAS_EPS, 1.0)
    return reduce(np.sum(p * np.log(p / q), axis=-1), reduction, sample_weight)


_CLIP = ("clips probabilities to [1e-7, 1 - 1e-7] (1 - 1e-7 rounds to 0.99999988 in float32), "
         "so p = 0 or 1 gives a finite loss of about 16")
_CLIP_CATEGORICAL = "renormalises each row, then " + _CLIP
_TORCH_LOG_FLOOR = "BCELoss caps log(p) and log(1 - p) at -100, so p = 0 or 1 gives 100"


def _clip_difference(function, categorical=False):
    return KnownDifference("keras", 11, _CLIP_CATEGORICAL if categorical else _CLIP,
                           _keras_clipped(function, normalise=categorical))


# ----------------------------------------------------------------- class-weighted adapters


def _weights(class_weight, num_classes):
    return ref.classification.class_weight_array(class_weight, num_classes)


def _torch_class_weighted(y_true, y_pred, *, class_weight, normalize="count",
                          from_logits=False, reduction="mean"):
    # Translation only: class_weight -> CrossEntropyLoss(weight=); torch's own "mean" divides
    # by the sum of the labels' weights (trap 8), which is normalize="weights".
    weight = tensor(_weights(class_weight, np.shape(y_pred)[-1]))
    own = reduction != "mean" or normalize == "weights"
    adapter = torch_loss("torch.nn.CrossEntropyLoss" if from_logits else "torch.nn.NLLLoss",
                         combine=None, own_reduction=own, labels=True,
                         log_of_pred=not from_logits, weight=weight)
    return adapter(y_true, y_pred, reduction=reduction)


def _keras_class_weighted(y_true, y_pred, *, class_weight, normalize="count",
                          from_logits=False, reduction="mean"):
    # Translation only: the class weights become per-sample weights w[y] (what
    # fit(class_weight=) does); "mean" over N, or over sum(w) with "mean_with_sample_weight".
    labels = np.asarray(y_true).astype("int32")
    sample_weight = _weights(class_weight, np.shape(y_pred)[-1])[labels].astype("float32")
    keras_reduction = KERAS_REDUCTION[reduction]
    if reduction == "mean" and normalize == "weights":
        keras_reduction = "mean_with_sample_weight"
    loss = resolve("keras.losses.SparseCategoricalCrossentropy")(
        from_logits=from_logits, reduction=keras_reduction)
    return to_numpy(loss(labels, keras_array(y_pred), sample_weight=sample_weight))


def _class_weighted_sampler(rng, shape, params):
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    # one weight per class: data-shaped, so drawn with the data (values of a fixed set)
    class_weight = [float(w) for w in rng.choice([0.5, 1.0, 2.0, 5.0], size=shape[-1])]
    return labels, _logits(rng, shape), {"class_weight": class_weight}


# ------------------------------------------------------------ pos_weight and distillation


def _torch_pos_weighted(y_true, y_pred, *, pos_weight, from_logits=True, reduction="mean",
                        sample_weight=None):
    # Translation only: pos_weight (a number or a list) -> BCEWithLogitsLoss(pos_weight=tensor)
    adapter = torch_elementwise("torch.nn.BCEWithLogitsLoss", pos_weight=tensor(pos_weight))
    return adapter(y_true, y_pred, reduction=reduction, sample_weight=sample_weight)


_torch_pos_weighted.weights = True


def _pos_weight_sampler(rng, shape, params):
    outputs = 1 if len(shape) == 1 else shape[-1]
    # one weight per output: data-shaped, so drawn with the data (values of a fixed set)
    weights = [float(w) for w in rng.choice([0.5, 1.0, 3.0, 10.0], size=outputs)]
    pos_weight = weights[0] if len(shape) == 1 else weights
    return _binary_labels(rng, shape), _logits(rng, shape), {"pos_weight": pos_weight}


def _distillation_sampler(rng, shape, params):
    return _logits(rng, shape), _logits(rng, shape), {}


LABELS_BINARY = "labels in {0, 1} (or soft in [0, 1]), same shape as the predictions"
LABELS_ONE_HOT = "one-hot (or soft) labels [batch, classes]"
LABELS_INDEX = "integer class indices [batch] (or [batch, time]); `ignore_class` allowed"
CE_PROPS = ("convex-in-logits", "probabilistic", "proper-scoring-rule")


def _bce(from_logits):
    suffix = "_from_logits" if from_logits else ""
    return make_entry(
        name="binary_crossentropy" + suffix,
        title="Binary cross-entropy" + (" (from logits)" if from_logits else ""),
        task="classification", label_format=LABELS_BINARY,
        input_kind="logit" if from_logits else "probability",
        formula=(r"\ell = -\frac{1}{D}\sum_j \bigl[y_j \log p_j + (1 - y_j)\log(1 - p_j)\bigr]"
                 + (r",\quad p = \sigma(z)" if from_logits else "")),
        properties=CE_PROPS + ("bernoulli-likelihood",),
        reference=ref.binary_crossentropy, fixed_params={"from_logits": from_logits},
        torch=torch_elementwise(
            "torch.nn.BCEWithLogitsLoss" if from_logits else "torch.nn.BCELoss",
            binary_smoothing=True, drop=("from_logits",)),
        keras=keras_loss("keras.losses.BinaryCrossentropy"),
        sampler=_bce_sampler(from_logits), shapes=BINARY_SHAPES, grid=SMOOTHING_GRID,
        known_differences=[] if from_logits else [
            _clip_difference(ref.binary_crossentropy),
            KnownDifference("torch", 11, _TORCH_LOG_FLOOR, _torch_bce_log_floor)],
    )


def _cce(from_logits):
    suffix = "_from_logits" if from_logits else ""
    return make_entry(
        name="categorical_crossentropy" + suffix,
        title="Categorical cross-entropy" + (" (from logits)" if from_logits else ""),
        task="classification", label_format=LABELS_ONE_HOT,
        input_kind="logit" if from_logits else "probability",
        formula=(r"\ell = -\sum_{c=1}^{C} y_c \log p_c"
                 + (r",\quad p = \operatorname{softmax}(z)" if from_logits else "")),
        properties=CE_PROPS + ("categorical-likelihood",),
        reference=ref.categorical_crossentropy, fixed_params={"from_logits": from_logits},
        # CrossEntropyLoss takes probability targets and label_smoothing itself
        torch=torch_per_sample("torch.nn.CrossEntropyLoss", log_of_pred=not from_logits,
                               drop=("from_logits",)),
        keras=keras_loss("keras.losses.CategoricalCrossentropy"),
        sampler=_cce_sampler(from_logits), shapes=CLASS_SHAPES, grid=SMOOTHING_GRID,
        known_differences=[] if from_logits else [
            _clip_difference(ref.categorical_crossentropy, categorical=True)],
    )


def _sparse(from_logits):
    suffix = "_from_logits" if from_logits else ""
    return make_entry(
        name="sparse_categorical_crossentropy" + suffix,
        title="Sparse categorical cross-entropy" + (" (from logits)" if from_logits else ""),
        task="classification", label_format=LABELS_INDEX,
        input_kind="logit" if from_logits else "probability",
        formula=(r"\ell_i = -\log p_{i, y_i},\quad L = \frac{\sum_i \ell_i\,[y_i \ne "
                 r"\text{ignore}]}{\#\{i: y_i \ne \text{ignore}\}}"),
        properties=CE_PROPS + ("categorical-likelihood", "maskable"),
        reference=ref.sparse_categorical_crossentropy, fixed_params={"from_logits": from_logits},
        # torch's own reductions skip ignore_index in the mean, as the reference does
        torch=torch_reducing("torch.nn.CrossEntropyLoss" if from_logits else "torch.nn.NLLLoss",
                             labels=True, log_of_pred=not from_logits, class_axis_first=True,
                             rename={"ignore_class": "ignore_index"}, drop=("from_logits",)),
        keras=keras_loss("keras.losses.SparseCategoricalCrossentropy", labels=True,
                         expand_1d=False),
        sampler=_sparse_sampler(from_logits), shapes=CLASS_SHAPES + ((3, 4, 5),),
        grid=({"ignore_class": None}, {"ignore_class": -1}),
        known_differences=[] if from_logits else [
            _clip_difference(ref.sparse_categorical_crossentropy, categorical=True)],
    )


def _binary_focal(from_logits):
    suffix = "_from_logits" if from_logits else ""
    return make_entry(
        name="binary_focal_crossentropy" + suffix,
        title="Binary focal cross-entropy" + (" (from logits)" if from_logits else ""),
        task="classification", label_format=LABELS_BINARY,
        input_kind="logit" if from_logits else "probability",
        formula=(r"\ell = \frac{1}{D}\sum_j a_j (1 - p_{t,j})^\gamma\,\mathrm{BCE}(y_j, p_j),"
                 r"\quad p_t = y p + (1 - y)(1 - p)"),
        properties=("imbalance", "down-weights-easy-examples", "probabilistic"),
        reference=ref.binary_focal_crossentropy, fixed_params={"from_logits": from_logits},
        torch=torch_elementwise("lossbook.torch.binary_focal_crossentropy"),
        keras=keras_loss("keras.losses.BinaryFocalCrossentropy"),
        sampler=_bce_sampler(from_logits), shapes=BINARY_SHAPES,
        grid=BINARY_FOCAL_GRID,
        known_differences=[
            KnownDifference("keras", 12, "applies sigmoid to the logits, then BCE on "
                            "probabilities; on the torch (not TensorFlow) backend these are "
                            "clipped to [1e-7, 1 - 1e-7], so logits beyond about ±16 saturate",
                            _keras_sigmoid_clipped(ref.binary_focal_crossentropy))
        ] if from_logits else [_clip_difference(ref.binary_focal_crossentropy)],
    )


def _categorical_focal(from_logits):
    suffix = "_from_logits" if from_logits else ""
    return make_entry(
        name="categorical_focal_crossentropy" + suffix,
        title="Categorical focal cross-entropy" + (" (from logits)" if from_logits else ""),
        task="classification", label_format=LABELS_ONE_HOT,
        input_kind="logit" if from_logits else "probability",
        formula=r"\ell = -\sum_{c=1}^{C} \alpha (1 - p_c)^\gamma\, y_c \log p_c",
        properties=("imbalance", "down-weights-easy-examples", "probabilistic"),
        reference=ref.categorical_focal_crossentropy, fixed_params={"from_logits": from_logits},
        torch=torch_per_sample("lossbook.torch.categorical_focal_crossentropy"),
        keras=keras_loss("keras.losses.CategoricalFocalCrossentropy"),
        sampler=_cce_sampler(from_logits), shapes=CLASS_SHAPES,
        grid=CATEGORICAL_FOCAL_GRID,
        known_differences=[
            KnownDifference("keras", 11, "applies softmax, then " + _CLIP + "; from logits too, "
                            "so logits of ±100 and beyond saturate",
                            _keras_softmax_clipped(ref.categorical_focal_crossentropy))
        ] if from_logits else [
            _clip_difference(ref.categorical_focal_crossentropy, categorical=True)],
    )


ENTRIES = [
    _bce(False), _bce(True), _cce(False), _cce(True), _sparse(False), _sparse(True),
    make_entry(
        name="class_weighted_crossentropy", title="Class-weighted cross-entropy",
        task="classification", label_format="integer class indices [batch]; one weight per class",
        input_kind="logit",
        formula=(r"\ell_i = -w_{y_i} \log p_{i, y_i},\quad L = \frac{\sum_i \ell_i}{N}"
                 r"\ \text{or}\ \frac{\sum_i \ell_i}{\sum_i w_{y_i}}"),
        properties=CE_PROPS + ("imbalance",),
        reference=ref.class_weighted_crossentropy, fixed_params={"from_logits": True},
        torch=_torch_class_weighted, keras=_keras_class_weighted,
        sampler=_class_weighted_sampler, shapes=CLASS_SHAPES,
        grid=({"normalize": "count"}, {"normalize": "weights"}),
    ),
    _binary_focal(False), _binary_focal(True), _categorical_focal(False), _categorical_focal(True),
    make_entry(
        name="binary_crossentropy_pos_weight",
        title="Binary cross-entropy with a positive-class weight (from logits)",
        task="classification", label_format=LABELS_BINARY + "; one pos_weight per output",
        input_kind="logit",
        formula=(r"\ell = -\frac{1}{D}\sum_j \bigl[w_j\, y_j \log p_j + (1 - y_j)"
                 r"\log(1 - p_j)\bigr],\quad p = \sigma(z)"),
        properties=CE_PROPS + ("bernoulli-likelihood", "imbalance", "multi-label"),
        reference=ref.binary_crossentropy, fixed_params={"from_logits": True},
        torch=_torch_pos_weighted,
        keras=keras_loss("lossbook.keras.PosWeightedBinaryCrossentropy"),
        sampler=_pos_weight_sampler, shapes=BINARY_SHAPES,
    ),
    make_entry(
        name="knowledge_distillation", title="Knowledge distillation (soft targets)",
        task="classification", label_format="the teacher's logits [batch, classes]",
        input_kind="logit",
        formula=(r"\ell = T^2\,\mathrm{KL}\bigl(\operatorname{softmax}(t/T)\,\|\,"
                 r"\operatorname{softmax}(s/T)\bigr)"),
        properties=("distillation", "distribution-matching", "asymmetric"),
        reference=ref.knowledge_distillation,
        torch=torch_per_sample("lossbook.torch.knowledge_distillation"),
        keras=keras_loss("lossbook.keras.KnowledgeDistillation", expand_1d=False),
        sampler=_distillation_sampler, shapes=CLASS_SHAPES,
        grid=({"temperature": 1.0}, {"temperature": 4.0}),
    ),
    make_entry(
        name="kl_divergence", title="Kullback–Leibler divergence", task="classification",
        label_format="target distributions [batch, classes]", input_kind="probability",
        formula=r"\ell = \sum_{c=1}^{C} y_c \log\frac{y_c}{p_c}",
        properties=("convex", "distribution-matching", "asymmetric", "distillation"),
        reference=ref.kl_divergence,
        # KLDivLoss wants log q as input (trap 5); "none" is element-wise, summed per sample
        torch=torch_loss("torch.nn.KLDivLoss", combine="sum", log_of_pred=True),
        keras=keras_loss("keras.losses.KLDivergence"),
        sampler=lambda rng, shape, params: (_float32_distributions(rng, shape),
                                    _float32_distributions(rng, shape), {}),
        shapes=CLASS_SHAPES,
        known_differences=[KnownDifference(
            "keras", 11, "clips both distributions to [1e-7, 1], so a target y_c = 0 "
            "contributes 1e-7 log(1e-7 / p_c) instead of 0", _keras_kl)],
    ),
]
