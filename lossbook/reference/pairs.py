"""Similarity and metric-learning losses: cosine, contrastive, triplet, additive-margin softmax.

Conventions (Keras' ``keras.losses`` has no contrastive or triplet loss, so these are ours):

- :func:`contrastive`: ``y_true`` in {0, 1} with **1 = similar pair**, ``y_pred`` the distance
  :math:`d \\ge 0` between the two embeddings, shape ``[batch]``.
- :func:`triplet`: ``y_true=None``; ``y_pred`` of shape ``[batch, 3, dim]`` stacks anchor,
  positive and negative embeddings.
- :func:`am_softmax`, :func:`arcface`: integer labels ``[batch]`` and cosine similarities
  ``[batch, classes]``.
- :func:`circle`: integer labels ``[batch]`` and L2-normalised embeddings ``[batch, dim]``
  (Keras' ``circle``: its name, signature and numbers).
- :func:`info_nce`: ``y_true=None``; ``y_pred`` of shape ``[batch, 2, dim]`` stacks two views
  (anchor, positive); the other rows of the batch are the negatives.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    as_float_array,
    as_label_array,
    check_array_in_range,
    check_array_min,
    check_binary_labels,
    check_positive,
    check_reduction,
    reduce,
)
from lossbook.reference._common import (
    check_axis,
    labels_and_scores,
    log_softmax,
    mean_last,
    pair,
)

__all__ = ["am_softmax", "arcface", "circle", "contrastive", "cosine_similarity", "info_nce",
           "triplet"]


def norms(vectors, name, axis=-1):
    """Euclidean norms over ``axis``; a zero vector (direction undefined) is a ``ValueError``."""
    lengths = np.linalg.norm(vectors, axis=axis)
    if np.any(lengths == 0):
        raise ValueError(f"`{name}` must not contain all-zero vectors: their cosine is "
                         f"undefined (Keras' l2_normalize returns 0). Received: {name} with a "
                         "zero vector")
    return lengths


def cosine_similarity(y_true, y_pred, *, axis=-1, reduction="mean", sample_weight=None):
    """Negative cosine similarity, as Keras ``CosineSimilarity`` (lower is better).

    .. math::
        \\ell_i = -\\frac{\\langle y_i, \\hat y_i \\rangle}
        {\\lVert y_i \\rVert\\, \\lVert \\hat y_i \\rVert}
        \\in [-1, 1]

    with :math:`y_i, \\hat y_i` vectors along ``axis``. The sign is Keras' (a loss to minimise);
    torch ``F.cosine_similarity`` returns :math:`+\\cos` (trap 17). A zero vector has no
    direction and is a ``ValueError`` (Keras normalises with an epsilon and returns 0).

    Args:
        y_true, y_pred: ``[batch, ..., dim]`` (``axis`` the vector axis).

    Returns:
        A float, or ``[batch, ...]`` (``axis`` removed) for ``reduction="none"``.

    Reference: Salton and McGill, *Introduction to Modern Information Retrieval*, 1983.

    >>> cosine_similarity([[1.0, 0.0]], [[1.0, 1.0]])  # -1 / sqrt(2)
    -0.7071067811865475
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    axis = check_axis(axis, y_pred.ndim)
    denominator = norms(y_true, "y_true", axis) * norms(y_pred, "y_pred", axis)
    return reduce(-np.sum(y_true * y_pred, axis=axis) / denominator, reduction, sample_weight)


