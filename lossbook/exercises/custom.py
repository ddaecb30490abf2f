"""The Custom-losses chapter's exercise: the Gaussian negative log-likelihood of a
``Dense(2 d)`` head (means, then variances), with torch's ``eps`` clamp and ``full``."""

from __future__ import annotations

import math

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake

__all__ = ["ALIASES", "EXERCISES"]

_LAYOUT = ("y_pred has 2·d columns: the first d are the means, the last d the variances "
           "(not standard deviations, not log-variances).")
_CLAMP = ("a variance of exactly 0 breaks a log and a division here: what does eps do in "
          "torch's GaussianNLLLoss, and at which point of the computation?")


def _split(y_pred):
    y_pred = np.asarray(y_pred, float)
    d = y_pred.shape[-1] // 2
    return y_pred[..., :d], y_pred[..., d:]


def _gaussian_inputs(rng, shape):
    shape = shape if len(shape) >= 2 else (*shape, 1)
    mean = rng.normal(0.0, 2.0, shape)
    variance = rng.uniform(0.05, 4.0, shape)
    y_true = mean + np.sqrt(variance) * rng.normal(size=shape)
    return y_true, np.concatenate([mean, variance], axis=-1)


def _nll(y, mean, variance, eps, full):
    clamped = np.maximum(variance, eps)
    values = 0.5 * (np.log(clamped) + (y - mean) ** 2 / clamped)
    return values + (0.5 * math.log(2 * math.pi) if full else 0.0)


def _as_std(y, p, eps=1e-6, full=False):
    mean, variance = _split(p)
    return _nll(y, mean, variance**2, eps, full)


def _no_half(y, p, eps=1e-6, full=False):
    mean, variance = _split(p)
    return 2.0 * _nll(y, mean, variance, eps, False) + (0.5 * math.log(2 * math.pi) if full
                                                          else 0.0)


def _sum_over_outputs(y, p, eps=1e-6, full=False):
    mean, variance = _split(p)
    values = _nll(y, mean, variance, eps, full)
    return values.sum(axis=-1, keepdims=True) * np.ones_like(values)


def _always_full(y, p, eps=1e-6, full=False):
    mean, variance = _split(p)
    return _nll(y, mean, variance, eps, True)


def _gaussian_extremes(params, vary):
    return [
        ("a variance of exactly 0 (clamped at eps)", [[0.5, 0.0]], [[0.0, 0.0, 0.0, 1.0]], _CLAMP,
         {}),
        ("a perfect mean with variance 0", [[1.0]], [[1.0, 0.0]], _CLAMP,
         {"eps": 1e-2} if "eps" in vary else {}),
        ("a huge residual with a huge variance", [[1e6]], [[0.0, 1e12]],
         "the true value here is small and finite: which intermediate number of yours "
         "overflows or loses its digits?", {}),
    ]


_GAUSSIAN = Exercise(
    "gaussian_nll", "Gaussian negative log-likelihood on a [batch, 2·d] head", "gaussian_nll",
    "the loss is the negative log-density of each target under a normal distribution with the "
    "predicted mean and variance (the variance clamped from below at eps, the constant term "
    "only when full=True), averaged over every element, as torch's GaussianNLLLoss computes "
    "it. " + _LAYOUT,
    params={"eps": 1e-6, "full": False}, grid={"full": (False, True, False),
                                               "eps": (1e-6, 1e-2, 1e-4)},
    fixed=(("d = 2: one residual of 1 with variance 4, a perfect mean with variance 1",
            [[1.0, 3.0]], [[0.0, 3.0, 4.0, 1.0]]),),
    extremes=_gaussian_extremes,
    sampler=_gaussian_inputs,
    mistakes=(
        Mistake(_as_std, "your value is what the last d columns give when read as standard "
                         "deviations. " + _LAYOUT),
        Mistake(_no_half, "your value is off by a constant factor in front of the whole "
                          "log-density: write down the normal density and take its log again."),
        Mistake(_sum_over_outputs, "your value grows with the number d of outputs of a sample: "
                                   "how does torch's 'mean' combine them?"),
        Mistake(_always_full, "your value is off by the same constant in every case with "
                              "full=False: which term does `full` switch on?"),
    ))

EXERCISES = (_GAUSSIAN,)
#: other names a student may look for
ALIASES = {"gaussian_nll_loss": "gaussian_nll", "heteroscedastic": "gaussian_nll"}
