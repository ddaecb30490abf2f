"""Seeded synthetic data for the book: small, reproducible, ready for torch and Keras.

Every generator takes ``seed=`` (an int) or ``rng=`` (a :class:`numpy.random.Generator`),
never global randomness, and returns a :class:`Dataset`: ``x`` of shape ``[n, features]``
and ``y`` of shape ``[n, 1]`` in float32 (integer labels of shape ``[n]`` for multi-class
data), the noise-free truth (``mean``, ``params``) and a clean held-out ``test`` set drawn
from the same distribution::

    data = lb.data.regression_with_outliers(seed=0)
    data.x.shape, data.y.shape, data.is_outlier.mean(), data.test.x.shape
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from statistics import NormalDist
from types import MappingProxyType
from typing import Any

import numpy as np

from lossbook._validation import (
    check_in_choices,
    check_int,
    check_nonnegative,
    check_open_unit_interval,
    check_positive,
    describe,
)

__all__ = [
    "Dataset",
    "binary_classification",
    "counts",
    "heavy_tailed",
    "heteroscedastic",
    "imbalanced",
    "laplace_noise",
    "linear",
    "multiclass_blobs",
    "one_hot",
    "regression_with_outliers",
    "split",
]

DISTRIBUTIONS = ("normal", "laplace", "student_t")


@dataclass(frozen=True, repr=False)
class Dataset:
    """Features, targets and the truth they were drawn from.

    Attributes:
        x: features, float32 ``[n, features]``.
        y: targets, float32 ``[n, 1]`` (int64 labels ``[n]`` for multi-class data).
        mean: the noise-free ``E[y | x]`` (the Poisson rate, the Bernoulli probability),
            float64 ``[n, 1]``, or ``None``.
        scale: the per-sample noise scale (std for normal noise, ``b`` for Laplace, the
            t scale for Student-t), float64 ``[n, 1]``, or ``None``.
        is_outlier: bool ``[n]`` marking gross outliers, or ``None``.
        params: the true parameters (``slope``, ``intercept``, ``weights``, ...), read-only.
        test: a held-out :class:`Dataset` from the clean distribution, or ``None``.
    """

    x: np.ndarray
    y: np.ndarray
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    is_outlier: np.ndarray | None = None
    params: Any = field(default_factory=dict)
    test: Dataset | None = None

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __len__(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        parts = [f"n={len(self)}", f"x={self.x.shape} {self.x.dtype}", f"y={self.y.shape} {self.y.dtype}"]
        if self.is_outlier is not None:
            parts.append(f"outliers={int(self.is_outlier.sum())}")
        if self.test is not None:
            parts.append(f"test={len(self.test)}")
        shown = {k: v for k, v in self.params.items() if np.ndim(v) == 0}
        parts.append(f"params={shown}")
        return f"Dataset({', '.join(parts)})"

    def quantile(self, q: float) -> np.ndarray:
        """The true conditional ``q``-quantile of ``y`` given ``x``, float64 ``[n, 1]``.

        Defined for the regression generators (normal, Laplace or Student-t noise around
        ``mean`` with per-sample ``scale``); the lines a quantile regression should find.

        >>> data = heteroscedastic(100, seed=0)
        >>> bool(np.all(data.quantile(0.9) > data.quantile(0.1)))
        True
        """
        q = check_open_unit_interval(q, "q")
        distribution = self.params.get("distribution")
        if self.mean is None or self.scale is None or distribution not in DISTRIBUTIONS:
            raise ValueError(
                "`quantile` needs a regression dataset with a known noise distribution. "
                f"Received: a dataset with params={dict(self.params)!r}"
            )
        if distribution == "normal":
            z = NormalDist().inv_cdf(q)
        elif distribution == "laplace":
            z = -np.sign(q - 0.5) * np.log(1 - 2 * abs(q - 0.5))
        else:
            from scipy import stats

            z = stats.t.ppf(q, self.params["df"])
        return self.mean + self.scale * z


def _rng(seed, rng) -> np.random.Generator:
    """The generator to draw from: ``rng`` if given, else one seeded with ``seed`` (default 0)."""
    if rng is not None:
        if seed is not None:
            raise ValueError(f"Pass either `seed` or `rng`, not both. Received: seed={seed!r}, rng={rng!r}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"`rng` must be a numpy.random.Generator. Received: rng={describe(rng)}")
        return rng
    return np.random.default_rng(check_int(0 if seed is None else seed, "seed", minimum=0))


def _n_test(n_test, n: int) -> int:
    return max(n // 4, 1) if n_test is None else check_int(n_test, "n_test", minimum=0)


def _column(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


def _noise(rng, distribution: str, size: int, df: float | None) -> np.ndarray:
    """Standardised noise draws (unit scale) of the named distribution."""
    if distribution == "normal":
        return rng.standard_normal(size)
    if distribution == "laplace":
        return rng.laplace(0.0, 1.0, size)
    return rng.standard_t(df, size)


def _regression(rng, n, *, slope, intercept, noise, distribution, df, x_range, scale_slope, params):
    """``y = slope * x + intercept + scale(x) * noise`` with ``scale(x) = noise * (1 + scale_slope * (x - lo))``."""
    lo, hi = x_range
    x = _column(rng.uniform(lo, hi, n))
    mean = slope * x + intercept
    scale = noise * (1.0 + scale_slope * (x - lo))
    y = mean + scale * _column(_noise(rng, distribution, n, df))
    return Dataset(x=x.astype(np.float32), y=y.astype(np.float32), mean=mean, scale=scale, params=params)


def _check_range(x_range) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`x_range` must be a pair (low, high). Received: x_range={describe(x_range)}") from error
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
    params = dict(slope=float(slope), intercept=float(intercept), noise=check_nonnegative(noise, "noise"),
                  distribution=distribution)
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
    params = dict(slope=float(slope), intercept=float(intercept), noise=check_nonnegative(noise, "noise"),
                  growth=check_nonnegative(growth, "growth"), distribution="normal")
    kwargs = dict(slope=params["slope"], intercept=params["intercept"], noise=params["noise"],
                  distribution="normal", df=None, x_range=_check_range(x_range),
                  scale_slope=params["growth"], params=params)
    train = _regression(generator, n, **kwargs)
    return replace(train, test=_regression(generator, n_test, **kwargs) if n_test else None)


def regression_with_outliers(n: int = 200, *, outlier_fraction: float = 0.1, outlier_scale: float = 10.0,
                             slope: float = 2.0, intercept: float = 1.0, noise: float = 0.5,
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
        raise ValueError(f"`outlier_fraction` must lie in [0, 1). Received: outlier_fraction={outlier_fraction!r}")
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


def _sigmoid(logits):
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # tanh form: no overflow for large |logits|


def binary_classification(n: int = 500, *, weights=(2.0, -1.0), bias: float = 0.5,
                          n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """Labels from a logistic model: ``y ~ Bernoulli(sigmoid(x @ weights + bias))``.

    ``x`` is standard normal ``[n, len(weights)]``; ``y`` holds 0/1 labels as float32
    ``[n, 1]``; ``mean`` holds the true probabilities. Maximum likelihood under this
    model is binary cross-entropy, so a logistic fit recovers ``weights`` and ``bias``.

    >>> data = binary_classification(100, weights=(1.0, 2.0, 3.0), seed=0)
    >>> data.x.shape, sorted(set(data.y.ravel().tolist()))
    ((100, 3), [0.0, 1.0])
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size == 0 or not np.all(np.isfinite(w)):
        raise ValueError(f"`weights` must be a non-empty sequence of finite numbers. Received: weights={weights!r}")
    params = dict(weights=w, bias=float(bias))

    def draw(size):
        x = generator.standard_normal((size, w.size))
        probs = _column(_sigmoid(x @ w + params["bias"]))
        y = (generator.uniform(size=(size, 1)) < probs).astype(np.float32)
        return Dataset(x=x.astype(np.float32), y=y, mean=probs, params=params)

    train = draw(n)
    return replace(train, test=draw(n_test) if n_test else None)


