"""The Imbalance chapter's exercises: the focal loss on logits (with α and γ), the soft Dice
loss per image, and the generalized cross-entropy on logits."""

from __future__ import annotations

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake

__all__ = ["ALIASES", "EXERCISES"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, float)))


def _softplus(z):
    return np.logaddexp(0.0, np.asarray(z, float))


def _focal(y, z, alpha=0.25, gamma=2.0, *, swap_alpha=False, focus_easy=False, balance=True):
    y, z = np.asarray(y, float), np.asarray(z, float)
    ce = _softplus(z) - y * z
    miss = y * _sigmoid(-z) + (1 - y) * _sigmoid(z)  # 1 - p_t
    factor = (1 - miss) ** gamma if focus_easy else miss**gamma
    a = 1 - alpha if swap_alpha else alpha
    weight = y * a + (1 - y) * (1 - a) if balance else 1.0
    return weight * factor * ce


def _focal_extremes(params, vary):
    stable = ("σ(z) is exactly 0 or 1 for large |z| (from z = 40 in float64), so any log of it, "
              "or of 1 − σ(z), breaks; express both factors through the logit directly.")
    return [
        ("logits ±1e4, right and wrong", [1.0, 0.0, 1.0, 0.0], [1e4, -1e4, -1e4, 1e4], stable, {}),
        ("logits ±40 (σ(40) rounds to 1 in float64)", [1.0, 0.0, 0.0, 1.0],
         [40.0, -40.0, 40.0, -40.0], stable, {}),
        ("γ = 0 (must be the α-weighted cross-entropy)", [1.0, 0.0, 1.0], [0.5, -2.0, 3.0],
         "with γ = 0 the focusing factor is 1 for every example.", {"gamma": 0.0}),
    ]


def _dice_values(y, p, axes_from=1):
    y, p = np.asarray(y, float), np.asarray(p, float)
    axes = tuple(range(axes_from, y.ndim))
    return 1 - 2 * np.sum(y * p, axis=axes) / (np.sum(y, axis=axes) + np.sum(p, axis=axes))


def _dice_extremes(params, vary):
    return [
        ("a perfect prediction", [[1.0, 0.0, 1.0, 0.0]], [[1.0, 0.0, 1.0, 0.0]],
         "a prediction equal to the mask overlaps it completely: loss 0.", {}),
        ("no overlap at all", [[1.0, 1.0, 0.0, 0.0]], [[0.0, 0.0, 1.0, 1.0]],
         "with no true positive the Dice coefficient is 0, so the loss is 1.", {}),
        ("one small and one large object", [[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]],
         [[0.5, 0.5, 0.0, 0.0], [1.0, 1.0, 1.0, 0.5]],
         "each image gets its own Dice value, and the loss is the mean of those values; summing "
         "over the whole batch lets the large object hide the small one.", {}),
    ]


def _gce_values(labels, z, q=0.7, *, naive_mae=False):
    z = np.asarray(z, float)
    shifted = z - z.max(-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_p, np.asarray(labels, int)[..., None], -1)[..., 0]
    return (1 - np.exp(picked)) if naive_mae else (1 - np.exp(q * picked)) / q


def _gce_extremes(params, vary):
    hint = ("for logits this large the softmax rounds to exactly 0 or 1 (exp overflows), and "
            "its power breaks with it: the probabilities must never be formed directly.")
    return [
        ("logits ±1e4", [0, 1], [[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]], hint, {}),
        ("logits of 1000 (exp overflows)", [2, 1], [[1000.0, 1000.0, 0.0],
                                                    [1000.0, 0.0, 1000.0]], hint, {}),
    ]


