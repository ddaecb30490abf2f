"""Catalogue entries of the regression losses (values in, values out)."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._validation import reduce
from lossbook.catalog._adapters import keras_loss, torch_elementwise, torch_reducing
from lossbook.catalog._entry import KnownDifference, Tolerance, make_entry

LABELS = "real-valued targets, same shape as the predictions: [batch] or [batch, features]"
SHAPES = ((8,), (4, 5))


def _mean_last(values):
    return values if values.ndim == 1 else values.mean(axis=-1)


def _gaussian(rng, shape, scale=2.0):
    y_true = rng.normal(0.0, scale, size=shape)
    return y_true, y_true + rng.normal(0.0, 1.0, size=shape)


def _gaussian_sampler(rng, shape, params):
    return (*_gaussian(rng, shape), {})


def _away_from_zero(rng, shape):
    y_true = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 3.0, size=shape)
    return y_true, y_true + rng.normal(0.0, 0.5, size=shape)


def _nonnegative(rng, shape):
    return rng.exponential(2.0, size=shape), rng.exponential(2.0, size=shape)


def _counts(rng, shape):
    rate = rng.uniform(0.5, 5.0, size=shape)
    return rng.poisson(rate).astype(np.float64), rng.uniform(0.5, 5.0, size=shape)


# Documented framework rules, recomputed in float64 (see KnownDifference).


def _mape_with_floor(y_true, y_pred, *, reduction="mean", sample_weight=None):
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    values = 100.0 * np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), 1e-7)
    return reduce(_mean_last(values), reduction, sample_weight)


def _msle_clipped(y_true, y_pred, **params):
    return ref.mean_squared_logarithmic_error(np.maximum(y_true, 1e-7), np.maximum(y_pred, 1e-7),
                                              **params)


def _poisson_with_eps(y_true, y_pred, *, reduction="mean", sample_weight=None):
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    values = y_pred - y_true * np.log(y_pred + 1e-7)
    return reduce(_mean_last(values), reduction, sample_weight)


_MAPE_FLOOR = "divides by max(|y|, 1e-7) instead of |y|, so a zero target gives a huge finite loss"
_POISSON_EPS = "adds 1e-7 inside the log: log(y_pred + 1e-7)"

ENTRIES = [
    make_entry(
        name="mean_squared_error", title="Mean squared error (MSE)", task="regression",
        label_format=LABELS, input_kind="value",
        formula=r"\ell = \frac{1}{D}\sum_{j=1}^{D} (y_j - \hat y_j)^2",
        properties=("convex", "differentiable-everywhere", "outlier-sensitive",
                    "gaussian-likelihood"),
        reference=ref.mean_squared_error,
        torch=torch_elementwise("torch.nn.MSELoss"),
        keras=keras_loss("keras.losses.MeanSquaredError"),
        sampler=_gaussian_sampler, shapes=SHAPES,
    ),
    make_entry(
        name="mean_absolute_error", title="Mean absolute error (MAE, L1)", task="regression",
        label_format=LABELS, input_kind="value",
        formula=r"\ell = \frac{1}{D}\sum_{j=1}^{D} |y_j - \hat y_j|",
        properties=("convex", "outlier-robust", "laplace-likelihood", "median-estimator"),
        reference=ref.mean_absolute_error,
        torch=torch_elementwise("torch.nn.L1Loss"),
        keras=keras_loss("keras.losses.MeanAbsoluteError"),
        sampler=_gaussian_sampler, shapes=SHAPES,
    ),
    make_entry(
        name="root_mean_squared_error", title="Root mean squared error (RMSE)",
        task="regression", label_format=LABELS, input_kind="value",
        formula=r"L = \sqrt{\frac{1}{N D}\sum_{i,j} (y_{ij} - \hat y_{ij})^2 + \epsilon}",
        properties=("same-units-as-target", "outlier-sensitive",
                    "nan-gradient-at-perfect-fit-without-epsilon"),
        reference=ref.root_mean_squared_error,
        # lossbook.torch / lossbook.keras implement the reference's reductions themselves
        # ("mean" is the root of the overall MSE), so these adapters only pass them on.
        torch=torch_reducing("lossbook.torch.root_mean_squared_error"),
        keras=keras_loss("lossbook.keras.RootMeanSquaredError"),
        sampler=_gaussian_sampler, shapes=SHAPES,
        grid=({"epsilon": 0.0}, {"epsilon": 1e-6}),
    ),
    make_entry(
        name="mean_absolute_percentage_error", title="Mean absolute percentage error (MAPE)",
        task="regression", label_format=LABELS + "; never zero", input_kind="value",
        formula=r"\ell = \frac{100}{D}\sum_{j=1}^{D} \frac{|y_j - \hat y_j|}{|y_j|}",
        properties=("scale-free", "percent", "asymmetric", "undefined-at-zero-target"),
        reference=ref.mean_absolute_percentage_error,
        torch=torch_elementwise("lossbook.torch.mean_absolute_percentage_error"),
        keras=keras_loss("keras.losses.MeanAbsolutePercentageError"),
        sampler=lambda rng, shape, params: (*_away_from_zero(rng, shape), {}), shapes=SHAPES,
        tolerance=Tolerance(rtol=1e-5, atol=1e-4),  # values are in percent
        known_differences=[
            KnownDifference("keras", 22, _MAPE_FLOOR, _mape_with_floor),
            KnownDifference("torch", 22, "lossbook.torch " + _MAPE_FLOOR + " (as Keras)",
                            _mape_with_floor),
        ],
    ),
    make_entry(
        name="mean_squared_logarithmic_error", title="Mean squared logarithmic error (MSLE)",
        task="regression", label_format=LABELS + "; non-negative", input_kind="value",
        formula=(r"\ell = \frac{1}{D}\sum_{j=1}^{D} "
                 r"\bigl(\log(1 + \hat y_j) - \log(1 + y_j)\bigr)^2"),
        properties=("relative-error", "non-negative-targets", "asymmetric"),
        reference=ref.mean_squared_logarithmic_error,
        torch=torch_elementwise("lossbook.torch.mean_squared_logarithmic_error"),
        keras=keras_loss("keras.losses.MeanSquaredLogarithmicError"),
        sampler=lambda rng, shape, params: (*_nonnegative(rng, shape), {}), shapes=SHAPES,
        known_differences=[KnownDifference(
            "keras", 22, "clips y_true and y_pred below at 1e-7 (negative values become 1e-7)",
            _msle_clipped)],
    ),
    make_entry(
        name="huber", title="Huber loss", task="regression", label_format=LABELS,
        input_kind="value",
        formula=(r"\ell = \frac{1}{D}\sum_j h_\delta(y_j - \hat y_j),\quad h_\delta(r) = "
                 r"\begin{cases}\tfrac12 r^2 & |r|\le\delta\\ \delta(|r| - \tfrac12\delta) & "
                 r"|r|>\delta\end{cases}"),
        properties=("convex", "outlier-robust", "differentiable-everywhere"),
        reference=ref.huber,
        torch=torch_elementwise("torch.nn.HuberLoss"),
        keras=keras_loss("keras.losses.Huber"),
        sampler=_gaussian_sampler, shapes=SHAPES,
        grid=({"delta": 1.0}, {"delta": 0.5}, {"delta": 2.0}),
    ),
    make_entry(
        name="log_cosh", title="Log-cosh loss", task="regression", label_format=LABELS,
        input_kind="value",
        formula=r"\ell = \frac{1}{D}\sum_{j=1}^{D} \log\cosh(y_j - \hat y_j)",
        properties=("convex", "outlier-robust", "differentiable-everywhere"),
        reference=ref.log_cosh,
        torch=torch_elementwise("lossbook.torch.log_cosh"),
        keras=keras_loss("keras.losses.LogCosh"),
        sampler=_gaussian_sampler, shapes=SHAPES,
    ),
    make_entry(
        name="quantile", title="Quantile (pinball) loss", task="regression",
        label_format=LABELS, input_kind="value",
        formula=(r"\ell = \frac{1}{D}\sum_j \max\bigl(\tau r_j, (\tau - 1) r_j\bigr),"
                 r"\quad r = y - \hat y"),
        properties=("convex", "asymmetric", "quantile-estimator", "outlier-robust"),
        reference=ref.quantile,
        torch=torch_elementwise("lossbook.torch.quantile"),
        keras=keras_loss("lossbook.keras.Quantile"),
        sampler=_gaussian_sampler, shapes=SHAPES,
        grid=({"tau": 0.5}, {"tau": 0.1}, {"tau": 0.9}),
    ),
    make_entry(
        name="poisson", title="Poisson negative log-likelihood", task="regression",
        label_format="non-negative counts, same shape as the predicted rates",
        input_kind="value",
        formula=r"\ell = \frac{1}{D}\sum_{j=1}^{D} \bigl(\hat y_j - y_j \log \hat y_j\bigr)",
        properties=("convex", "count-data", "poisson-likelihood", "positive-rate-input"),
        reference=ref.poisson,
        # PoissonNLLLoss takes the log-rate unless log_input=False (trap 13); eps as Keras'
        torch=torch_elementwise("torch.nn.PoissonNLLLoss", log_input=False, eps=1e-7),
        keras=keras_loss("keras.losses.Poisson"),
        sampler=lambda rng, shape, params: (*_counts(rng, shape), {}), shapes=SHAPES,
        known_differences=[KnownDifference("keras", 13, _POISSON_EPS, _poisson_with_eps),
                           KnownDifference("torch", 13, _POISSON_EPS + " (eps=1e-7 here)",
                                           _poisson_with_eps)],
    ),
]
