"""The Regression chapter's exercises: MSE, MAE, RMSE, MSLE, Huber, log-cosh, quantile, Poisson."""

from __future__ import annotations

import math

import numpy as np

from lossbook.exercises._bank import Exercise, Mistake
from lossbook.exercises._bank import residual as _r
from lossbook.exercises._bank import simple_extremes as _simple_extremes
from lossbook.exercises._bank import zeros_and as _same

__all__ = ["ALIASES", "EXERCISES"]


_OVERFLOW = ("log(cosh(x)) overflows for |x| > 710 (cosh is about e^|x| / 2); rewrite it with "
             "the identity log cosh x = |x| + log1p(exp(-2|x|)) - log 2, in which exp only ever "
             "sees a non-positive number.")


def _huber_extremes(params, vary):
    delta = params["delta"]
    return [
        (f"residual exactly ±δ (the kink), delta={delta}", [0.0, 0.0, 2.0],
         [delta, -delta, 2.0 + delta],
         "at |r| = δ both pieces must give ½δ²: the linear piece is δ(|r| − ½δ).", {}),
        ("huge residuals ±1e8", *_same([1e8, -1e8]),
         "for huge |r| Huber grows linearly: δ(|r| − ½δ), no overflow and no squaring.", {}),
        ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
         "a perfect prediction has loss 0.", {}),
    ]


def _log_cosh_extremes(params, vary):
    return [
        ("tiny residuals ±1e-8", *_same([1e-8, -1e-8]),
         "near 0, log cosh r ≈ ½r²: tiny but not negative and not NaN.", {}),
        ("large residuals ±800 (cosh overflows)", *_same([800.0, -800.0]), _OVERFLOW, {}),
        ("huge residuals ±1e8", *_same([1e8, -1e8]), _OVERFLOW, {}),
        ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
         "log cosh 0 = 0.", {}),
    ]


_QUANTILE_FIXED = ([1.0, 1.0, 0.0, 2.0], [0.0, 2.0, 0.5, 2.0])


def _quantile_extremes(params, vary):
    hint = ("under-prediction (y > ŷ) costs τ per unit, over-prediction (y < ŷ) costs 1 − τ, "
            "for any τ in (0, 1).")
    cases = [(f"τ = {tau} (edge value)", *_QUANTILE_FIXED, hint, {"tau": tau})
             for tau in (0.01, 0.99) if "tau" in vary]
    return cases + [
        ("huge residuals ±1e8", *_same([1e8, -1e8]), hint, {}),
        ("perfect predictions (all residuals 0)", [0.0, 1.5], [0.0, 1.5],
         "a perfect prediction has loss 0.", {}),
    ]


def _rmse_extremes(params, vary):
    return [("huge residuals ±1e8", *_same([1e8, -1e8]),
             "the square root of the mean of r², plus ε inside the root.", {}),
            ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
             "at a perfect fit RMSE is √ε (0 for ε = 0).", {})]


def _msle_extremes(params, vary):
    return [("zeros (y = ŷ = 0)", [0.0, 0.0], [0.0, 0.0], "log(1 + 0) = 0, so the loss is 0.", {}),
            ("tiny values 1e-8", [0.0, 1e-8], [1e-8, 0.0],
             "log(1 + x) for tiny x is about x: use log1p, not log(1 + x) in floating point.", {}),
            ("large values 1e8", [1e8, 0.0], [2e8, 1e8], "log(1 + 1e8) is about 18.4: finite.", {})]