_FOCAL = Exercise(
    "focal_logits", "Binary focal loss on logits, with α and γ", "binary_focal_crossentropy",
    "compare your value with the definition worked out by hand for this input (labels y, "
    "logits z, α and γ): which weight does each label get, how strongly is each example "
    "down-weighted, and is the result averaged over all elements?",
    params={"from_logits": True, "apply_class_balancing": True, "alpha": 0.25, "gamma": 2.0},
    grid={"gamma": (2.0, 0.5, 1.0), "alpha": (0.25, 0.75, 0.5)}, domain="binary",
    fixed=(("labels 0/1 and moderate logits", [1.0, 0.0, 1.0, 0.0], [2.0, -1.0, -0.5, 0.3]),),
    extremes=_focal_extremes,
    mistakes=(
        Mistake(lambda y, z, alpha=0.25, gamma=2.0, **_: _focal(y, z, alpha, gamma,
                                                                swap_alpha=True),
                "α and 1 − α are the wrong way round: α weighs the positives (label 1)."),
        Mistake(lambda y, z, alpha=0.25, gamma=2.0, **_: _focal(y, z, alpha, gamma,
                                                                focus_easy=True),
                "the focusing factor must vanish for well-classified examples (p_t → 1), not for "
                "misclassified ones."),
        Mistake(lambda y, z, alpha=0.25, gamma=2.0, **_: _focal(y, z, alpha, gamma, balance=False),
                "the balancing weight α_t is missing (Keras leaves it out by default; this "
                "exercise, like torchvision, applies it)."),
    ))

_DICE = Exercise(
    "soft_dice", "Soft Dice loss, one value per image", "dice",
    "compare your value with the definition worked out by hand for this input (masks y, "
    "probabilities p): over which axes do your sums run, and what is averaged at the end?",
    domain="mask",
    fixed=(("two images of four pixels", [[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]],
            [[0.9, 0.6, 0.2, 0.0], [0.1, 0.8, 0.3, 0.1]]),),
    extremes=_dice_extremes,
    mistakes=(
        Mistake(lambda y, p, **_: float(_dice_values(np.reshape(y, (1, -1)),
                                                np.reshape(p, (1, -1)))[0]),
                "you pooled the whole batch into one Dice value (Keras' default axis=None); "
                "compute one value per sample, then average.", elementwise=False),
        Mistake(lambda y, p, **_: float(np.mean(1 - _dice_values(y, p))),
                "you returned the Dice coefficient itself: a perfect prediction must cost 0, "
                "yours scores 1.",
                elementwise=False),
        Mistake(lambda y, p, **_: float(np.mean(
            1 - np.sum(np.asarray(y) * p, axis=tuple(range(1, np.ndim(y))))
            / (np.sum(y, axis=tuple(range(1, np.ndim(y))))
               + np.sum(p, axis=tuple(range(1, np.ndim(y))))))),
                "a perfect prediction costs 0.5 with your loss, not 0: check the weight of the "
                "overlap against the sum of both sizes.", elementwise=False),
    ))

_GCE = Exercise(
    "gce_logits", "Generalized cross-entropy on logits", "categorical_generalized_cross_entropy",
    "compare your value with the definition worked out by hand for this input (integer "
    "labels, logits with the classes on the last axis, q).",
    params={"from_logits": True, "q": 0.7}, grid={"q": (0.7, 0.3, 1.0)}, domain="sparse",
    fixed=(("three samples, three classes", [0, 2, 1],
            [[2.0, 1.0, 0.1], [0.5, 0.5, 3.0], [1.0, -1.0, 0.0]]),),
    extremes=_gce_extremes,
    mistakes=(
        Mistake(lambda y, z, q=0.7, **_: _gce_values(y, z, q, naive_mae=True),
                "your values do not change with q: they are the q = 1 case of the loss. Check "
                "where q enters the definition."),
        Mistake(lambda y, z, q=0.7, **_: _gce_values(y, z, q) * q,
                "your values are q times the expected ones: as q → 0 the loss should approach "
                "the cross-entropy, and yours approaches 0."),
    ))

EXERCISES = (_FOCAL, _DICE, _GCE)
#: other names a student may look for
ALIASES = {"focal": "focal_logits", "binary_focal": "focal_logits", "dice": "soft_dice",
           "generalized_cross_entropy": "gce_logits", "gce": "gce_logits"}
