"""The Classification chapter's exercises: stable BCE on logits, sparse cross-entropy via
log-sum-exp, and the knowledge-distillation loss."""

from __future__ import annotations

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake

__all__ = ["ALIASES", "EXERCISES"]

_SOFTPLUS = ("for logits this large σ(z) rounds to exactly 0 or 1, so a logarithm of 0 (or an "
             "exponential that overflows) appears; rewrite the loss on the logit itself so that "
             "neither can happen (the assignment's hint says where to start).")
_LSE = ("exponentials of logits this large overflow float64 (e^710 is inf); rearrange the "
        "logarithm of the sum of exponentials so that no exponent is ever positive.")


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, float)))


def _naive_bce(y, z):
    p = _sigmoid(z)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _bce_extremes(params, vary):
    return [
        ("logits ±1e4, right and wrong", [1.0, 0.0, 1.0, 0.0], [1e4, -1e4, -1e4, 1e4], _SOFTPLUS,
         {}),
        ("logits ±40 (σ(40) rounds to 1 in float64)", [1.0, 0.0, 0.0, 1.0],
         [40.0, -40.0, 40.0, -40.0], _SOFTPLUS, {}),
        ("soft labels 0.3 and 0.8", [0.3, 0.8, 0.3], [0.5, -2.0, 3.0],
         "labels may be any value in [0, 1], not only 0 and 1: does your function assume "
         "they are 0 or 1?", {}),
    ]


def _log_softmax(z, axis=-1):
    z = np.asarray(z, float)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _picked(values, labels):
    labels = np.asarray(labels).astype(int)
    return np.take_along_axis(values, labels[..., None], axis=-1)[..., 0]


def _sparse_extremes(params, vary):
    return [
        ("logits ±1e4", [0, 1], [[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]], _LSE, {}),
        # the true classes' logits are 0, so the loss (about 1000.69) is exact in float32 too
        ("logits of 1000 (exp overflows)", [2, 1], [[1000.0, 1000.0, 0.0], [1000.0, 0.0, 1000.0]],
         _LSE, {}),
    ]


def _softened(z, temperature):
    return _log_softmax(np.asarray(z, float) / temperature)


def _kl(log_p, log_q):
    return np.sum(np.exp(log_p) * (log_p - log_q), axis=-1)


def _distillation_extremes(params, vary):
    hint = ("with logits of ±1e4 some softened probabilities underflow to exactly 0 and "
            "their logarithm is −inf: compute the log-probabilities without ever taking the "
            "logarithm of a probability.")
    return [
        ("teacher and student logits ±1e4", [[1e4, -1e4, 0.0]], [[-1e4, 1e4, 0.0]], hint,
         {"temperature": 2.0}),
        ("student = teacher (loss 0)", [[1.0, -2.0, 0.5]], [[1.0, -2.0, 0.5]],
         "KL(p ‖ p) = 0 at every temperature.", {}),
    ]


_BCE = Exercise(
    "bce_logits", "Binary cross-entropy on logits, stable", "binary_crossentropy",
    "compare your value with the definition worked out by hand for this input (labels y, "
    "logits z).",
    params={"from_logits": True}, domain="binary",
    fixed=(("labels 0/1 and moderate logits", [1.0, 0.0, 1.0, 0.0], [2.0, -1.0, -0.5, 0.0]),),
    extremes=_bce_extremes,
    mistakes=(
        Mistake(lambda y, z, **_: -(y * np.log(np.clip(z, 1e-7, 1 - 1e-7))
                                    + (1 - y) * np.log(np.clip(1 - z, 1e-7, 1 - 1e-7))),
                "your values match Keras' from_logits=False, which reads y_pred as probabilities "
                "and clips them; here y_pred holds logits."),
        Mistake(lambda y, z, **_: np.maximum(z, 0.0) - y * z,
                "your values are right for large |z| but too low near z = 0: a term that "
                "matters only for small logits is missing."),
        Mistake(lambda y, z, **_: np.logaddexp(0.0, z) + y * z,
                "the term that couples the label and the logit has the wrong sign."),
    ))

_SPARSE = Exercise(
    "sparse_ce_logits", "Sparse categorical cross-entropy via log-sum-exp",
    "sparse_categorical_crossentropy",
    "compare your value with the definition worked out by hand for this input (integer "
    "labels, logits with the classes on the last axis).",
    params={"from_logits": True}, domain="sparse",
    fixed=(("three samples, three classes", [0, 2, 1],
            [[2.0, 1.0, 0.1], [0.5, 0.5, 3.0], [1.0, -1.0, 0.0]]),),
    extremes=_sparse_extremes,
    mistakes=(
        Mistake(lambda y, z, **_: -_picked(np.asarray(z, float), y),
                "you returned the true class's logit alone (negated): the normalisation over "
                "all the classes is missing."),
        Mistake(lambda y, z, **_: -_picked(_log_softmax(z, axis=0), y),
                "your normalisation runs over the samples (the first axis); the classes are on "
                "the last axis."),
        Mistake(lambda y, z, **_: _picked(_log_softmax(z), y),
                "your values are negative: check the sign of the log-probability you return."),
    ))

_DISTILLATION = Exercise(
    "distillation", "Knowledge-distillation loss", "knowledge_distillation",
    "compare your value with the definition worked out by hand for this input (the "
    "teacher's logits are y_true, the student's y_pred).",
    params={"temperature": 1.0}, grid={"temperature": (2.0, 4.0, 0.5)}, domain="logits",
    fixed=(("one sample, three classes", [[2.0, 0.0, -1.0]], [[0.5, 0.5, 0.0]]),),
    extremes=_distillation_extremes,
    mistakes=(
        Mistake(lambda t, s, temperature=1.0: _kl(_softened(t, temperature),
                                                  _softened(s, temperature)),
                "your values are too small by a factor that depends only on the temperature "
                "(compare T = 2 with T = 1): the definition's factor T² is missing (Hinton et "
                "al., 2015)."),
        Mistake(lambda t, s, temperature=1.0: temperature**2 * _kl(_softened(s, temperature),
                                                                   _softened(t, temperature)),
                "your KL divergence is reversed: its two distributions are in the wrong order "
                "(which of them should weight the sum?)."),
        Mistake(lambda t, s, temperature=1.0: temperature**2 * _kl(_log_softmax(t),
                                                                   _log_softmax(s)),
                "the temperature does not soften your distributions: check where T enters."),
    ))

EXERCISES = (_BCE, _SPARSE, _DISTILLATION)
#: other names a student may look for
ALIASES = {"binary_crossentropy": "bce_logits", "sparse_crossentropy": "sparse_ce_logits",
           "knowledge_distillation": "distillation"}