def contrastive(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    """Contrastive loss for Siamese networks: pull similar pairs in, push others past a margin.

    .. math::
        \\ell_i = y_i\\, d_i^2 + (1 - y_i) \\max(0,\\, m - d_i)^2

    with :math:`y_i = 1` for a **similar** pair and 0 for a dissimilar one, :math:`d_i \\ge 0`
    the distance between the pair's embeddings and :math:`m > 0` the margin. (Some code,
    e.g. the original paper's notation, uses :math:`Y = 0` for similar pairs and a factor ½.)
    For ``[batch, k]`` inputs the :math:`k` values of a sample are averaged.

    Args:
        y_true: pair labels in {0, 1}, ``[batch]``.
        y_pred: distances, ``[batch]``, non-negative.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Hadsell, Chopra and LeCun, *Dimensionality Reduction by Learning an Invariant
    Mapping*, 2006.

    >>> contrastive([1.0, 0.0], [0.5, 0.5])  # (0.5^2 + (1 - 0.5)^2) / 2
    0.25
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_binary_labels(y_true, "y_true")
    check_array_min(y_pred, "y_pred", 0.0, hint="`y_pred` is a distance.")
    margin = check_positive(margin, "margin")
    values = y_true * y_pred**2 + (1.0 - y_true) * np.maximum(0.0, margin - y_pred) ** 2
    return reduce(mean_last(values), reduction, sample_weight)


def triplet_embeddings(y_true, y_pred, reduction):
    """Anchor, positive and negative ``[batch, dim]`` from ``y_pred`` ``[batch, 3, dim]``."""
    check_reduction(reduction)
    if y_true is not None:
        raise ValueError("`y_true` must be None for the triplet loss: the roles are given by "
                         "the positions in `y_pred` [batch, 3, dim] (anchor, positive, negative). "
                         f"Received: y_true of type {type(y_true).__name__}")
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=3)
    if y_pred.ndim != 3 or y_pred.shape[1] != 3:
        raise ValueError("`y_pred` must have shape [batch, 3, dim] (anchor, positive, negative). "
                         f"Received: y_pred.shape={y_pred.shape}")
    return y_pred[:, 0], y_pred[:, 1], y_pred[:, 2]


def triplet(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    """Triplet margin loss: the negative must be farther from the anchor than the positive.

    .. math::
        \\ell_i = \\max\\bigl(0,\\, \\lVert a_i - p_i \\rVert_2
        - \\lVert a_i - n_i \\rVert_2 + m\\bigr)

    with :math:`a_i, p_i, n_i` the anchor, positive and negative embeddings and :math:`m > 0`
    the margin. torch ``TripletMarginLoss(margin, p=2)`` computes the same with
    :math:`\\lVert a - p + \\epsilon \\rVert`, :math:`\\epsilon = 10^{-6}` (tiny differences).

    Args:
        y_true: must be ``None``.
        y_pred: ``[batch, 3, dim]`` stacking anchor, positive, negative.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Schroff, Kalenichenko and Philbin, *FaceNet*, 2015.

    >>> triplet(None, [[[0.0, 0.0], [1.0, 0.0], [0.0, 1.5]]])  # max(0, 1 - 1.5 + 1)
    0.5
    """
    anchor, positive, negative = triplet_embeddings(y_true, y_pred, reduction)
    margin = check_positive(margin, "margin")
    gap = np.linalg.norm(anchor - positive, axis=-1) - np.linalg.norm(anchor - negative, axis=-1)
    return reduce(np.maximum(0.0, gap + margin), reduction, sample_weight)


def am_softmax_logits(labels, cosines, margin, scale):
    """``s (cos - m [c = y])``: the logits the additive-margin softmax cross-entropy sees."""
    one_hot = np.eye(cosines.shape[-1])[labels]
    return scale * (cosines - margin * one_hot)


def am_softmax(y_true, y_pred, *, margin=0.35, scale=30.0, reduction="mean",
               sample_weight=None):
    """Additive-margin softmax (AM-Softmax / CosFace) on cosine similarities.

    .. math::
        \\ell_i = -\\log \\frac{e^{s(\\cos\\theta_{i y_i} - m)}}{e^{s(\\cos\\theta_{i y_i} - m)}
        + \\sum_{c \\ne y_i} e^{s \\cos\\theta_{ic}}}

    with :math:`\\cos\\theta_{ic} \\in [-1, 1]` the cosine between sample :math:`i`'s normalised
    embedding and class :math:`c`'s normalised weight, :math:`y_i` the label, :math:`m > 0` the
    additive margin and :math:`s > 0` the scale. It is cross-entropy on the logits
    :math:`s(\\cos\\theta - m\\,\\text{one\\_hot}(y))`, computed with log-softmax.

    Args:
        y_true: integer labels ``[batch]``.
        y_pred: cosines ``[batch, classes]`` in [-1, 1].

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Wang, Cheng, Liu and Liu, *Additive Margin Softmax for Face Verification*, 2018.

    >>> round(am_softmax([0], [[0.5, 0.0]], margin=0.5, scale=1.0), 6)  # log 2: equal logits
    0.693147
    """
    labels, y_pred = labels_and_scores(y_true, y_pred, reduction)
    check_array_in_range(y_pred, "y_pred", -1.0, 1.0, hint="`y_pred` holds cosine similarities.")
    logits = am_softmax_logits(labels, y_pred, check_positive(margin, "margin"),
                               check_positive(scale, "scale"))
    log_probs = log_softmax(logits)  # stable: the row maximum is subtracted first
    values = -np.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
    return reduce(values, reduction, sample_weight)


def arcface_target(cosines, margin):
    """``cos(theta + m)`` from ``cos(theta)`` in [-1, 1]: ``c cos m - sqrt(1 - c^2) sin m``.

    ``sqrt(max(0, 1 - c^2))`` is exact and finite at ``|c| = 1`` (it is 0 there); only its
    derivative diverges, so a framework must not let that derivative meet a zero (NaN).
    """
    sines = np.sqrt(np.maximum(0.0, 1.0 - cosines**2))
    return cosines * np.cos(margin) - sines * np.sin(margin)


def arcface_logits(labels, cosines, margin, scale):
    """``s cos(theta_c + m [c = y])``: the logits the ArcFace cross-entropy sees."""
    one_hot = np.eye(cosines.shape[-1])[labels].astype(bool)
    return scale * np.where(one_hot, arcface_target(cosines, margin), cosines)


def arcface(y_true, y_pred, *, margin=0.5, scale=64.0, reduction="mean", sample_weight=None):
    """Additive angular margin loss (ArcFace) on cosine similarities.

    .. math::
        \\ell_i = -\\log \\frac{e^{s\\cos(\\theta_{i y_i} + m)}}{e^{s\\cos(\\theta_{i y_i} + m)}
        + \\sum_{c \\ne y_i} e^{s \\cos\\theta_{ic}}}

    with :math:`\\cos\\theta_{ic} \\in [-1, 1]` the cosine between sample :math:`i`'s normalised
    embedding and class :math:`c`'s normalised weight, :math:`m > 0` the margin added to the
    *angle* (radians) and :math:`s > 0` the scale. The target logit is computed as
    :math:`\\cos\\theta\\cos m - \\sqrt{1 - \\cos^2\\theta}\\,\\sin m`, exact and finite at
    :math:`|\\cos\\theta| = 1`. It is the paper's formula for every angle; Deng et al.'s code
    replaces it past :math:`\\theta > \\pi - m`, where :math:`\\cos(\\theta + m)` turns upwards.

    Args:
        y_true: integer labels ``[batch]``.
        y_pred: cosines ``[batch, classes]`` in [-1, 1].

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Deng, Guo, Xue and Zafeiriou, *ArcFace: Additive Angular Margin Loss for Deep
    Face Recognition*, 2019.

    >>> round(arcface([0], [[1.0, 1.0]], margin=np.pi / 2, scale=1.0), 6)  # logits 0 and 1
    1.313262
    """
    labels, y_pred = labels_and_scores(y_true, y_pred, reduction)
    check_array_in_range(y_pred, "y_pred", -1.0, 1.0, hint="`y_pred` holds cosine similarities.")
    logits = arcface_logits(labels, y_pred, check_positive(margin, "margin"),
                            check_positive(scale, "scale"))
    values = -np.take_along_axis(log_softmax(logits), labels[..., None], axis=-1)[..., 0]
    return reduce(values, reduction, sample_weight)


def _logsumexp(values, mask):
    """Row-wise ``log sum exp`` over the entries where ``mask`` holds; ``-inf`` for none."""
    masked = np.where(mask, values, -np.inf)
    peak = np.max(masked, axis=-1, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)  # an empty row stays -inf below
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(masked - peak), axis=-1)) + peak[..., 0]


def labelled_embeddings(y_true, y_pred, reduction) -> tuple[np.ndarray, np.ndarray]:
    """Integer labels ``[batch]`` and embeddings ``[batch, dim]`` of a batch, checked (Circle
    and the mined triplet losses of :mod:`lossbook.reference.mining`)."""
    check_reduction(reduction)
    embeddings = as_float_array(y_pred, "y_pred", min_ndim=2)
    labels = as_label_array(y_true, "y_true")
    if embeddings.ndim != 2 or labels.shape != embeddings.shape[:1]:
        raise ValueError("`y_pred` must be embeddings [batch, dim] and `y_true` integer labels "
                         f"[batch]. Received: y_true.shape={labels.shape}, "
                         f"y_pred.shape={embeddings.shape}")
    return labels, embeddings


def circle_inputs(y_true, y_pred, ref_labels, ref_embeddings, reduction):
    """Labels and unit embeddings of the queries and of the references, checked."""
    labels, embeddings = labelled_embeddings(y_true, y_pred, reduction)
    ref_embeddings = (embeddings if ref_embeddings is None
                      else as_float_array(ref_embeddings, "ref_embeddings", min_ndim=2))
    ref_labels = labels if ref_labels is None else as_label_array(ref_labels, "ref_labels")
    for name, array in (("y_pred", embeddings), ("ref_embeddings", ref_embeddings)):
        lengths = norms(array, name)
        if np.any(np.abs(lengths - 1.0) > 1e-4):
            raise ValueError(f"`{name}` must hold L2-normalised embeddings (norm 1, as after "
                             "keras.layers.UnitNormalization). Received: norms from "
                             f"{lengths.min():.4g} to {lengths.max():.4g}")
    if ref_embeddings.shape[0] != ref_labels.shape[0]:
        raise ValueError("`ref_labels` must have one label per row of `ref_embeddings`. "
                         f"Received: ref_labels.shape={ref_labels.shape}, "
                         f"ref_embeddings.shape={ref_embeddings.shape}")
    return labels, embeddings, ref_labels, ref_embeddings


def circle_logits(labels, dots, ref_labels, remove_diagonal, gamma, margin):
    """Circle's similarities (clipped at 1), positive / negative masks and the two sides'
    logits ``[batch, refs]``, from the dot products of unit queries and references."""
    similarity = 1.0 - np.maximum(1.0 - dots, 0.0)
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(len(labels), len(ref_labels), dtype=bool)
    pos_logits = -gamma * np.maximum(1.0 + margin - similarity, 0.0) * (similarity - 1 + margin)
    neg_logits = gamma * np.maximum(similarity + margin, 0.0) * (similarity - margin)
    return similarity, positive, negative, pos_logits, neg_logits


def circle(y_true, y_pred, *, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80.0, margin=0.4, reduction="mean", sample_weight=None):
    """Circle loss (Sun et al., 2020) on a batch of labelled unit embeddings, as Keras' ``circle``.

    .. math::
        \\begin{aligned}
        \\ell_i &= \\operatorname{softplus}\\Bigl(
            \\log \\sum_{j \\in P_i} e^{-\\gamma\\, \\alpha_{ij} (s_{ij} - \\Delta_p)}
          + \\log \\sum_{j \\in N_i} e^{\\gamma\\, \\alpha_{ij} (s_{ij} - \\Delta_n)}\\Bigr),\\\\
        \\alpha_{ij} &= [1 + m - s_{ij}]_+ \\ (j \\in P_i), \\quad
        \\alpha_{ij} = [s_{ij} + m]_+ \\ (j \\in N_i)
        \\end{aligned}

    with :math:`s_{ij} = 1 - \\max(0, 1 - \\langle e_i, r_j\\rangle)` the cosine between query
    :math:`i` and reference :math:`j` (capped at 1 as Keras does), :math:`P_i` the references of
    the same label (without :math:`j = i` when ``remove_diagonal``), :math:`N_i` the others,
    :math:`\\Delta_p = 1 - m`, :math:`\\Delta_n = m`, :math:`\\gamma` the scale and :math:`m`
    the relaxation margin. A row without positives (or negatives) has loss 0. Keras masks the
    rows whose loss is 0, so its ``"mean"`` divides by the number of rows with a positive
    loss, not by the batch size; this reference does the same. The weights
    :math:`\\alpha` are part of the gradient here (as in Keras), not held constant as in the
    authors' code.

    Args:
        y_true: integer labels ``[batch]``.
        y_pred: L2-normalised embeddings ``[batch, dim]``.
        ref_labels, ref_embeddings: the references (default: the batch itself).

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Sun, Cheng, Zhang, Zhang, Zheng, Wang and Wei, *Circle Loss: A Unified
    Perspective of Pair Similarity Optimization*, 2020.

    >>> e = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]  # row 0: softplus(-0.16 - 0.16)
    >>> round(float(circle([0, 0, 1], e, gamma=1.0, reduction="none")[0]), 6)
    0.545893
    """
    labels, queries, ref_labels, refs = circle_inputs(y_true, y_pred, ref_labels,
                                                      ref_embeddings, reduction)
    _, positive, negative, pos_logits, neg_logits = circle_logits(
        labels, queries @ refs.T, ref_labels, remove_diagonal, gamma, margin)
    total = _logsumexp(pos_logits, positive) + _logsumexp(neg_logits, negative)
    values = np.logaddexp(0.0, total)  # softplus; -inf (an empty side) gives 0
    loss = reduce(values, reduction, sample_weight)
    if reduction == "mean":  # Keras' mask: the mean over the rows with a positive loss
        valid = int(np.sum(values > 0))
        loss = loss * len(values) / valid if valid else 0.0
    return loss


def info_nce_inputs(y_true, y_pred, temperature, symmetric, reduction):
    """Unit anchors and positives, the logits ``a_i . p_j / tau`` and each anchor's positive."""
    check_reduction(reduction)
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=3)
    if y_pred.ndim != 3 or y_pred.shape[1] != 2:
        raise ValueError("`y_pred` must have shape [batch, 2, dim] (anchors, positives). "
                         f"Received: y_pred.shape={y_pred.shape}")
    batch = len(y_pred)
    targets = np.arange(batch)
    if y_true is not None:
        targets = as_label_array(y_true, "y_true", num_classes=batch)
        if targets.shape != (batch,):
            raise ValueError("`y_true` must be None or the index of each anchor's positive, "
                             f"shape [batch]. Received: y_true.shape={targets.shape}")
        if symmetric and len(np.unique(targets)) != batch:
            raise ValueError("`y_true` must be a permutation of 0..batch-1 for the symmetric "
                             "loss (each positive is the positive of one anchor). "
                             f"Received: y_true={targets.tolist()}")
    temperature = check_positive(temperature, "temperature")
    units = y_pred / norms(y_pred, "y_pred")[..., None]
    logits = units[:, 0] @ units[:, 1].T / temperature
    return units[:, 0], units[:, 1], logits, targets


