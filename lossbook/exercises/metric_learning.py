"""The Metric-learning chapter's exercises: the contrastive loss, ArcFace, semi-hard triplet
mining and InfoNCE."""

from __future__ import annotations

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake

__all__ = ["ALIASES", "EXERCISES"]


def _distances(embeddings):
    embeddings = np.asarray(embeddings, float)
    return np.sqrt(np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1))


def _masks(labels):
    labels = np.asarray(labels).astype(int)
    same = labels[:, None] == labels[None, :]
    return same & ~np.eye(len(labels), dtype=bool), ~same


def _hardest_negative(labels, embeddings, margin=1.0):
    distances = _distances(embeddings)
    positive, negative = _masks(labels)
    closest = np.min(np.where(negative, distances, np.inf), axis=1, keepdims=True)
    hinge = np.maximum(0.0, distances - closest + margin) * positive
    return hinge.sum(1) / positive.sum(1)


def _squared_semi_hard(labels, embeddings, margin=1.0):
    from lossbook.reference.mining import semi_hard_negatives

    distances = _distances(embeddings) ** 2  # the mistake: squared Euclidean distances
    positive, negative = _masks(labels)
    rows = np.arange(len(distances))[:, None]
    chosen = distances[rows, semi_hard_negatives(distances, positive, negative)]
    return (np.maximum(0.0, distances - chosen + margin) * positive).sum(1) / positive.sum(1)