def _blobs(generator, n, centers, spread, class_probs):
    labels = generator.choice(len(centers), size=n, p=class_probs)
    x = centers[labels] + spread * generator.standard_normal((n, centers.shape[1]))
    return x.astype(np.float32), labels.astype(np.int64)


def multiclass_blobs(n: int = 600, *, classes: int = 3, spread: float = 1.0, radius: float = 2.5,
                     n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """2-D Gaussian blobs, one per class, centred evenly on a circle of ``radius``.

    ``y`` holds integer labels int64 ``[n]`` (torch ``CrossEntropyLoss`` and Keras
    ``SparseCategoricalCrossentropy``; :func:`one_hot` for ``CategoricalCrossentropy``);
    ``params["centers"]`` is ``[classes, 2]``.

    >>> data = multiclass_blobs(90, classes=3, seed=0)
    >>> data.x.shape, data.y.shape, data.y.dtype, data.params["classes"]
    ((90, 2), (90,), dtype('int64'), 3)
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    classes = check_int(classes, "classes", minimum=2)
    angles = 2 * np.pi * np.arange(classes) / classes
    centers = check_positive(radius, "radius") * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    spread = check_positive(spread, "spread")
    params = dict(classes=classes, centers=centers, spread=spread)
    uniform = np.full(classes, 1.0 / classes)
    train = Dataset(*_blobs(generator, n, centers, spread, uniform), params=params)
    test = Dataset(*_blobs(generator, n_test, centers, spread, uniform), params=params) if n_test else None
    return replace(train, test=test)


def imbalanced(n: int = 1000, *, positive_fraction: float = 0.1, spread: float = 1.0,
               distance: float = 2.0, n_test: int | None = None, seed: int | None = None,
               rng=None) -> Dataset:
    """Two overlapping 2-D blobs where the positive class (label 1) is rare.

    Labels are 0/1 float32 ``[n, 1]`` with ``P(y = 1) = positive_fraction``; the blob
    centres are ``distance`` apart. The test set has the same imbalance.

    >>> data = imbalanced(1000, positive_fraction=0.05, seed=0)
    >>> 0.02 < float(data.y.mean()) < 0.08
    True
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    fraction = check_open_unit_interval(positive_fraction, "positive_fraction")
    half = check_positive(distance, "distance") / 2
    centers = np.array([[-half, 0.0], [half, 0.0]])
    spread = check_positive(spread, "spread")
    params = dict(positive_fraction=fraction, centers=centers, spread=spread)

    def draw(size):
        x, labels = _blobs(generator, size, centers, spread, [1 - fraction, fraction])
        return Dataset(x=x, y=labels.astype(np.float32).reshape(-1, 1), params=params)

    train = draw(n)
    return replace(train, test=draw(n_test) if n_test else None)


def one_hot(labels, classes: int) -> np.ndarray:
    """Integer labels ``[n]`` as float32 one-hot rows ``[n, classes]``.

    >>> one_hot([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    from lossbook._validation import as_label_array

    classes = check_int(classes, "classes", minimum=1)
    labels = as_label_array(labels, "labels", num_classes=classes)
    return np.eye(classes, dtype=np.float32)[labels]


def split(data: Dataset, fraction: float = 0.25, *, seed: int | None = None, rng=None) -> tuple[Dataset, Dataset]:
    """Split ``data`` at random into ``(train, test)``; ``test`` gets ``round(fraction * n)`` rows.

    Per-sample fields (``mean``, ``scale``, ``is_outlier``) follow their rows; ``params``
    is shared; the original ``data.test`` is dropped.

    >>> train, test = split(linear(100, seed=0), 0.2, seed=0)
    >>> len(train), len(test)
    (80, 20)
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"`data` must be a lossbook.data.Dataset. Received: data={describe(data)}")
    fraction = check_open_unit_interval(fraction, "fraction")
    generator = _rng(seed, rng)
    n = len(data)
    n_test = int(round(fraction * n))
    if not 0 < n_test < n:
        raise ValueError(
            f"`fraction` leaves an empty train or test set for n={n}. Received: fraction={fraction!r}"
        )
    order = generator.permutation(n)

    def take(rows):
        def pick(value):
            return None if value is None else value[rows]

        return Dataset(x=data.x[rows], y=data.y[rows], mean=pick(data.mean), scale=pick(data.scale),
                       is_outlier=pick(data.is_outlier), params=data.params)

    return take(np.sort(order[n_test:])), take(np.sort(order[:n_test]))