def info_nce(y_true, y_pred, *, temperature=0.1, symmetric=False, reduction="mean",
             sample_weight=None):
    """InfoNCE / NT-Xent with in-batch negatives; ``symmetric=True`` is CLIP's loss.

    .. math::
        \\ell_i = -\\log \\frac{e^{\\cos(a_i, p_i)/\\tau}}
        {\\sum_{j=1}^{B} e^{\\cos(a_i, p_j)/\\tau}}

    with :math:`a_i, p_i` the two views of example :math:`i` (``y_pred[:, 0]`` and
    ``y_pred[:, 1]``), :math:`B` the batch size (the :math:`B - 1` other positives are the
    negatives of :math:`a_i`) and :math:`\\tau > 0` the temperature. It is cross-entropy over
    the rows of the logit matrix :math:`z_{ij} = \\cos(a_i, p_j)/\\tau` with the diagonal as
    the labels (anchors -> positives only; SimCLR's NT-Xent also counts the other view's rows
    as negatives). ``symmetric=True`` averages it with the same over the columns
    (positives -> anchors): :math:`\\tfrac12(\\ell_i^{a\\to p} + \\ell_i^{p\\to a})`, the loss
    of CLIP (Radford et al., 2021). A zero embedding has no cosine and is a ``ValueError``.

    Args:
        y_true: ``None`` (the positive of anchor :math:`i` is row :math:`i`), or the index of
            each anchor's positive, integers ``[batch]`` (a permutation for ``symmetric``).
        y_pred: ``[batch, 2, dim]`` stacking the two views.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: van den Oord, Li and Vinyals, *Representation Learning with Contrastive
    Predictive Coding*, 2018; Chen, Kornblith, Norouzi and Hinton, *SimCLR*, 2020.

    >>> views = [[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]]
    >>> round(info_nce(None, views, temperature=1.0), 6)  # log(1 + e^-1)
    0.313262
    """
    _, _, logits, targets = info_nce_inputs(y_true, y_pred, temperature, symmetric, reduction)
    rows = np.arange(len(logits))
    values = -log_softmax(logits, axis=-1)[rows, targets]
    if symmetric:  # column targets[i] has anchor i as its label
        values = 0.5 * (values - log_softmax(logits, axis=0)[rows, targets])
    return reduce(values, reduction, sample_weight)
