"""Triplet losses with in-batch mining: batch-all, batch-hard and semi-hard.

Inputs as Keras' ``Circle``: integer labels ``y_true`` ``[batch]`` and embeddings ``y_pred``
``[batch, dim]``; every anchor's triplets are formed inside the batch, with Euclidean
distances :math:`d_{ij} = \\lVert e_i - e_j \\rVert_2`. Every label must occur at least
twice and the batch must hold two labels or more (a "PK" batch,
:func:`lossbook.data.pk_batches`), or an anchor has no positive or no negative.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    check_positive,
    reduce,
)
from lossbook.reference.pairs import labelled_embeddings

__all__ = ["triplet_batch_all", "triplet_batch_hard", "triplet_semi_hard"]


def mining_inputs(y_true, y_pred, reduction):
    """Labels, the distance matrix and the positive / negative masks of a batch, checked."""
    labels, embeddings = labelled_embeddings(y_true, y_pred, reduction)
    values, counts = np.unique(labels, return_counts=True)
    if len(values) < 2 or counts.min() < 2:
        raise ValueError("`y_true` must hold at least two classes, each at least twice, so that "
                         "every anchor has a positive and a negative in the batch. Received: "
                         f"y_true with label counts {dict(zip(values, counts, strict=True))}")
    difference = embeddings[:, None, :] - embeddings[None, :, :]
    distances = np.sqrt(np.sum(difference**2, axis=-1))
    same = labels[:, None] == labels[None, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    return distances, positive, ~same


def semi_hard_negatives(distances, positive, negative):
    """For each (anchor, positive): the index of the closest negative farther than the positive,
    or of the farthest negative when none is farther; ``[batch, batch]``."""
    to_negative = np.where(negative, distances, np.nan)[:, None, :]  # [anchor, 1, negative]
    farther = to_negative > distances[:, :, None]  # [anchor, positive, negative]
    semi_hard = np.argmin(np.where(farther, to_negative, np.inf), axis=-1)
    farthest = np.argmax(np.where(negative, distances, -np.inf), axis=1)[:, None]
    return np.where(np.any(farther, axis=-1), semi_hard, farthest)


def triplet_batch_all(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    """Triplet loss averaged over every triplet of the batch (batch-all).

    .. math::
        \\ell_i = \\frac{1}{|P_i|\\,|N_i|} \\sum_{p \\in P_i} \\sum_{n \\in N_i}
        \\max(0,\\, d_{ip} - d_{in} + m)

    with :math:`P_i` the other examples of :math:`i`'s label, :math:`N_i` those of other
    labels. (Hermans et al. average over the non-zero triplets only; this is the plain mean.)

    Reference: Hermans, Beyer and Leibe, *In Defense of the Triplet Loss for Person
    Re-Identification*, 2017.

    >>> triplet_batch_all([0, 0, 1, 1], [[0.0], [0.5], [1.0], [3.0]], reduction="none")
    array([0.25, 0.5 , 2.25, 0.25])
    """
    distances, positive, negative = mining_inputs(y_true, y_pred, reduction)
    margin = check_positive(margin, "margin")
    hinge = np.maximum(0.0, distances[:, :, None] - distances[:, None, :] + margin)
    triplets = positive[:, :, None] & negative[:, None, :]
    values = np.sum(hinge * triplets, axis=(1, 2)) / np.sum(triplets, axis=(1, 2))
    return reduce(values, reduction, sample_weight)


def triplet_batch_hard(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    """Triplet loss on each anchor's hardest positive and hardest negative (batch-hard).

    .. math::
        \\ell_i = \\max\\bigl(0,\\, \\max_{p \\in P_i} d_{ip} - \\min_{n \\in N_i} d_{in}
        + m\\bigr)

    Reference: Hermans, Beyer and Leibe, 2017.

    >>> triplet_batch_hard([0, 0, 1, 1], [[0.0], [0.5], [1.0], [3.0]], reduction="none")
    array([0.5, 1. , 2.5, 0.5])
    """
    distances, positive, negative = mining_inputs(y_true, y_pred, reduction)
    margin = check_positive(margin, "margin")
    hardest_positive = np.max(np.where(positive, distances, -np.inf), axis=1)
    hardest_negative = np.min(np.where(negative, distances, np.inf), axis=1)
    return reduce(np.maximum(0.0, hardest_positive - hardest_negative + margin), reduction,
                  sample_weight)


def triplet_semi_hard(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    """Triplet loss with semi-hard negatives (Schroff et al., 2015), per anchor.

    For each positive pair :math:`(i, p)` the negative is the *closest negative farther than
    the positive*, :math:`n^* = \\arg\\min \\{d_{in} : n \\in N_i,\\ d_{in} > d_{ip}\\}`; when no
    negative is farther, the farthest negative (TensorFlow Addons' ``TripletSemiHardLoss``
    rule). Then

    .. math::
        \\ell_i = \\frac{1}{|P_i|} \\sum_{p \\in P_i} \\max(0,\\, d_{ip} - d_{i n^*} + m).

    Semi-hard negatives avoid the collapse the hardest negatives cause early in training.

    Reference: Schroff, Kalenichenko and Philbin, *FaceNet*, 2015.

    >>> triplet_semi_hard([0, 0, 1, 1], [[0.0], [0.5], [1.0], [3.0]], reduction="none")
    array([0.5, 0. , 2. , 0.5])
    """
    distances, positive, negative = mining_inputs(y_true, y_pred, reduction)
    margin = check_positive(margin, "margin")
    rows = np.arange(len(distances))[:, None]
    chosen = distances[rows, semi_hard_negatives(distances, positive, negative)]
    hinge = np.maximum(0.0, distances - chosen + margin)
    values = np.sum(hinge * positive, axis=1) / np.sum(positive, axis=1)
    return reduce(values, reduction, sample_weight)
