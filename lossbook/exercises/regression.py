"""The Regression chapter's exercises: MSE, MAE, RMSE, MSLE, Huber, log-cosh, quantile, Poisson."""

from __future__ import annotations

import math

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake
from lossbook.exercises._bank import residual as _r
from lossbook.exercises._bank import simple_extremes as _simple_extremes
from lossbook.exercises._bank import zeros_and as _same

__all__ = ["ALIASES", "EXERCISES"]


_OVERFLOW = ("cosh of a residual this large overflows float64 (beyond about |r| = 710), so an "
             "expression that computes cosh, or any exponential of a large positive number, "
             "first cannot give a finite result here; rearrange it so that no such exponential "
             "is ever formed (the assignment's hint says where to start).")


def _huber_extremes(params, vary):
    delta = params["delta"]
    return [
        (f"residual exactly ±δ (the kink), delta={delta}", [0.0, 0.0, 2.0],
         [delta, -delta, 2.0 + delta],
         "at |r| = δ your two pieces must give the same value: evaluate each of them there "
         "by hand and compare.", {}),
        ("huge residuals ±1e8", *_same([1e8, -1e8]),
         "for huge |r| the loss should grow in proportion to |r| and stay finite: is a "
         "square computed where it should not be?", {}),
        ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
         "a perfect prediction has loss 0.", {}),
    ]


def _log_cosh_extremes(params, vary):
    return [
        ("tiny residuals ±1e-8", *_same([1e-8, -1e-8]),
         "for tiny residuals the loss is tiny and positive; NaN, 0 or a negative value points "
         "at a cancellation between nearly equal terms in your expression.", {}),
        ("large residuals ±800 (cosh overflows)", *_same([800.0, -800.0]), _OVERFLOW, {}),
        ("huge residuals ±1e8", *_same([1e8, -1e8]), _OVERFLOW, {}),
        ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
         "log cosh 0 = 0.", {}),
    ]


_QUANTILE_FIXED = ([1.0, 1.0, 0.0, 2.0], [0.0, 2.0, 0.5, 2.0])


def _quantile_extremes(params, vary):
    hint = ("compare your value with the definition on these residuals by hand: an extreme τ "
            "makes it obvious which side of the residual carries which weight.")
    cases = [(f"τ = {tau} (edge value)", *_QUANTILE_FIXED, hint, {"tau": tau})
             for tau in (0.01, 0.99) if "tau" in vary]
    return cases + [
        ("huge residuals ±1e8", *_same([1e8, -1e8]), hint, {}),
        ("perfect predictions (all residuals 0)", [0.0, 1.5], [0.0, 1.5],
         "a perfect prediction has loss 0.", {}),
    ]


def _rmse_extremes(params, vary):
    return [("huge residuals ±1e8", *_same([1e8, -1e8]),
             "huge residuals must give a huge, finite value: does something overflow or "
             "cancel before the square root?", {}),
            ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
             "at a perfect fit only ε is left: check where ε enters your expression.", {})]


def _msle_extremes(params, vary):
    return [("zeros (y = ŷ = 0)", [0.0, 0.0], [0.0, 0.0],
             "equal targets and predictions of 0 must give loss 0; your expression is not "
             "defined there, or not 0.", {}),
            ("tiny values 1e-8", [0.0, 1e-8], [1e-8, 0.0],
             "for tiny x, 1 + x rounds in floating point and the logarithm loses x entirely; "
             "look for an operation that avoids forming 1 + x.", {}),
            ("large values 1e8", [1e8, 0.0], [2e8, 1e8],
             "large values have logarithms of about 18: the loss is finite here.", {})]


def _poisson_extremes(params, vary):
    return [("zero counts with zero rate (0·log 0)", [0.0, 0.0], [0.0, 1e-8],
             "with y = 0 and ŷ near 0 your expression meets 0 times a huge logarithm; by "
             "convention that term is 0, so this case needs care.", {}),
            ("large counts", [1000.0, 5e5], [900.0, 6e5],
             "large counts must give a finite loss: look for an overflow in your expression.",
             {})]


def _huber_sources(y_true, y_pred, delta=1.0):
    r = _r(y_true, y_pred)
    return np.where(np.abs(r) <= delta, 0.5 * delta**2 * r**2, delta * (np.abs(r) - delta))


def _huber(y_true, y_pred, delta=1.0):
    a = np.abs(_r(y_true, y_pred))
    return np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))


def _rmse_mean(fn):
    return lambda y_true, y_pred, epsilon=0.0: fn(_r(y_true, y_pred), epsilon)


