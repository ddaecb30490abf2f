"""Evaluation numbers the chapters need that no well-kept library offers as such.

Accuracy, log loss, Brier score and the like come from scikit-learn; this module holds the
retrieval recall@k of metric learning (:func:`recall_at_k`, which scikit-learn lacks) and the
calibration numbers, with their binning stated: the **expected calibration error** (ECE) of
Guo, Pleiss, Sun and Weinberger, *On Calibration of Modern Neural Networks*, 2017, and the table
behind a reliability diagram.

Binning: ``bins`` equal-width intervals of the confidence on [0, 1], each closed on the right
and open on the left, ``(k/B, (k+1)/B]``, the first also holding 0 — Guo et al.'s binning,
15 bins by default. The confidence of an example is its largest predicted class probability and
it counts as correct when that class is its label (ties: the first class).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lossbook._validation import as_float_array, as_label_array, check_distribution, check_int

__all__ = ["ReliabilityTable", "expected_calibration_error", "recall_at_k", "reliability_table"]


class ReliabilityTable(NamedTuple):
    """Per confidence bin: its edges, how many examples fell in it, their mean confidence and
    their accuracy (NaN for an empty bin)."""

    edges: np.ndarray  # [bins + 1]
    counts: np.ndarray  # [bins]
    confidence: np.ndarray  # [bins]
    accuracy: np.ndarray  # [bins]


def _confidence_and_correct(y_true, probs):
    probs = as_float_array(probs, "probs", min_ndim=2)
    if probs.ndim != 2:
        raise ValueError("`probs` must have shape [examples, classes]. "
                         f"Received: probs.shape={probs.shape}")
    check_distribution(probs, "probs")
    labels = as_label_array(y_true, "y_true", num_classes=probs.shape[1])
    if labels.shape != (probs.shape[0],):
        raise ValueError(f"`y_true` must hold one integer label per row of `probs`, shape "
                         f"({probs.shape[0]},). Received: y_true.shape={labels.shape}")
    return probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(np.float64)


def reliability_table(y_true, probs, *, bins: int = 15) -> ReliabilityTable:
    """The reliability diagram's numbers: per equal-width confidence bin, the count, the mean
    confidence and the accuracy.

    Args:
        y_true: integer labels ``[examples]``.
        probs: predicted class probabilities ``[examples, classes]`` (rows summing to 1; for a
            binary model pass ``[1 - p, p]``).
        bins: the number of equal-width bins on [0, 1].

    >>> table = reliability_table([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], bins=2)
    >>> table.counts.tolist(), table.accuracy.tolist()
    ([0, 3], [nan, 0.6666666666666666])
    """
    bins = check_int(bins, "bins", minimum=1)
    confidence, correct = _confidence_and_correct(y_true, probs)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # bin k holds (edges[k], edges[k + 1]]; a confidence of exactly 0 goes to the first bin
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, confidence, minlength=bins) / counts
        accuracy = np.bincount(index, correct, minlength=bins) / counts
    return ReliabilityTable(edges, counts, mean_confidence, accuracy)


def expected_calibration_error(y_true, probs, *, bins: int = 15) -> float:
    """Expected calibration error: :math:`\\sum_b \\frac{n_b}{N}\\,|\\mathrm{acc}_b -
    \\mathrm{conf}_b|` over ``bins`` equal-width confidence bins (Guo et al., 2017).

    Arguments as in :func:`reliability_table`. 0 for a calibrated model; it depends on the
    binning, so report ``bins`` with it.

    >>> probs = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]  # one bin: accuracy 2/3, confidence 23/30
    >>> round(expected_calibration_error([0, 1, 1], probs, bins=2), 12)
    0.1
    """
    table = reliability_table(y_true, probs, bins=bins)
    filled = table.counts > 0
    weights = table.counts[filled] / table.counts.sum()
    return float(np.sum(weights * np.abs(table.accuracy[filled] - table.confidence[filled])))


def recall_at_k(embeddings, labels, k: int = 1, *, gallery=None, gallery_labels=None,
                metric: str = "euclidean") -> float:
    """Recall@k of retrieval: the fraction of queries with a same-label item among their ``k``
    nearest neighbours (Song et al., *Deep Metric Learning via Lifted Structured Feature
    Embedding*, 2016, the metric of the metric-learning literature).

    Without ``gallery`` every embedding is a query and the others are its gallery (leave one
    out); with it, the queries are searched in ``gallery``. ``metric``: ``"euclidean"`` or
    ``"cosine"`` (1 - cosine similarity). Ties in distance go to the lower gallery index.
    scikit-learn has no retrieval recall@k (``top_k_accuracy_score`` ranks classes, not
    items), hence this function.

    >>> points = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> recall_at_k(points, [0, 0, 1, 1], k=1), recall_at_k(points, [0, 1, 0, 1], k=1)
    (1.0, 0.0)
    """
    queries = as_float_array(embeddings, "embeddings", min_ndim=2)
    query_labels = as_label_array(labels, "labels")
    k = check_int(k, "k", minimum=1)
    if metric not in ("euclidean", "cosine"):
        raise ValueError("`metric` must be 'euclidean' or 'cosine'. "
                         f"Received: metric={metric!r}")
    leave_one_out = gallery is None
    items = queries if leave_one_out else as_float_array(gallery, "gallery", min_ndim=2)
    item_labels = query_labels if leave_one_out else as_label_array(gallery_labels,
                                                                    "gallery_labels")
    if queries.ndim != 2 or len(query_labels) != len(queries) or len(item_labels) != len(items):
        raise ValueError("`embeddings` [n, dim] and `labels` [n] (and `gallery`, "
                         "`gallery_labels`) must have one label per row. Received: "
                         f"embeddings.shape={queries.shape}, labels.shape={query_labels.shape}")
    if k > len(items) - leave_one_out:
        raise ValueError(f"`k` must be at most the gallery size {len(items) - leave_one_out}. "
                         f"Received: k={k}")
    if metric == "cosine":
        lengths = np.linalg.norm(queries, axis=1)[:, None] * np.linalg.norm(items, axis=1)
        if np.any(lengths == 0):
            raise ValueError("`embeddings` must not contain all-zero vectors for the cosine "
                             "metric. Received: a zero vector")
        distances = 1.0 - queries @ items.T / lengths
    else:
        distances = np.sum((queries[:, None, :] - items[None, :, :]) ** 2, axis=-1)
    if leave_one_out:
        np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(item_labels[nearest] == query_labels[:, None], axis=1)))