def _unit(vectors):
    vectors = np.asarray(vectors, float)
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _row_ce(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.diag(log_probs)


def _nce(views, temperature, normalise=True, divide=True, columns=False):
    views = _unit(views) if normalise else np.asarray(views, float)
    logits = views[:, 0] @ views[:, 1].T
    logits = logits / temperature if divide else logits * temperature
    return _row_ce(logits.T if columns else logits)


_CONTRASTIVE = Exercise(
    "contrastive", "Contrastive loss of a Siamese network", "contrastive",
    "with y = 1 for a similar pair, 0 for a dissimilar one, d ≥ 0 the pair's distance and m the "
    "margin, the loss is y·d² + (1 − y)·max(0, m − d)², averaged over all elements.",
    params={"margin": 1.0}, grid={"margin": (1.0, 1.5, 0.5)}, domain="pairs",
    fixed=(("two similar and two dissimilar pairs", [1.0, 1.0, 0.0, 0.0],
            [0.0, 0.5, 0.5, 1.5]),),
    extremes=lambda params, vary: [
        ("identical embeddings (d = 0)", [1.0, 0.0], [0.0, 0.0],
         "a similar pair at distance 0 costs nothing; a dissimilar one costs the margin squared.",
         {}),
        ("distances far beyond the margin", [1.0, 0.0], [50.0, 50.0],
         "dissimilar pairs beyond the margin cost 0; similar pairs cost their distance squared.",
         {})],
    mistakes=(
        Mistake(lambda y, d, margin=1.0: (1 - y) * d**2 + y * np.maximum(0.0, margin - d) ** 2,
                "the roles of the labels are swapped: here y = 1 marks a similar pair, whose "
                "distance should shrink."),
        Mistake(lambda y, d, margin=1.0: y * d**2 + (1 - y) * np.maximum(0.0, margin - d),
                "the dissimilar term is squared too, like the similar one."),
    ))

_ARCFACE = Exercise(
    "arcface", "ArcFace: an additive angular margin", "arcface",
    "with cosines c (y_pred, [batch, classes]) and integer labels y, ArcFace is the softmax "
    "cross-entropy of the logits s·c, except the label's, which becomes s·cos(θ + m) with "
    "θ = arccos(c_y); averaged over the samples.",
    params={"margin": 0.5, "scale": 64.0}, grid={"margin": (0.5, 0.3, 0.2), "scale": (64.0, 8.0,
                                                                                      30.0)},
    domain="cosines",
    fixed=(("two samples, three classes", [0, 2], [[0.8, 0.1, -0.3], [0.2, 0.5, 0.4]]),),
    gradient_cases=(("a wrong class at cosine 1 (an embedding on its weight)", [0, 1],
                     [[0.3, 1.0, -0.2], [-1.0, 0.4, 0.1]]),),
    extremes=lambda params, vary: [
        ("cosines exactly 1 and -1", [0, 1], [[1.0, -1.0, 0.0], [1.0, -1.0, 0.5]],
         "at |cos| = 1 the sine of the angle is 0: the value is finite, and so must the gradient "
         "be; watch the square root of 1 − c², which rounding can make negative.", {}),
    ],
    mistakes=(
        Mistake(lambda y, c, margin=0.5, scale=64.0: _arc_ce(y, c, scale * (
            np.asarray(c, float) - margin * np.eye(np.shape(c)[-1])[np.asarray(y, int)])),
                "you subtracted the margin from the cosine (that is CosFace, AM-softmax); "
                "ArcFace adds it to the angle.", elementwise=True),
        Mistake(lambda y, c, margin=0.5, scale=64.0: _arc_ce(y, c, scale * np.cos(
            np.arccos(np.clip(c, -1, 1)) + margin)),
                "the margin goes on the label's class only; the other classes keep s·cos θ."),
    ))

_SEMI_HARD = Exercise(
    "semi_hard_triplet", "Triplet loss with semi-hard mining", "triplet_semi_hard",
    "in a batch of labelled embeddings, for every anchor and every positive p (same label, not "
    "the anchor) take the closest negative that is farther than the positive (if none is, the "
    "farthest negative) and add max(0, d(a, p) − d(a, n) + m) with Euclidean distances; each "
    "anchor's value is the mean over its positives, the loss the mean over anchors.",
    params={"margin": 1.0}, grid={"margin": (1.0, 0.2, 0.5)}, domain="mining",
    fixed=(("four points on a line, two labels", [0, 0, 1, 1], [[0.0], [0.5], [1.0], [3.0]]),),
    extremes=lambda params, vary: [
        ("every embedding the same (collapsed)", [0, 0, 1, 1], np.zeros((4, 3)),
         "all distances are 0: every triplet costs exactly the margin.", {}),
        ("no negative farther than the positives", [0, 0, 1, 1],
         [[0.0, 0.0], [10.0, 0.0], [0.1, 0.0], [10.1, 0.0]],
         "when no negative is farther than the positive, semi-hard mining falls back to the "
         "farthest negative.", {}),
    ],
    mistakes=(
        Mistake(_hardest_negative,
                "you took the closest negative of all (batch-hard); semi-hard mining takes the "
                "closest negative that is still farther than the positive."),
        Mistake(_squared_semi_hard,
                "the distances are Euclidean, not squared Euclidean."),
    ))

_INFO_NCE = Exercise(
    "info_nce", "InfoNCE with in-batch negatives", "info_nce",
    "with two views per example (y_pred[:, 0] the anchors, y_pred[:, 1] the positives), the "
    "logits are the cosines between every anchor and every positive divided by the temperature "
    "τ; the loss of anchor i is the cross-entropy of its row with its own positive as the "
    "label; averaged over the anchors. y_true gives each anchor's positive (here, its own row).",
    params={"temperature": 0.1}, grid={"temperature": (0.1, 0.5, 1.0)}, domain="views",
    fixed=(("two pairs of orthogonal views", [0, 1],
            [[[1.0, 0.0], [2.0, 0.0]], [[0.0, 3.0], [0.0, 1.0]]]),),
    extremes=lambda params, vary: [
        ("views of lengths 1e-3 and 1e3", [0, 1, 2],
         np.array([[[1.0, 0.2], [1e3, 0.0]], [[0.0, 1e-3], [-1e3, 1e3]],
                   [[1e3, -1e3], [1e-3, -2e-3]]]),
         "the logits are cosines: the length of an embedding must not matter.", {}),
        ("a small temperature, 0.01", [0, 1, 2],
         np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]], [[1.0, 1.0], [1.0, 0.9]]]),
         "with τ = 0.01 the logits reach 100: exp overflows unless the row maximum is "
         "subtracted first (log-sum-exp).", {"temperature": 0.01}),
    ],
    mistakes=(
        Mistake(lambda y, v, temperature=0.1: _nce(v, temperature, normalise=False),
                "the logits are cosine similarities: normalise each view to length 1 first."),
        Mistake(lambda y, v, temperature=0.1: _nce(v, temperature, divide=False),
                "the temperature divides the cosines; a small τ sharpens the softmax."),
        Mistake(lambda y, v, temperature=0.1: _nce(v, temperature, columns=True),
                "the softmax of anchor i runs over the positives, along its row of the "
                "anchor × positive matrix, not down its column."),
    ))


def _arc_ce(labels, cosines, logits):
    labels = np.asarray(labels).astype(int)
    logits = np.asarray(logits, float)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]


EXERCISES = (_CONTRASTIVE, _ARCFACE, _SEMI_HARD, _INFO_NCE)
#: other names a student may look for
ALIASES = {"siamese": "contrastive", "semi_hard": "semi_hard_triplet", "triplet_semi_hard":
           "semi_hard_triplet", "nt_xent": "info_nce", "infonce": "info_nce"}
