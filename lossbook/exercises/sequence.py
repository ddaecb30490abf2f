"""The Sequence chapter's exercises: the masked per-token cross-entropy (padding = -100) and
perplexity, both on logits ``[batch, ..., classes]``."""

from __future__ import annotations

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake

__all__ = ["ALIASES", "EXERCISES"]

_MASK = ("positions whose label is the padding value (-100) are no tokens: they add nothing to the "
         "sum and are not counted in the number of tokens the sum is divided by.")
_LSE = ("logits of ±1e4 overflow the exponential, or round a probability to 0 and its logarithm "
        "to −∞: the log-probabilities must come out without either.")


def _log_softmax(z):
    z = np.asarray(z, float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _token_nll(y_true, y_pred):
    """Per-position NLL (0 at padding) and the valid-position mask."""
    labels = np.asarray(y_true).astype(int)
    valid = labels != -100
    picked = np.take_along_axis(_log_softmax(y_pred), np.where(valid, labels, 0)[..., None],
                                axis=-1)[..., 0]
    return np.where(valid, -picked, 0.0), valid


def _padding_counted(y_true, y_pred, **params):
    nll, _ = _token_nll(y_true, y_pred)
    return nll.sum() / nll.size  # divided by every position, padding included


def _sequence_average(y_true, y_pred, **params):
    nll, valid = _token_nll(y_true, y_pred)
    if nll.ndim < 2:
        return np.nan
    rows, counts = nll.reshape(len(nll), -1), valid.reshape(len(valid), -1).sum(axis=1)
    return np.mean(rows.sum(axis=1) / counts)


def _mean_of_perplexities(y_true, y_pred, **params):
    nll, valid = _token_nll(y_true, y_pred)
    if nll.ndim < 2:
        return np.nan
    rows, counts = nll.reshape(len(nll), -1), valid.reshape(len(valid), -1).sum(axis=1)
    return np.mean(np.exp(rows.sum(axis=1) / counts))


def _base_two(y_true, y_pred, **params):
    nll, valid = _token_nll(y_true, y_pred)
    return 2.0 ** (nll.sum() / valid.sum())


def _no_exp(y_true, y_pred, **params):
    nll, valid = _token_nll(y_true, y_pred)
    return nll.sum() / valid.sum()


_PADDED = ("two padded sequences (label -100 after the end)", [[2, 0, 1, -100], [1, 2, -100, -100]],
           [[[1.0, 0.5, -1.0], [2.0, -1.0, 0.0], [0.0, 0.0, 3.0], [5.0, -5.0, 0.0]],
            [[0.2, 0.1, 0.3], [-1.0, 2.0, 0.5], [9.0, 9.0, 9.0], [1.0, 2.0, 3.0]]])
_FIXED = (
    ("one sequence, no padding", [[0, 2, 1]],
     [[[2.0, 0.0, -1.0], [0.5, 0.5, 1.5], [-2.0, 3.0, 0.0]]]),
    _PADDED,
)


def _extremes(params, vary):
    return [
        ("logits ±1e4 at real and padded steps", [[0, 1, -100], [1, -100, -100]],
         [[[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]],
          [[0.0, 1e4, -1e4], [1e4, 0.0, 0.0], [0.0, 0.0, 1e4]]], _LSE, {}),
        ("a padding step whose logits favour class 0", [[1, -100]],
         [[[0.0, 2.0, 0.0], [50.0, 0.0, 0.0]]], _MASK, {}),
    ]


def _perplexity_extremes(params, vary):
    return [
        ("uniform logits over 3 classes (perplexity exactly 3)", [[0, 1, 2, -100]],
         [[[4.0, 4.0, 4.0]] * 4], "a model that is uniform over k classes has perplexity k.", {}),
        ("confident and right: logits ±30 (perplexity near 1)", [[0, 1], [2, -100]],
         [[[30.0, -30.0, -30.0], [-30.0, 30.0, -30.0]],
          [[-30.0, -30.0, 30.0], [0.0, 0.0, 0.0]]], _LSE, {}),
    ]


_MASKED_CE = Exercise(
    "masked_sequence_ce", "Per-token cross-entropy of padded sequences (padding -100)",
    "sparse_categorical_crossentropy",
    "for logits z [..., C] and labels y (−100 at padding), the loss is the mean over the real "
    "tokens of −log softmax(z)_y: summed over the real tokens, divided by how many there are.",
    params={"from_logits": True, "ignore_class": -100}, domain="sparse", fixed=_FIXED,
    extremes=_extremes,
    mistakes=(
        Mistake(_padding_counted, "your value is the mean over every position, padding included: "
                + _MASK, elementwise=False),
        Mistake(_sequence_average, "your value averages each sequence first, then the sequences: "
                "the exercise wants every real token to count once (the token mean).",
                elementwise=False),
    ),
)

_PERPLEXITY = Exercise(
    "perplexity", "Perplexity of padded sequences (padding -100)", "perplexity",
    "perplexity is the exponential (base e) of the mean negative log-likelihood per real token, "
    "the mean taken over all real tokens of the batch together.",
    params={"from_logits": True, "ignore_class": -100}, domain="sparse", fixed=_FIXED,
    extremes=_perplexity_extremes,
    mistakes=(
        Mistake(_mean_of_perplexities, "your value is the mean of per-sequence perplexities; the "
                "corpus perplexity exponentiates the mean over all tokens together.",
                elementwise=False),
        Mistake(_base_two, "you raised 2 to the mean NLL, but the NLL is in nats (natural log): "
                "use the base that matches the logarithm.", elementwise=False),
        Mistake(_no_exp, "your value is the mean NLL itself: perplexity is its exponential.",
                elementwise=False),
        Mistake(_padding_counted, "padding seems to count: " + _MASK, elementwise=False),
    ),
)

EXERCISES = (_MASKED_CE, _PERPLEXITY)
ALIASES = {"sequence_ce": "masked_sequence_ce", "ppl": "perplexity"}
