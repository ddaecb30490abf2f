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
    "compare your value with the definition worked out by hand for this input (labels y, "
    "distances d, margin m): which pairs are pulled together, which pushed apart, and only "
    "up to where?",
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
                "your penalty for a dissimilar pair inside the margin grows linearly with the "
                "shortfall: compare its power with the definition's."),
    ))

_ARCFACE = Exercise(
    "arcface", "ArcFace: an additive angular margin", "arcface",
    "compare your value with the definition worked out by hand for this input (integer "
    "labels, cosines with the classes on the last axis, margin m, scale s): which logit gets "
    "the margin, where is it added, and which logits are scaled?",
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
                "you changed the logits of every class: the margin belongs to one class of "
                "each sample."),
    ))

_SEMI_HARD = Exercise(
    "semi_hard_triplet", "Triplet loss with semi-hard mining", "triplet_semi_hard",
    "compare your value with the definition worked out by hand for this input: for each "
    "anchor and positive, which negative did you pick and with which distance, and what is "
    "averaged over what?",
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
                "you took the closest negative of all (batch-hard): check which negatives "
                "semi-hard mining may choose."),
        Mistake(_squared_semi_hard,
                "your values match squared distances: check which distance the definition "
                "uses."),
    ))

_INFO_NCE = Exercise(
    "info_nce", "InfoNCE with in-batch negatives", "info_nce",
    "compare your value with the definition worked out by hand for this input (y_pred[:, 0] "
    "the anchors, y_pred[:, 1] the positives, y_true each anchor's positive): what are the "
    "logits, along which axis does each softmax run, and which entry is the label?",
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
         "with τ = 0.01 the logits reach 100 and their exponentials overflow in float32: "
         "your cross-entropy must not exponentiate them as they are.", {"temperature": 0.01}),
    ],
    mistakes=(
        Mistake(lambda y, v, temperature=0.1: _nce(v, temperature, normalise=False),
                "your loss changes when a view is scaled, and a cosine does not: did you "
                "normalise the views?"),
        Mistake(lambda y, v, temperature=0.1: _nce(v, temperature, divide=False),
                "your loss moves the wrong way with τ: a small temperature should make the "
                "softmax sharper, not flatter."),
        Mistake(lambda y, v, temperature=0.1: _nce(v, temperature, columns=True),
                "your softmax runs down the columns of the anchor × positive matrix: each "
                "anchor competes over the positives."),
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