_HUBER = Exercise(
    "huber", "Huber loss", "huber",
    "compare your value on this input with the definition by hand: which piece applies to "
    "each residual, and is the result averaged over all elements?",
    params={"delta": 1.0}, grid={"delta": (1.0, 0.5, 2.5)},
    fixed=(("small residuals inside ±δ", [0.0, 1.0, -1.0], [0.5, 1.2, -1.9]),
           ("large residuals beyond ±δ", [0.0, 0.0, 3.0], [3.0, -2.5, -1.0])),
    extremes=_huber_extremes, gradient_points=(-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0),
    mistakes=(
        Mistake(_huber_sources, "your values match the formula copied in several source "
                "articles, which is wrong twice: its quadratic piece has a factor that depends "
                "on δ, and its two pieces do not meet at |r| = δ. Try δ = 2 by hand."),
        Mistake(lambda t, p, delta=1.0: _huber(t, p, delta) / delta,
                "your values are Huber divided by δ (torch's SmoothL1Loss with beta = δ): check "
                "the slope of your linear piece for δ ≠ 1."),
        Mistake(lambda t, p, delta=1.0: 0.5 * _r(t, p) ** 2, "your loss stays quadratic for large "
                "residuals; beyond |r| = δ it should grow only linearly."),
        Mistake(lambda t, p, delta=1.0: 2 * _huber(t, p, delta), "your values are exactly twice "
                "the expected ones on every input: look for a missing constant factor."),
        Mistake(lambda t, p, delta=1.0: np.where(np.abs(_r(t, p)) <= delta, 0.5 * _r(t, p) ** 2,
                                                 delta * np.abs(_r(t, p))),
                "your linear piece is too high by a constant, so it does not meet the "
                "quadratic piece at |r| = δ: evaluate both there."),
    ))


_LOG_COSH = Exercise(
    "log_cosh", "Log-cosh loss", "log_cosh",
    "compare your value with log cosh of each residual worked out by hand for this input; a "
    "form that cannot overflow must still give exactly these values.",
    fixed=(("moderate residuals of both signs", [0.0, 1.0, -1.0, 2.0], [0.5, -1.0, -4.0, 2.0]),),
    extremes=_log_cosh_extremes,
    gradient_points=(-1e8, -800.0, -3.0, -1e-8, 0.0, 1e-8, 0.5, 800.0, 1e8),
    mistakes=(
        Mistake(lambda t, p: np.abs(_r(t, p)) - np.log(2.0), "your values are right for large "
                "residuals but wrong near 0 (is your loss 0 at r = 0?): a term that matters only "
                "for small residuals is missing."),
        Mistake(lambda t, p: np.abs(_r(t, p)) + np.log1p(np.exp(-2 * np.abs(_r(t, p)))),
                "your values are log 2 ≈ 0.693 too high on every input: cosh has a factor ½ that "
                "your rewriting lost."),
    ))


_QUANTILE = Exercise(
    "quantile", "Quantile (pinball) loss", "quantile",
    "compare your value with the definition by hand on one under-prediction and one "
    "over-prediction: which side of the residual carries the weight τ?",
    params={"tau": 0.5}, grid={"tau": (0.8, 0.1, 0.9)},
    fixed=(("under- and over-predictions", *_QUANTILE_FIXED),),
    extremes=_quantile_extremes, gradient_points=(-3.0, -0.5, 0.5, 3.0),
    mistakes=(
        Mistake(lambda t, p, tau=0.5: np.maximum((1 - tau) * _r(t, p), -tau * _r(t, p)),
                "τ and 1 − τ are on the wrong sides (or the residual's sign is flipped): check "
                "which of y > ŷ and y < ŷ your function charges τ per unit."),
        Mistake(lambda t, p, tau=0.5: tau * np.abs(_r(t, p)), "your weight does not depend on the "
                "sign of the residual; under- and over-predictions are weighted differently."),
        Mistake(lambda t, p, tau=0.5: np.abs(_r(t, p)), "you computed the absolute error (the "
                "MAE): τ does not appear in your values."),
    ))


_MSE = Exercise(
    "mse", "Mean squared error", "mean_squared_error",
    "compare your value with the definition worked out by hand for this input.",
    fixed=(("small residuals of both signs", [0.0, 1.0, 2.0], [0.5, 0.0, 2.0]),),
    extremes=_simple_extremes,
    mistakes=(Mistake(lambda t, p: 0.5 * _r(t, p) ** 2, "there is no factor ½ in MSE (Keras and "
                      "torch agree)."),
              Mistake(lambda t, p: np.abs(_r(t, p)), "you averaged the absolute residuals (the "
                      "MAE); MSE penalises large residuals more."),
              Mistake(lambda t, p: np.sqrt(np.mean(_r(t, p) ** 2)), "no square root: that is RMSE.",
                      elementwise=False)))