def _poisson_extremes(params, vary):
    return [("zero counts with zero rate (0·log 0)", [0.0, 0.0], [0.0, 1e-8],
             "when y = 0 the term y·log ŷ is 0 even where ŷ = 0 (0·log 0 = 0 by convention): "
             "compute it only where y > 0.", {}),
            ("large counts", [1000.0, 5e5], [900.0, 6e5],
             "no overflow: ŷ − y·log ŷ is finite here.", {})]


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
    "Huber is ½r² for |r| ≤ δ and δ(|r| − ½δ) for |r| > δ, with r = y − ŷ, averaged over all "
    "elements.",
    params={"delta": 1.0}, grid={"delta": (1.0, 0.5, 2.5)},
    fixed=(("small residuals inside ±δ", [0.0, 1.0, -1.0], [0.5, 1.2, -1.9]),
           ("large residuals beyond ±δ", [0.0, 0.0, 3.0], [3.0, -2.5, -1.0])),
    extremes=_huber_extremes, gradient_points=(-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0),
    mistakes=(
        Mistake(_huber_sources, "this is the source article's wrong formula: for |r| ≤ δ the loss "
                "is ½r² (no δ² factor) and beyond δ it is δ(|r| − ½δ) — subtract half of δ, so "
                "both pieces meet at |r| = δ with value ½δ² and slope δ."),
        Mistake(lambda t, p, delta=1.0: _huber(t, p, delta) / delta,
                "your values are Huber divided by δ: that is torch's SmoothL1Loss(beta=δ). Huber's "
                "linear piece has slope δ."),
        Mistake(lambda t, p, delta=1.0: 0.5 * _r(t, p) ** 2, "your loss stays quadratic for large "
                "residuals; beyond |r| > δ Huber grows linearly: δ(|r| − ½δ)."),
        Mistake(lambda t, p, delta=1.0: 2 * _huber(t, p, delta), "your values are twice Huber's: "
                "the quadratic piece is ½r² (with the ½) and the linear one δ(|r| − ½δ)."),
        Mistake(lambda t, p, delta=1.0: np.where(np.abs(_r(t, p)) <= delta, 0.5 * _r(t, p) ** 2,
                                                 delta * np.abs(_r(t, p))),
                "beyond δ subtract ½δ²: the linear piece is δ(|r| − ½δ), so that it meets ½r² at "
                "|r| = δ."),
    ))


_LOG_COSH = Exercise(
    "log_cosh", "Log-cosh loss", "log_cosh",
    "log-cosh is log(cosh(ŷ − y)) averaged over all elements; compute it in a form that cannot "
    "overflow.",
    fixed=(("moderate residuals of both signs", [0.0, 1.0, -1.0, 2.0], [0.5, -1.0, -4.0, 2.0]),),
    extremes=_log_cosh_extremes,
    gradient_points=(-1e8, -800.0, -3.0, -1e-8, 0.0, 1e-8, 0.5, 800.0, 1e8),
    mistakes=(
        Mistake(lambda t, p: np.abs(_r(t, p)) - np.log(2.0), "you kept only the large-residual "
                "asymptote |r| − log 2; the term log(1 + e^(−2|r|)) matters for small residuals."),
        Mistake(lambda t, p: np.abs(_r(t, p)) + np.log1p(np.exp(-2 * np.abs(_r(t, p)))),
                "your values are log 2 ≈ 0.693 too high: log cosh r = |r| + log(1 + e^(−2|r|)) "
                "− log 2."),
    ))


_QUANTILE = Exercise(
    "quantile", "Quantile (pinball) loss", "quantile",
    "with r = y − ŷ the pinball loss is τ·r for r ≥ 0 and (τ − 1)·r for r < 0, i.e. "
    "max(τr, (τ − 1)r), averaged over all elements.",
    params={"tau": 0.5}, grid={"tau": (0.8, 0.1, 0.9)},
    fixed=(("under- and over-predictions", *_QUANTILE_FIXED),),
    extremes=_quantile_extremes, gradient_points=(-3.0, -0.5, 0.5, 3.0),
    mistakes=(
        Mistake(lambda t, p, tau=0.5: np.maximum((1 - tau) * _r(t, p), -tau * _r(t, p)),
                "τ and 1 − τ are swapped (or the residual's sign is): with r = y − ŷ, an "
                "under-prediction (y > ŷ) must cost τ per unit and an over-prediction 1 − τ."),
        Mistake(lambda t, p, tau=0.5: tau * np.abs(_r(t, p)), "the weight depends on the sign of "
                "r = y − ŷ: τ·r when r ≥ 0 but (τ − 1)·r when r < 0."),
        Mistake(lambda t, p, tau=0.5: np.abs(_r(t, p)), "you computed |r| (the MAE); the pinball "
                "loss weighs under-predictions by τ and over-predictions by 1 − τ."),
    ))


_MSE = Exercise(
    "mse", "Mean squared error", "mean_squared_error",
    "MSE is the mean of the squared residuals (y − ŷ)² over all elements.",
    fixed=(("small residuals of both signs", [0.0, 1.0, 2.0], [0.5, 0.0, 2.0]),),
    extremes=_simple_extremes,
    mistakes=(Mistake(lambda t, p: 0.5 * _r(t, p) ** 2, "there is no factor ½ in MSE (Keras and "
                      "torch agree)."),
              Mistake(lambda t, p: np.abs(_r(t, p)), "square the residuals; |r| gives the MAE."),
              Mistake(lambda t, p: np.sqrt(np.mean(_r(t, p) ** 2)), "no square root: that is RMSE.",
                      elementwise=False)))


