"""Data for the Custom-losses chapter: a wave with growing noise, two tasks on shared
features, and preference pairs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lossbook._validation import check_int, check_nonnegative, check_positive, describe
from lossbook.data._dataset import Dataset, _n_test, _rng

__all__ = ["preference_pairs", "two_regression_tasks", "two_task", "wave"]


def wave(n: int = 300, *, frequency: float = 3.0, noise: float = 0.05, growth: float = 0.15,
         n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """A sine wave whose noise grows away from the centre: hard to fit, and heteroscedastic.

    ``x ~ U(-3, 3)``, ``y = sin(frequency * x) + (noise + growth * |x|) * eps``: ``mean`` and
    ``scale`` (the noise standard deviation) record the truth, ``[n, 1]`` each. A model with a
    mean and a variance head must fit many oscillations and the noise level at once.

    >>> data = wave(100, seed=0)
    >>> bool(data.scale.max() < 0.05 + 0.15 * 3 + 1e-12)
    True
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    params = dict(frequency=check_positive(frequency, "frequency"),
                  noise=check_nonnegative(noise, "noise"),
                  growth=check_nonnegative(growth, "growth"), distribution="normal")

    def draw(size):
        x = generator.uniform(-3.0, 3.0, (size, 1))
        mean = np.sin(params["frequency"] * x)
        scale = params["noise"] + params["growth"] * np.abs(x)
        y = mean + scale * generator.standard_normal((size, 1))
        return Dataset(x=x.astype(np.float32), y=y.astype(np.float32), mean=mean, scale=scale,
                       params=params)

    return replace(draw(n), test=draw(n_test) if n_test else None)


def _features(rng, n):
    """Four standard-normal features and the two noise-free signals that share ``x[:, 0]``."""
    x = rng.standard_normal((n, 4))
    first = np.sin(2.0 * x[:, 0]) + 0.5 * x[:, 1]
    second = x[:, 0] - x[:, 2]
    return x, first, second


def two_task(n: int = 400, *, noise: float = 0.3, target_scale: float = 1.0,
             n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """A regression target and a binary label from the same four features.

    ``y[:, 0] = target_scale * (sin(2 x0) + x1 / 2 + noise * eps)`` and ``y[:, 1]`` a 0/1 label
    drawn with probability ``sigmoid(3 (x0 - x2))``: both depend on ``x0``, the shared part a
    two-head network can learn once. ``mean`` holds the noise-free value and the label's
    probability, ``[n, 2]``. ``target_scale`` puts the regression target in other units (1000:
    its squared errors dwarf any cross-entropy).

    >>> data = two_task(100, seed=0)
    >>> data.y.shape, sorted(set(data.y[:, 1].tolist()))
    ((100, 2), [0.0, 1.0])
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    params = dict(noise=check_nonnegative(noise, "noise"),
                  target_scale=check_positive(target_scale, "target_scale"))

    def draw(size):
        x, first, second = _features(generator, size)
        probability = 1.0 / (1.0 + np.exp(-3.0 * second))
        value = params["target_scale"] * (first + params["noise"] * generator.standard_normal(size))
        label = (generator.uniform(size=size) < probability).astype(np.float64)
        mean = np.stack([params["target_scale"] * first, probability], axis=1)
        return Dataset(x=x.astype(np.float32), y=np.stack([value, label], 1).astype(np.float32),
                       mean=mean, params=params)

    return replace(draw(n), test=draw(n_test) if n_test else None)


def two_regression_tasks(n: int = 400, *, noise=(0.1, 1.0), n_test: int | None = None,
                         seed: int | None = None, rng=None) -> Dataset:
    """Two regression targets on shared features, with different noise levels.

    ``y[:, 0] = sin(2 x0) + x1 / 2 + noise[0] * eps0`` and ``y[:, 1] = x0 - x2 + noise[1] *
    eps1``; ``mean`` holds the noise-free values and ``scale`` the two noise levels, each
    ``[n, 2]``. The task of uncertainty weighting: one task is much noisier than the other.

    >>> two_regression_tasks(50, noise=(0.1, 2.0), seed=0).scale[0].tolist()
    [0.1, 2.0]
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    try:
        levels = tuple(check_nonnegative(level, "noise") for level in noise)
    except TypeError as error:
        raise TypeError(f"`noise` must be a pair of noise levels. "
                        f"Received: noise={describe(noise)}") from error
    if len(levels) != 2:
        raise ValueError(f"`noise` must be a pair of noise levels. Received: noise={noise!r}")

    def draw(size):
        x, first, second = _features(generator, size)
        mean = np.stack([first, second], axis=1)
        scale = np.broadcast_to(np.array(levels), (size, 2)).copy()
        y = mean + scale * generator.standard_normal((size, 2))
        return Dataset(x=x.astype(np.float32), y=y.astype(np.float32), mean=mean, scale=scale,
                       params=dict(noise=levels))

    return replace(draw(n), test=draw(n_test) if n_test else None)


def preference_pairs(n: int = 300, *, items: int = 5, spread: float = 1.0,
                     n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """Preference pairs over ``items`` items drawn from a Bradley–Terry model.

    Each item has a true utility ``u ~ N(0, spread²)`` (``params["utilities"]``). A pair of two
    different items ``(i, j)`` is shown; ``i`` is preferred with probability
    ``sigmoid(u_i - u_j)``. ``x`` holds the pairs as int64 ``[n, 2]`` **(chosen, rejected)**;
    ``y`` is all ones ``[n, 1]`` ("the first is preferred"): the preference losses need no
    label, the order of the pair is the label.

    >>> data = preference_pairs(20, items=4, seed=0)
    >>> data.x.shape, bool(np.all(data.x[:, 0] != data.x[:, 1]))
    ((20, 2), True)
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    items = check_int(items, "items", minimum=2)
    n_test = _n_test(n_test, n)
    utilities = generator.normal(0.0, check_positive(spread, "spread"), items)
    params = dict(items=items, utilities=utilities)

    def draw(size):
        first = generator.integers(0, items, size)
        second = (first + generator.integers(1, items, size)) % items  # a different item
        gap = utilities[first] - utilities[second]
        keep = generator.uniform(size=size) < 1.0 / (1.0 + np.exp(-gap))  # P(first wins)
        chosen = np.where(keep, first, second)
        rejected = np.where(keep, second, first)
        return Dataset(x=np.stack([chosen, rejected], axis=1).astype(np.int64),
                       y=np.ones((size, 1), np.float32), params=params)

    return replace(draw(n), test=draw(n_test) if n_test else None)
