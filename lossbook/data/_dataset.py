"""The :class:`Dataset` every generator returns, seeding, and :func:`split`."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from types import MappingProxyType
from typing import Any

import numpy as np

from lossbook._validation import (
    check_int,
    check_open_unit_interval,
    describe,
)

DISTRIBUTIONS = ("normal", "laplace", "student_t")

__all__ = ["Dataset", "split"]


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
        parts = [f"n={len(self)}", f"x={self.x.shape} {self.x.dtype}",
                 f"y={self.y.shape} {self.y.dtype}"]
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

        >>> from lossbook.data import heteroscedastic
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
            raise ValueError(f"Pass either `seed` or `rng`, not both. "
                             f"Received: seed={seed!r}, rng={rng!r}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"`rng` must be a numpy.random.Generator. "
                            f"Received: rng={describe(rng)}")
        return rng
    return np.random.default_rng(check_int(0 if seed is None else seed, "seed", minimum=0))


def _n_test(n_test, n: int) -> int:
    return max(n // 4, 1) if n_test is None else check_int(n_test, "n_test", minimum=0)


def _column(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


def split(data: Dataset, fraction: float = 0.25, *, seed: int | None = None,
          rng=None) -> tuple[Dataset, Dataset]:
    """Split ``data`` at random into ``(train, test)``; ``test`` gets ``round(fraction * n)`` rows.

    Per-sample fields (``mean``, ``scale``, ``is_outlier``) follow their rows; ``params``
    is shared; the original ``data.test`` is dropped.

    >>> from lossbook.data import linear
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
            f"`fraction` leaves an empty train or test set for n={n}. "
            f"Received: fraction={fraction!r}"
        )
    order = generator.permutation(n)

    def take(rows):
        def pick(value):
            return None if value is None else value[rows]

        return Dataset(x=data.x[rows], y=data.y[rows], mean=pick(data.mean), scale=pick(data.scale),
                       is_outlier=pick(data.is_outlier), params=data.params)

    return take(np.sort(order[n_test:])), take(np.sort(order[:n_test]))