_MAE = Exercise(
    "mae", "Mean absolute error", "mean_absolute_error",
    "MAE is the mean of the absolute residuals |y − ŷ| over all elements.",
    fixed=(("small residuals of both signs", [0.0, 1.0, 2.0], [0.5, 0.0, 2.0]),),
    extremes=_simple_extremes,
    mistakes=(Mistake(lambda t, p: _r(t, p), "take the absolute value of each residual before "
                      "averaging."),
              Mistake(lambda t, p: -_r(t, p), "take the absolute value of each residual before "
                      "averaging."),
              Mistake(lambda t, p: _r(t, p) ** 2, "MAE uses |r|, not r² (that is the MSE).")))


_RMSE = Exercise(
    "rmse", "Root mean squared error (with ε inside the root)", "root_mean_squared_error",
    "RMSE is √(mean of (y − ŷ)² + ε): the square root of the overall MSE, ε inside the root.",
    params={"epsilon": 0.0}, grid={"epsilon": (1e-8, 0.5, 0.0)},
    fixed=(("small residuals of both signs", [0.0, 1.0, 2.0, 3.0], [0.5, 0.0, 2.0, 1.0]),),
    extremes=_rmse_extremes,
    mistakes=(Mistake(_rmse_mean(lambda r, e: np.mean(r**2) + e),
                      "take the square root: that is the MSE.", elementwise=False),
              Mistake(_rmse_mean(lambda r, e: np.mean(np.sqrt(r**2 + e))),
                      "RMSE is the square root of the mean of r², not the mean of the square "
                      "roots.", elementwise=False),
              Mistake(_rmse_mean(lambda r, e: np.sqrt(np.mean(r**2))),
                      "put ε inside the square root: √(MSE + ε).", elementwise=False),
              Mistake(_rmse_mean(lambda r, e: np.sqrt(np.mean(r**2)) + e),
                      "ε goes inside the square root, √(MSE + ε), not after it.",
                      elementwise=False)))


_MSLE = Exercise(
    "msle", "Mean squared logarithmic error", "mean_squared_logarithmic_error",
    "MSLE is the mean over all elements of (log(1 + ŷ) − log(1 + y))².",
    domain="nonnegative",
    fixed=(("small non-negative values", [0.0, 1.0, 3.0], [1.0, 1.0, 0.5]),),
    extremes=_msle_extremes,
    mistakes=(Mistake(lambda t, p: (np.log(p) - np.log(t)) ** 2, "use log(1 + y), not log y (it is "
                      "finite at 0)."),
              Mistake(lambda t, p: _r(t, p) ** 2, "take the logarithms, log(1 + y), before "
                      "squaring the difference."),
              Mistake(lambda t, p: np.log1p(p) - np.log1p(t), "square the difference of the logs."),
              Mistake(lambda t, p: np.abs(np.log1p(p) - np.log1p(t)),
                      "square the difference of the logs.")))


_POISSON = Exercise(
    "poisson", "Poisson loss (rate as prediction)", "poisson",
    "the Poisson loss is ŷ − y·log ŷ averaged over all elements, with ŷ the predicted rate (not "
    "its log).",
    domain="counts",
    fixed=(("small counts", [0.0, 1.0, 4.0], [0.5, 1.0, 2.0]),),
    extremes=_poisson_extremes,
    mistakes=(Mistake(lambda t, p: t * np.log(p) - p, "y·log ŷ − ŷ is the log-likelihood (to "
                      "maximise); the loss is its negative, ŷ − y·log ŷ."),
              Mistake(lambda t, p: np.exp(p) - t * p, "you treated y_pred as the log-rate (torch's "
                      "PoissonNLLLoss default log_input=True); here y_pred is the rate itself."),
              Mistake(lambda t, p: p - t * np.log(p) + np.vectorize(math.lgamma)(t + 1.0),
                      "you added the constant log(y!) of the full negative log-likelihood; the "
                      "Poisson loss (Keras' Poisson) leaves it out: ŷ − y·log ŷ.")))


EXERCISES = (_HUBER, _LOG_COSH, _QUANTILE, _MSE, _MAE, _RMSE, _MSLE, _POISSON)
#: other names a student may look for
ALIASES = {"pinball": "quantile"}
