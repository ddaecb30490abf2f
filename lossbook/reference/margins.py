"""Margin-based classification losses: hinge, squared hinge, categorical and multi-class hinge.

The inputs are raw scores (not probabilities). Binary labels are {-1, 1}, or {0, 1} mapped to
{-1, 1} as Keras does; one label set per call, anything else is a ``ValueError``.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    check_binary_labels,
    check_distribution,
    check_in_choices,
    check_positive,
    reduce,
)
from lossbook.reference._common import labels_and_scores, mean_last, pair

__all__ = ["categorical_hinge", "hinge", "multi_margin", "squared_hinge"]


def signed_labels(y_true):
    """Labels in {-1, 1}; {0, 1} labels are mapped by ``2y - 1`` (Keras' rule)."""
    check_binary_labels(y_true, "y_true", allowed=(-1.0, 0.0, 1.0))
    if np.any(y_true == -1) and np.any(y_true == 0):
        raise ValueError(
            "`y_true` must use one label set: {-1, 1} or {0, 1}, not both. "
            f"Received: y_true with values {np.unique(y_true).tolist()}"
        )
    return 2.0 * y_true - 1.0 if not np.any(y_true == -1) else y_true


def hinge_margins(y_true, y_pred, reduction):
    """The hinge terms ``max(0, 1 - y s)`` element by element."""
    y_true, y_pred = pair(y_true, y_pred, reduction)
    return np.maximum(0.0, 1.0 - signed_labels(y_true) * y_pred)


def hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Hinge loss (the soft-margin SVM loss) on raw scores.

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} \\max(0,\\, 1 - y_{ij} s_{ij})

    with :math:`y \\in \\{-1, 1\\}` the labels ({0, 1} is mapped to {-1, 1}), :math:`s` the
    scores and :math:`D` the size of the last axis (1 for a 1-D input). Not torch
    ``HingeEmbeddingLoss``, which takes distances (trap 16).

    Args:
        y_true: labels, ``[batch]`` or ``[batch, ..., outputs]``.
        y_pred: scores, same shape.

    Returns:
        A float, or ``[batch, ...]`` for ``reduction="none"``.

    Reference: Cortes and Vapnik, *Support-Vector Networks*, 1995.

    >>> hinge([1.0, 0.0], [0.3, 0.3])  # (max(0, 1 - 0.3) + max(0, 1 + 0.3)) / 2
    1.0
    """
    return reduce(mean_last(hinge_margins(y_true, y_pred, reduction)), reduction, sample_weight)


def squared_hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Squared hinge loss: the hinge term squared (differentiable at the margin).

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} \\max(0,\\, 1 - y_{ij} s_{ij})^2

    Symbols and shapes as in :func:`hinge`.

    Reference: Cortes and Vapnik, *Support-Vector Networks*, 1995 (the L2-SVM).

    >>> squared_hinge([1.0, 0.0], [0.5, 0.5])  # (0.5^2 + 1.5^2) / 2
    1.25
    """
    margins = hinge_margins(y_true, y_pred, reduction)
    return reduce(mean_last(margins**2), reduction, sample_weight)


def categorical_hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Categorical (Crammer–Singer) hinge: the true score must beat the best wrong one by 1.

    .. math::
        \\ell_i = \\max\\bigl(0,\\, 1 + \\max_{c \\ne y_i} s_{ic} - s_{i y_i}\\bigr)

    with one-hot labels (:math:`y_i` the hot class) and scores :math:`s_i` over :math:`C`
    classes. Keras ``CategoricalHinge`` computes the maximum over :math:`(1 - y) \\odot s`,
    which includes a 0 for the true class: it agrees with this definition only when the best
    wrong score is :math:`\\ge 0`. Not torch ``MultiMarginLoss`` (see :func:`multi_margin`,
    trap 15).

    Args:
        y_true: one-hot labels ``[batch, classes]``.
        y_pred: scores ``[batch, classes]``.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Crammer and Singer, *On the Algorithmic Implementation of Multiclass
    Kernel-based Vector Machines*, 2001.

    >>> categorical_hinge([[0.0, 1.0, 0.0]], [[2.0, 1.0, 0.0]])  # 1 + 2 - 1
    2.0
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_binary_labels(y_true, "y_true")
    check_distribution(y_true, "y_true")  # one hot class per row
    true_score = np.sum(y_true * y_pred, axis=-1)
    best_wrong = np.max(np.where(y_true == 1, -np.inf, y_pred), axis=-1)
    return reduce(np.maximum(0.0, 1.0 + best_wrong - true_score), reduction, sample_weight)


def multi_margin(y_true, y_pred, *, margin=1.0, p=1, reduction="mean", sample_weight=None):
    """Multi-class margin loss (Weston–Watkins), as torch ``MultiMarginLoss(p, margin)``.

    .. math::
        \\ell_i = \\frac{1}{C} \\sum_{c \\ne y_i} \\max(0,\\, m - s_{i y_i} + s_{ic})^{p}

    with :math:`y_i` the integer label, :math:`s_i` the scores over :math:`C` classes,
    :math:`m > 0` the margin and :math:`p \\in \\{1, 2\\}` (torch allows only these). Every
    wrong class inside the margin counts (a sum, divided by :math:`C`), where
    :func:`categorical_hinge` keeps only the worst (trap 15).

    Args:
        y_true: integer labels ``[batch]``.
        y_pred: scores ``[batch, classes]``.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Weston and Watkins, *Support Vector Machines for Multi-Class Pattern
    Recognition*, 1999.

    >>> multi_margin([1], [[2.0, 1.0, 0.0]])  # (max(0, 1-1+2) + max(0, 1-1+0)) / 3
    0.6666666666666666
    """
    labels, y_pred = labels_and_scores(y_true, y_pred, reduction)
    margin = check_positive(margin, "margin")
    check_in_choices(p, "p", (1, 2))
    true_score = np.take_along_axis(y_pred, labels[..., None], axis=-1)
    terms = np.maximum(0.0, margin - true_score + y_pred) ** p
    wrong = np.arange(y_pred.shape[-1]) != labels[..., None]
    return reduce(np.sum(terms * wrong, axis=-1) / y_pred.shape[-1], reduction, sample_weight)
