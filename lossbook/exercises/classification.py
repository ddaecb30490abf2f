"""The Classification chapter's exercises: stable BCE on logits, sparse cross-entropy via
log-sum-exp, and the knowledge-distillation loss."""

from __future__ import annotations

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake

__all__ = ["ALIASES", "EXERCISES"]

_SOFTPLUS = ("on logits, −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z, and "
             "softplus(z) = max(z, 0) + log(1 + e^(−|z|)): exp never sees a positive number and "
             "no log(0) appears, so logits of ±1e4 stay exact.")
_LSE = ("−log softmax(z)_y = logsumexp(z) − z_y, with logsumexp(z) = m + log Σ_c e^(z_c − m) and "
        "m = max_c z_c: every exponent is ≤ 0, so logits of ±1e4 cannot overflow.")


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
         "the formula holds for any label y in [0, 1], not only 0 and 1.", {}),
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
    hint = ("use log-softmax for both softened distributions: log p − log q is then finite "
            "even where p or q underflows to 0.")
    return [
        ("teacher and student logits ±1e4", [[1e4, -1e4, 0.0]], [[-1e4, 1e4, 0.0]], hint,
         {"temperature": 2.0}),
        ("student = teacher (loss 0)", [[1.0, -2.0, 0.5]], [[1.0, -2.0, 0.5]],
         "KL(p ‖ p) = 0 at every temperature.", {}),
    ]


_BCE = Exercise(
    "bce_logits", "Binary cross-entropy on logits, stable", "binary_crossentropy",
    "BCE on logits z with labels y is −[y log σ(z) + (1 − y) log(1 − σ(z))], averaged over all "
    "elements; " + _SOFTPLUS,
    params={"from_logits": True}, domain="binary",
    fixed=(("labels 0/1 and moderate logits", [1.0, 0.0, 1.0, 0.0], [2.0, -1.0, -0.5, 0.0]),),
    extremes=_bce_extremes,
    mistakes=(
        Mistake(lambda y, z, **_: -(y * np.log(np.clip(z, 1e-7, 1 - 1e-7))
                                    + (1 - y) * np.log(np.clip(1 - z, 1e-7, 1 - 1e-7))),
                "you treated the logits as probabilities (Keras' from_logits=False clips them to "
                "[1e-7, 1 − 1e-7]); apply the sigmoid, or better the softplus form."),
        Mistake(lambda y, z, **_: np.maximum(z, 0.0) - y * z,
                "you dropped the log(1 + e^(−|z|)) term of softplus(z) = max(z, 0) + "
                "log(1 + e^(−|z|)); it matters for small logits."),
        Mistake(lambda y, z, **_: np.logaddexp(0.0, z) + y * z,
                "the sign of y·z: BCE on logits is softplus(z) − y·z."),
    ))

_SPARSE = Exercise(
    "sparse_ce_logits", "Sparse categorical cross-entropy via log-sum-exp",
    "sparse_categorical_crossentropy",
    "with integer labels y and logits z (classes on the last axis), the loss of a sample is "
    "−log softmax(z)_y = logsumexp(z) − z_y, averaged over the samples; " + _LSE,
    params={"from_logits": True}, domain="sparse",
    fixed=(("three samples, three classes", [0, 2, 1],
            [[2.0, 1.0, 0.1], [0.5, 0.5, 3.0], [1.0, -1.0, 0.0]]),),
    extremes=_sparse_extremes,
    mistakes=(
        Mistake(lambda y, z, **_: -_picked(np.asarray(z, float), y),
                "you returned −z_y alone; the loss is logsumexp(z) − z_y (the normaliser of the "
                "softmax is missing)."),
        Mistake(lambda y, z, **_: -_picked(_log_softmax(z, axis=0), y),
                "the softmax runs over the classes, the last axis, not over the samples."),
        Mistake(lambda y, z, **_: _picked(_log_softmax(z), y),
                "the sign: the loss is −log softmax(z)_y, a positive number."),
    ))

_DISTILLATION = Exercise(
    "distillation", "Knowledge-distillation loss", "knowledge_distillation",
    "with p = softmax(t / T) from the teacher's logits t (y_true) and q = softmax(s / T) from the "
    "student's s (y_pred), the loss of a sample is T² · Σ_c p_c (log p_c − log q_c), averaged "
    "over the samples.",
    params={"temperature": 1.0}, grid={"temperature": (2.0, 4.0, 0.5)}, domain="logits",
    fixed=(("one sample, three classes", [[2.0, 0.0, -1.0]], [[0.5, 0.5, 0.0]]),),
    extremes=_distillation_extremes,
    mistakes=(
        Mistake(lambda t, s, temperature=1.0: _kl(_softened(t, temperature),
                                                  _softened(s, temperature)),
                "multiply by T²: without it the soft term's gradient shrinks as 1/T² (Hinton et "
                "al., 2015)."),
        Mistake(lambda t, s, temperature=1.0: temperature**2 * _kl(_softened(s, temperature),
                                                                   _softened(t, temperature)),
                "the KL is reversed: the teacher's distribution p comes first, KL(p ‖ q) = "
                "Σ p (log p − log q)."),
        Mistake(lambda t, s, temperature=1.0: temperature**2 * _kl(_log_softmax(t),
                                                                   _log_softmax(s)),
                "divide both sets of logits by T before the softmax."),
    ))

EXERCISES = (_BCE, _SPARSE, _DISTILLATION)
#: other names a student may look for
ALIASES = {"binary_crossentropy": "bce_logits", "sparse_crossentropy": "sparse_ce_logits",
           "knowledge_distillation": "distillation"}
