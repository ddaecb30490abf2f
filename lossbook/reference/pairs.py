"""Similarity and metric-learning losses: cosine, contrastive, triplet, additive-margin softmax.

Conventions (Keras' ``keras.losses`` has no contrastive or triplet loss, so these are ours):

- :func:`contrastive`: ``y_true`` in {0, 1} with **1 = similar pair**, ``y_pred`` the distance
  :math:`d \\ge 0` between the two embeddings, shape ``[batch]``.
- :func:`triplet`: ``y_true=None``; ``y_pred`` of shape ``[batch, 3, dim]`` stacks anchor,
  positive and negative embeddings.
- :func:`am_softmax`: integer labels ``[batch]`` and cosine similarities ``[batch, classes]``.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    as_float_array,
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

__all__ = ["am_softmax", "contrastive", "cosine_similarity", "triplet"]


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
