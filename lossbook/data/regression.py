"""Regression data: lines with Gaussian, Laplace or Student-t noise, outliers,
heteroscedastic noise, and Poisson counts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lossbook._validation import (
    check_in_choices,
    check_int,
    check_nonnegative,
    check_positive,
    describe,
)
from lossbook.data._dataset import DISTRIBUTIONS, Dataset, _column, _n_test, _rng

__all__ = [
    "DISTRIBUTIONS", "counts", "heavy_tailed", "heteroscedastic", "laplace_noise", "linear",
    "regression_with_outliers",
]




def _noise(rng, distribution: str, size: int, df: float | None) -> np.ndarray:
    """Standardised noise draws (unit scale) of the named distribution."""
    if distribution == "normal":
        return rng.standard_normal(size)
    if distribution == "laplace":
        return rng.laplace(0.0, 1.0, size)
    return rng.standard_t(df, size)


def _regression(rng, n, *, slope, intercept, noise, distribution, df, x_range, scale_slope, params):
    """``y = slope * x + intercept + scale(x) * noise`` with
    ``scale(x) = noise * (1 + scale_slope * (x - lo))``."""
    lo, hi = x_range
    x = _column(rng.uniform(lo, hi, n))
    mean = slope * x + intercept
    scale = noise * (1.0 + scale_slope * (x - lo))
    y = mean + scale * _column(_noise(rng, distribution, n, df))
    return Dataset(x=x.astype(np.float32), y=y.astype(np.float32), mean=mean, scale=scale,
                   params=params)


def _check_range(x_range) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`x_range` must be a pair (low, high). "
                        f"Received: x_range={describe(x_range)}") from error
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"`x_range` must be finite with low < high. Received: x_range={x_range!r}")
    return lo, hi


def linear(n: int = 200, *, slope: float = 2.0, intercept: float = 1.0, noise: float = 0.5,
           distribution: str = "normal", df: float = 2.0, x_range=(-2.0, 2.0),
           n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """A line plus noise: ``y = slope * x + intercept + noise * eps``.

    ``eps`` is standard normal, standard Laplace (``distribution="laplace"``) or Student-t
    with ``df`` degrees of freedom (``"student_t"``); ``x`` is uniform on ``x_range``.
    Maximum likelihood under normal noise is least squares (MSE), under Laplace noise
    least absolute deviations (MAE).

    Returns:
        A :class:`Dataset` with ``x``, ``y`` of shape ``[n, 1]``, ``mean``, ``scale``,
        ``params`` (``slope``, ``intercept``, ``noise``, ``distribution``) and ``test``
        (``n_test`` points, default ``n // 4``).

    >>> data = linear(100, slope=3.0, seed=0)
    >>> data.x.shape, data.y.dtype, data.params["slope"], len(data.test)
    ((100, 1), dtype('float32'), 3.0, 25)
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    check_in_choices(distribution, "distribution", DISTRIBUTIONS)
    params = dict(slope=float(slope), intercept=float(intercept),
                  noise=check_nonnegative(noise, "noise"), distribution=distribution)
    if distribution == "student_t":
        params["df"] = check_positive(df, "df")
    kwargs = dict(slope=params["slope"], intercept=params["intercept"], noise=params["noise"],
                  distribution=distribution, df=params.get("df"), x_range=_check_range(x_range),
                  scale_slope=0.0, params=params)
    train = _regression(generator, n, **kwargs)
    return replace(train, test=_regression(generator, n_test, **kwargs) if n_test else None)


def laplace_noise(n: int = 200, *, noise: float = 0.5, **kwargs) -> Dataset:
    """:func:`linear` with Laplace noise of scale ``noise``: the likelihood whose MLE is MAE.

    >>> laplace_noise(50, seed=1).params["distribution"]
    'laplace'
    """
    return linear(n, noise=noise, distribution="laplace", **kwargs)


def heavy_tailed(n: int = 200, *, df: float = 2.0, noise: float = 0.5, **kwargs) -> Dataset:
    """:func:`linear` with Student-t noise (``df`` degrees of freedom): occasional huge residuals.

    ``df = 1`` is the Cauchy distribution (no mean); ``df <= 2`` has infinite variance.

    >>> heavy_tailed(50, df=1.5, seed=1).params["df"]
    1.5
    """
    return linear(n, noise=noise, distribution="student_t", df=df, **kwargs)


def heteroscedastic(n: int = 500, *, slope: float = 1.0, intercept: float = 0.0, noise: float = 0.2,
                    growth: float = 1.0, x_range=(0.0, 4.0), n_test: int | None = None,
                    seed: int | None = None, rng=None) -> Dataset:
    """A line with normal noise whose standard deviation grows with ``x``.

    ``y = slope * x + intercept + noise * (1 + growth * (x - low)) * eps``, ``eps ~ N(0, 1)``:
    the 10 % and 90 % quantile lines fan out, which quantile regression recovers and
    MSE cannot. :meth:`Dataset.quantile` gives the true quantile lines.

    >>> data = heteroscedastic(200, seed=0)
    >>> float(data.scale.max() / data.scale.min()) > 4
    True
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    params = dict(slope=float(slope), intercept=float(intercept),
                  noise=check_nonnegative(noise, "noise"),
                  growth=check_nonnegative(growth, "growth"), distribution="normal")
    kwargs = dict(slope=params["slope"], intercept=params["intercept"], noise=params["noise"],
                  distribution="normal", df=None, x_range=_check_range(x_range),
                  scale_slope=params["growth"], params=params)
    train = _regression(generator, n, **kwargs)
    return replace(train, test=_regression(generator, n_test, **kwargs) if n_test else None)


def regression_with_outliers(n: int = 200, *, outlier_fraction: float = 0.1,
                             outlier_scale: float = 10.0, slope: float = 2.0,
                             intercept: float = 1.0, noise: float = 0.5,
                             x_range=(-2.0, 2.0), n_test: int | None = None,
                             seed: int | None = None, rng=None) -> Dataset:
    """Clean linear data in which ``round(outlier_fraction * n)`` points are gross outliers.

    The outliers are pushed *up* by ``outlier_scale * (1 + u)``, ``u ~ U(0, 1)``, so that
    they pull a least-squares fit one way; ``is_outlier`` marks them. The ``test`` set has
    no outliers: it measures how well each fit learned the clean line.

    >>> data = regression_with_outliers(200, outlier_fraction=0.1, seed=0)
    >>> int(data.is_outlier.sum()), data.test.is_outlier is None
    (20, True)
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    fraction = check_nonnegative(outlier_fraction, "outlier_fraction")
    if fraction >= 1.0:
        raise ValueError(f"`outlier_fraction` must lie in [0, 1). "
                         f"Received: outlier_fraction={outlier_fraction!r}")
    outlier_scale = check_positive(outlier_scale, "outlier_scale")
    clean = linear(n, slope=slope, intercept=intercept, noise=noise, x_range=x_range,
                   n_test=n_test, rng=generator)
    is_outlier = np.zeros(n, dtype=bool)
    is_outlier[generator.choice(n, size=int(round(fraction * n)), replace=False)] = True
    shift = outlier_scale * (1.0 + generator.uniform(0.0, 1.0, int(is_outlier.sum())))
    y = clean.y.copy()
    y[is_outlier, 0] += shift.astype(np.float32)
    params = dict(clean.params, outlier_fraction=fraction, outlier_scale=outlier_scale)
    return replace(clean, y=y, is_outlier=is_outlier, params=params)


def counts(n: int = 500, *, slope: float = 0.8, intercept: float = 0.5, x_range=(-2.0, 2.0),
           n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """Poisson counts from a log-linear rate: ``y ~ Poisson(exp(slope * x + intercept))``.

    ``mean`` holds the true rate; ``y`` holds the counts as float32 ``[n, 1]`` (what the
    frameworks' Poisson losses take).

    >>> data = counts(300, seed=0)
    >>> bool(np.all(data.y == np.round(data.y))), bool(np.all(data.mean > 0))
    (True, True)
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    lo, hi = _check_range(x_range)
    params = dict(slope=float(slope), intercept=float(intercept), link="log")

    def draw(size):
        x = _column(generator.uniform(lo, hi, size))
        rate = np.exp(params["slope"] * x + params["intercept"])
        y = generator.poisson(rate).astype(np.float32)
        return Dataset(x=x.astype(np.float32), y=y, mean=rate, params=params)

    train = draw(n)
    return replace(train, test=draw(n_test) if n_test else None)