_MAE = Exercise(
    "mae", "Mean absolute error", "mean_absolute_error",
    "compare your value with the definition worked out by hand for this input.",
    fixed=(("small residuals of both signs", [0.0, 1.0, 2.0], [0.5, 0.0, 2.0]),),
    extremes=_simple_extremes,
    mistakes=(Mistake(lambda t, p: _r(t, p), "residuals of opposite signs cancel in your value: "
                      "each residual should count as a positive amount."),
              Mistake(lambda t, p: -_r(t, p), "residuals of opposite signs cancel in your value: "
                      "each residual should count as a positive amount."),
              Mistake(lambda t, p: _r(t, p) ** 2, "your value grows with the square of the "
                      "residuals (that is the MSE).")))


_RMSE = Exercise(
    "rmse", "Root mean squared error (with ε inside the root)", "root_mean_squared_error",
    "compare your value with the definition by hand: the order of the mean and the square "
    "root, and where ε enters.",
    params={"epsilon": 0.0}, grid={"epsilon": (1e-8, 0.5, 0.0)},
    fixed=(("small residuals of both signs", [0.0, 1.0, 2.0, 3.0], [0.5, 0.0, 2.0, 1.0]),),
    extremes=_rmse_extremes,
    mistakes=(Mistake(_rmse_mean(lambda r, e: np.mean(r**2) + e),
                      "your value is the MSE (plus ε): a step is missing.", elementwise=False),
              Mistake(_rmse_mean(lambda r, e: np.mean(np.sqrt(r**2 + e))),
                      "you averaged per-element square roots: check the order of the mean and "
                      "the square root.", elementwise=False),
              Mistake(_rmse_mean(lambda r, e: np.sqrt(np.mean(r**2))),
                      "ε does not appear in your value: try ε = 0.5 by hand.", elementwise=False),
              Mistake(_rmse_mean(lambda r, e: np.sqrt(np.mean(r**2)) + e),
                      "ε enters your value in the wrong place: try ε = 0.5 by hand.",
                      elementwise=False)))


_MSLE = Exercise(
    "msle", "Mean squared logarithmic error", "mean_squared_logarithmic_error",
    "compare your value with the definition worked out by hand for this input.",
    domain="nonnegative",
    fixed=(("small non-negative values", [0.0, 1.0, 3.0], [1.0, 1.0, 0.5]),),
    extremes=_msle_extremes,
    mistakes=(Mistake(lambda t, p: (np.log(p) - np.log(t)) ** 2, "you took the logarithm of the "
                      "values themselves; MSLE's logarithm is shifted so that it is finite at 0."),
              Mistake(lambda t, p: _r(t, p) ** 2, "you compared the raw values (that is the MSE); "
                      "MSLE compares logarithms."),
              Mistake(lambda t, p: np.log1p(p) - np.log1p(t), "your value can be negative: the "
                      "differences of the logarithms are not yet squared."),
              Mistake(lambda t, p: np.abs(np.log1p(p) - np.log1p(t)),
                      "your value grows like the absolute difference of the logarithms, not its "
                      "square.")))


_POISSON = Exercise(
    "poisson", "Poisson loss (rate as prediction)", "poisson",
    "compare your value with the definition worked out by hand for this input; y_pred is the "
    "predicted rate itself, not its logarithm.",
    domain="counts",
    fixed=(("small counts", [0.0, 1.0, 4.0], [0.5, 1.0, 2.0]),),
    extremes=_poisson_extremes,
    mistakes=(Mistake(lambda t, p: t * np.log(p) - p, "your values have the wrong sign: you "
                      "computed the log-likelihood, which is maximised, not a loss."),
              Mistake(lambda t, p: np.exp(p) - t * p, "you treated y_pred as the log-rate (torch's "
                      "PoissonNLLLoss default log_input=True); here y_pred is the rate itself."),
              Mistake(lambda t, p: p - t * np.log(p) + np.vectorize(math.lgamma)(t + 1.0),
                      "your values are too high by a term that depends on y only (the "
                      "log-factorial of the full likelihood); the Poisson loss leaves it out.")))


EXERCISES = (_HUBER, _LOG_COSH, _QUANTILE, _MSE, _MAE, _RMSE, _MSLE, _POISSON)
#: other names a student may look for
ALIASES = {"pinball": "quantile"}
