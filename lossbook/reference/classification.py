"""Classification losses built on the log-likelihood: cross-entropies, focal losses and KL.

Inputs are probabilities (``from_logits=False``, the Keras default: checked to lie in [0, 1],
and to sum to 1 over the class axis where a distribution is required; Keras instead clips
to [1e-7, 1 - 1e-7] and renormalises) or logits (``from_logits=True``: log-sigmoid /
log-softmax, exact for logits of ±1e4). Logarithms of probabilities are exact, so a
probability 0 on the observed class gives ``inf`` (the math's value), while 0·log 0 = 0.

``reduction="none"`` returns one value per sample: the binary losses average the last axis
(Keras), the categorical ones sum over the class axis.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    check_distribution,
    check_in_choices,
    check_nonnegative,
    check_unit_interval,
    reduce,
)
from lossbook.reference._classification_inputs import (  # noqa: F401  (used by gradients)
    binary_inputs,
    categorical_inputs,
    class_log_probs,
    class_weight_array,
    distillation_inputs,
    elementwise_bce,
    masked_reduce,
    picked,
    pos_weight_array,
    sparse_inputs,
    squeeze_label_axis,
)
from lossbook.reference._common import (
    log_softmax,
    mean_last,
    pair,
    safe_log,
    sigmoid,
    xlog,
)

__all__ = [
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "class_weighted_crossentropy",
    "kl_divergence",
    "knowledge_distillation",
    "sparse_categorical_crossentropy",
]


def binary_crossentropy(y_true, y_pred, *, from_logits=False, label_smoothing=0.0,
                        pos_weight=None, reduction="mean", sample_weight=None):
    """Binary cross-entropy (Bernoulli negative log-likelihood), per element then averaged.

    .. math::
        \\ell_i = -\\frac{1}{D} \\sum_{j=1}^{D} \\bigl[y_{ij} \\log p_{ij}
        + (1 - y_{ij}) \\log(1 - p_{ij})\\bigr], \\qquad
        p = \\sigma(z) \\text{ if from\\_logits}

    with :math:`y \\in [0, 1]` the labels (after smoothing
    :math:`y \\leftarrow y(1 - \\varepsilon) + \\varepsilon/2`), :math:`p` the predicted
    probabilities, :math:`z` logits and :math:`D` the size of the last axis. On logits it is
    :math:`\\operatorname{softplus}(z) - y z`, computed as
    :math:`\\max(z, 0) - y z + \\log(1 + e^{-|z|})` (no cancellation, exact at ±1e4).

    ``pos_weight`` :math:`w_j` multiplies the positive term of output :math:`j`,
    :math:`-w_j y_{ij} \\log p_{ij}` (torch ``BCEWithLogitsLoss(pos_weight=)``; Keras has
    none): :math:`w_j = N_{\\text{neg}} / N_{\\text{pos}}` balances a rare positive class.

    Args:
        y_true: labels in [0, 1], ``[batch]`` or ``[batch, ..., outputs]``.
        y_pred: probabilities in [0, 1] or logits (``from_logits=True``), same shape.
        pos_weight: ``None``, a number or ``[outputs]`` non-negative weights.

    Returns:
        A float, or ``[batch, ...]`` for ``reduction="none"``.

    Reference: Cox, *The Regression Analysis of Binary Sequences*, 1958.

    >>> round(binary_crossentropy([1.0, 0.0], [0.5, 0.5]), 6)  # -log 0.5 = log 2
    0.693147
    """
    labels, y_pred = binary_inputs(y_true, y_pred, reduction, from_logits, label_smoothing)
    weights = pos_weight_array(pos_weight, y_pred)
    return reduce(mean_last(elementwise_bce(labels, y_pred, from_logits, weights)),
                  reduction, sample_weight)


def categorical_crossentropy(y_true, y_pred, *, from_logits=False, label_smoothing=0.0,
                             axis=-1, reduction="mean", sample_weight=None):
    """Categorical cross-entropy with one-hot or soft labels.

    .. math::
        \\ell_i = -\\sum_{c=1}^{C} y_{ic} \\log p_{ic}, \\qquad
        p_i = \\operatorname{softmax}(z_i) \\text{ if from\\_logits}

    with :math:`y_i` a distribution over the :math:`C` classes (smoothed to
    :math:`y(1 - \\varepsilon) + \\varepsilon / C`) and :math:`p_i` the predicted one. Without
    logits, both rows must sum to 1: the reference refuses what Keras silently renormalises.

    Args:
        y_true: ``[batch, ..., classes]`` distributions (class axis ``axis``).
        y_pred: same shape; probabilities or logits.

    Returns:
        A float, or ``[batch, ...]`` (the class axis removed) for ``reduction="none"``.

    Reference: Bridle, *Probabilistic Interpretation of Feedforward Classification Network
    Outputs*, 1990.

    >>> round(categorical_crossentropy([[0.0, 1.0]], [[0.75, 0.25]]), 6)  # -log 0.25
    1.386294
    """
    labels, y_pred = categorical_inputs(y_true, y_pred, reduction, from_logits,
                                        label_smoothing, axis)
    values = -np.sum(xlog(labels, class_log_probs(y_pred, from_logits)), axis=-1)
    return reduce(values, reduction, sample_weight)


def sparse_categorical_crossentropy(y_true, y_pred, *, from_logits=False, ignore_class=None,
                                    reduction="mean", sample_weight=None):
    """Cross-entropy with integer labels, optionally ignoring one label value (padding).

    .. math::
        \\ell_i = -\\log p_{i, y_i} \\cdot [y_i \\ne \\text{ignore}], \\qquad
        L_{\\text{mean}} = \\frac{\\sum_i w_i \\ell_i}{\\#\\{i : y_i \\ne \\text{ignore}\\}}

    with :math:`y_i \\in \\{0, \\dots, C-1\\}` the label at position :math:`i` and :math:`p_i`
    the predicted distribution. Ignored positions give 0 in ``"none"`` and are left out of
    the count of ``"mean"`` (Keras' ``ignore_class`` rule; torch ``ignore_index`` the same).
    If every position is ignored, ``"mean"`` is 0/0 and raises (torch NaN, Keras 0).

    Args:
        y_true: integer labels ``[batch]`` or ``[batch, d1, ...]`` (``ignore_class`` allowed);
            Keras' ``[batch, 1]`` (``[batch, d1, ..., 1]``) layout is accepted and squeezed.
        y_pred: ``[batch, ..., classes]`` probabilities or logits.

    Returns:
        A float, or ``[batch, ...]`` (the labels' shape, squeezed) for ``reduction="none"``.

    Reference: Bridle, 1990 (as :func:`categorical_crossentropy`).

    >>> round(sparse_categorical_crossentropy([1, -1], [[0.75, 0.25], [0.5, 0.5]],
    ...                                       ignore_class=-1), 6)  # -log 0.25, one valid
    1.386294
    """
    labels, y_pred, valid = sparse_inputs(y_true, y_pred, reduction, from_logits, ignore_class)
    values = np.where(valid, -picked(class_log_probs(y_pred, from_logits), labels), 0.0)
    return masked_reduce(values, valid, reduction, sample_weight)


def class_weighted_crossentropy(y_true, y_pred, *, class_weight, from_logits=False,
                                normalize="count", reduction="mean", sample_weight=None):
    """Class-weighted cross-entropy on integer labels, with both normalisations in use.

    .. math::
        \\ell_i = -w_{y_i} \\log p_{i, y_i}, \\qquad
        L_{\\text{mean}} = \\frac{\\sum_i \\ell_i}{N} \\;(\\text{"count"}) \\quad\\text{or}\\quad
        \\frac{\\sum_i \\ell_i}{\\sum_i w_{y_i}} \\;(\\text{"weights"})

    with :math:`w` the per-class weights. ``"count"`` is Keras ``fit(class_weight=)`` or
    ``sample_weight``; ``"weights"`` is torch ``CrossEntropyLoss(weight=)`` (traps 7, 8, 27).
    ``"none"`` and ``"sum"`` do not depend on ``normalize``. ``sample_weight`` multiplies
    :math:`\\ell_i` (and, for ``"weights"``, the divisor's terms).

    Args:
        y_true: integer labels ``[batch]``.
        y_pred: ``[batch, classes]`` probabilities or logits.
        class_weight: ``[classes]`` non-negative weights, or a dict giving every class one.

    Reference: King and Zeng, *Logistic Regression in Rare Events Data*, 2001.

    >>> round(class_weighted_crossentropy([0, 1], [[0.5, 0.5], [0.5, 0.5]],
    ...       class_weight=[1.0, 3.0], normalize="weights"), 6)  # (1 + 3) log 2 / (1 + 3)
    0.693147
    """
    check_in_choices(normalize, "normalize", ("count", "weights"))
    labels, y_pred, _ = sparse_inputs(y_true, y_pred, reduction, from_logits, None)
    weights = class_weight_array(class_weight, y_pred.shape[-1])[labels]
    values = -weights * picked(class_log_probs(y_pred, from_logits), labels)
    if reduction != "mean" or normalize == "count":
        return reduce(values, reduction, sample_weight)
    return reduce(values, "sum", sample_weight) / reduce(weights, "sum", sample_weight)


def binary_focal_crossentropy(y_true, y_pred, *, gamma=2.0, alpha=0.25,
                              apply_class_balancing=False, from_logits=False,
                              label_smoothing=0.0, reduction="mean", sample_weight=None):
    """Binary focal cross-entropy, exactly as Keras ``BinaryFocalCrossentropy`` defines it.

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} a_{ij}\\, (1 - p_{t,ij})^{\\gamma}\\,
        \\mathrm{BCE}(y_{ij}, p_{ij}), \\qquad p_t = y p + (1 - y)(1 - p)

    with :math:`\\gamma \\ge 0` the focusing parameter and :math:`a = y\\alpha + (1-y)(1-\\alpha)`
    if ``apply_class_balancing`` else 1. Keras does **not** apply ``alpha`` by default;
    torchvision ``sigmoid_focal_loss`` does (alpha=0.25), trap 19. Symbols and shapes as in
    :func:`binary_crossentropy`; :math:`\\gamma = 0` gives BCE.

    Reference: Lin, Goyal, Girshick, He and Dollár, *Focal Loss for Dense Object Detection*, 2017.

    >>> round(binary_focal_crossentropy([1.0], [0.5]), 6)  # (1 - 0.5)^2 log 2
    0.173287
    """
    labels, y_pred = binary_inputs(y_true, y_pred, reduction, from_logits, label_smoothing)
    gamma = check_nonnegative(gamma, "gamma")
    alpha = check_unit_interval(alpha, "alpha")
    probs = sigmoid(y_pred) if from_logits else y_pred
    # 1 - p_t = y (1 - p) + (1 - y) p, with 1 - σ(z) = σ(-z) exact for large logits
    miss = labels * (sigmoid(-y_pred) if from_logits else 1.0 - probs) + (1.0 - labels) * probs
    balance = labels * alpha + (1.0 - labels) * (1.0 - alpha) if apply_class_balancing else 1.0
    values = balance * miss**gamma * elementwise_bce(labels, y_pred, from_logits)
    return reduce(mean_last(values), reduction, sample_weight)


def categorical_focal_crossentropy(y_true, y_pred, *, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, reduction="mean", sample_weight=None):
    """Categorical focal cross-entropy, as Keras ``CategoricalFocalCrossentropy`` defines it.

    .. math::
        \\ell_i = -\\sum_{c=1}^{C} \\alpha\\, (1 - p_{ic})^{\\gamma}\\, y_{ic} \\log p_{ic}

    with :math:`\\alpha` one scalar weight (Keras applies it to every class) and
    :math:`\\gamma \\ge 0`. Keras renormalises and clips :math:`p` to [1e-7, 1 - 1e-7]; the
    reference requires distributions and takes exact logs. Symbols and shapes as in
    :func:`categorical_crossentropy`.

    Reference: Lin et al., *Focal Loss for Dense Object Detection*, 2017.

    >>> round(categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]), 6)  # .25·.25·log 2
    0.043322
    """
    labels, y_pred = categorical_inputs(y_true, y_pred, reduction, from_logits,
                                        label_smoothing, -1)
    gamma = check_nonnegative(gamma, "gamma")
    alpha = check_nonnegative(alpha, "alpha")
    log_probs = class_log_probs(y_pred, from_logits)
    cross = -xlog(labels, log_probs)
    values = np.sum(alpha * (1.0 - np.exp(log_probs)) ** gamma * cross, axis=-1)
    return reduce(values, reduction, sample_weight)


def categorical_generalized_cross_entropy(y_true, y_pred, *, q=0.5, from_logits=False,
                                          reduction="mean", sample_weight=None):
    """Generalized cross-entropy, a loss robust to noisy labels, as Keras defines it.

    .. math::
        \\ell_i = \\frac{1 - p_{i, y_i}^{\\,q}}{q}, \\qquad 0 < q \\le 1

    with :math:`y_i` an integer label and :math:`p_{i, y_i}` the predicted probability of that
    class. As :math:`q \\to 0` it tends to the cross-entropy :math:`-\\log p_{i, y_i}`; at
    :math:`q = 1` it is :math:`1 - p_{i, y_i}`, the mean absolute error of the probability
    vector up to a factor 2 (Keras ``CategoricalGeneralizedCrossEntropy(q)``, default 0.5). It
    is bounded by :math:`1/q`, so a mislabelled example cannot dominate the gradient.
    ``from_logits=True`` (not in Keras) computes :math:`p^q = e^{q \\log \\operatorname{softmax}}`
    and :math:`1 - e^{x}` with ``expm1``, exact for logits of ±1e4.

    Args:
        y_true: integer labels ``[batch]`` (or ``[batch, 1]``).
        y_pred: ``[batch, classes]`` probabilities (or logits with ``from_logits=True``).

    Reference: Zhang and Sabuncu, *Generalized Cross Entropy Loss for Training Deep Neural
    Networks with Noisy Labels*, 2018.

    >>> round(categorical_generalized_cross_entropy([0], [[0.25, 0.75]], q=0.5), 6)  # 2(1 - .5)
    1.0
    """
    if isinstance(q, bool) or not isinstance(q, int | float | np.floating | np.integer) or not (
            0.0 < float(q) <= 1.0):
        raise ValueError(f"`q` must be a number in (0, 1]: q -> 0 is the cross-entropy, q = 1 "
                         f"the mean absolute error. Received: q={q!r}")
    labels, y_pred, _ = sparse_inputs(y_true, y_pred, reduction, from_logits, None)
    log_picked = picked(class_log_probs(y_pred, from_logits), labels)
    values = -np.expm1(float(q) * log_picked) / float(q)  # 1 - p^q without cancellation
    return reduce(values, reduction, sample_weight)


def kl_divergence(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Kullback–Leibler divergence KL(p ‖ q) of the predicted distribution from the true one.

    .. math::
        \\ell_i = \\sum_{c=1}^{C} p_{ic} \\log \\frac{p_{ic}}{q_{ic}}
        = H(p_i, q_i) - H(p_i)

    with :math:`p` = ``y_true`` and :math:`q` = ``y_pred`` distributions over the last axis;
    :math:`0 \\log 0 = 0` exactly, and :math:`q = 0` where :math:`p > 0` gives ``inf``. Keras
    clips both to [1e-7, 1]; torch ``KLDivLoss`` wants :math:`\\log q` first (trap 5).

    Args:
        y_true, y_pred: ``[batch, ..., classes]`` distributions.

    Returns:
        A float, or ``[batch, ...]`` for ``reduction="none"``.

    Reference: Kullback and Leibler, *On Information and Sufficiency*, 1951.

    >>> round(kl_divergence([[1.0, 0.0]], [[0.5, 0.5]]), 6)  # 1·log(1/0.5) + 0
    0.693147
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_distribution(y_true, "y_true")
    check_distribution(y_pred, "y_pred")
    values = np.sum(xlog(y_true, safe_log(y_true)) - xlog(y_true, safe_log(y_pred)), axis=-1)
    return reduce(values, reduction, sample_weight)


def knowledge_distillation(y_true, y_pred, *, temperature=1.0, reduction="mean",
                           sample_weight=None):
    """Distillation loss on logits: the teacher's softened distribution against the student's.

    .. math::
        \\ell_i = T^2\\, \\mathrm{KL}\\bigl(\\operatorname{softmax}(t_i / T) \\,\\|\\,
        \\operatorname{softmax}(s_i / T)\\bigr)
        = T^2 \\sum_{c} p_{ic} (\\log p_{ic} - \\log q_{ic})

    with :math:`t_i` the teacher's logits (``y_true``), :math:`s_i` the student's
    (``y_pred``), :math:`T > 0` the temperature, :math:`p = \\operatorname{softmax}(t/T)` and
    :math:`q = \\operatorname{softmax}(s/T)` (log-softmax: exact for logits of ±1e4). The
    :math:`T^2` keeps the soft term's gradient, :math:`T (q - p)`, on the scale of a hard
    cross-entropy's as :math:`T` grows. Add it to the hard-label cross-entropy for the full
    Hinton et al. objective.

    Args:
        y_true: the teacher's logits ``[batch, ..., classes]``.
        y_pred: the student's logits, same shape.
        temperature: :math:`T > 0`.

    Returns:
        A float, or ``[batch, ...]`` for ``reduction="none"``.

    Reference: Hinton, Vinyals and Dean, *Distilling the Knowledge in a Neural Network*, 2015.

    >>> round(knowledge_distillation([[0.0, 0.0]], [[0.0, 0.0]], temperature=2.0), 6)
    0.0
    """
    teacher, student, temperature = distillation_inputs(y_true, y_pred, reduction, temperature)
    log_p, log_q = log_softmax(teacher / temperature), log_softmax(student / temperature)
    values = temperature**2 * np.sum(np.exp(log_p) * (log_p - log_q), axis=-1)
    return reduce(values, reduction, sample_weight)
