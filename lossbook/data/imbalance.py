"""Data for the Imbalance chapter: long-tailed classes, noisy labels, segmentation masks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lossbook._validation import (
    check_int,
    check_positive,
    check_unit_interval,
    describe,
)
from lossbook.data._dataset import Dataset, _n_test, _rng
from lossbook.data.classification import _blobs

__all__ = ["long_tailed", "noisy_labels", "segmentation_shapes"]


def long_tailed(n: int = 2000, *, classes: int = 4, imbalance: float = 50.0,
                spread: float = 1.0, radius: float = 2.0, balanced_test: bool = True,
                n_test: int | None = None, seed: int | None = None, rng=None) -> Dataset:
    """2-D Gaussian blobs whose class frequencies fall geometrically: a long tail.

    Class ``c`` has prior ``π_c ∝ imbalance^(-c / (classes - 1))``, so the first class is
    ``imbalance`` times as frequent as the last; ``params["priors"]`` holds ``π``. Labels are
    int64 ``[n]``. The held-out set is balanced by default (``balanced_test``), as in Menon et
    al. (2021): then plain accuracy is the balanced accuracy.

    >>> data = long_tailed(1000, classes=3, imbalance=10.0, seed=0)
    >>> np.round(data.params["priors"], 3).tolist(), np.bincount(data.y).tolist()
    ([0.706, 0.223, 0.071], [682, 248, 70])
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    classes = check_int(classes, "classes", minimum=2)
    imbalance = check_positive(imbalance, "imbalance")
    priors = imbalance ** (-np.arange(classes) / (classes - 1))
    priors /= priors.sum()
    angles = 2 * np.pi * np.arange(classes) / classes
    centers = check_positive(radius, "radius") * np.stack([np.cos(angles), np.sin(angles)], 1)
    spread = check_positive(spread, "spread")
    params = dict(classes=classes, centers=centers, spread=spread, priors=priors,
                  imbalance=imbalance)
    train = Dataset(*_blobs(generator, n, centers, spread, priors), params=params)
    test_priors = np.full(classes, 1.0 / classes) if balanced_test else priors
    test = (Dataset(*_blobs(generator, n_test, centers, spread, test_priors),
                    params={**params, "priors": test_priors}) if n_test else None)
    return replace(train, test=test)


def noisy_labels(data: Dataset, noise: float = 0.2, *, seed: int | None = None,
                 rng=None) -> Dataset:
    """``data`` with symmetric label noise on its training labels; the test set stays clean.

    Each integer label is replaced, with probability ``noise``, by one of the *other*
    classes drawn uniformly. ``is_outlier`` marks the flipped rows and
    ``params["clean_labels"]`` keeps the true ones.

    >>> from lossbook.data import multiclass_blobs
    >>> noisy = noisy_labels(multiclass_blobs(1000, seed=0), 0.4, seed=0)
    >>> changed = noisy.y != noisy.params["clean_labels"]
    >>> round(float(noisy.is_outlier.mean()), 2), bool(np.all(changed == noisy.is_outlier))
    (0.37, True)
    """
    if not isinstance(data, Dataset) or data.y.ndim != 1 or data.y.dtype.kind not in "iu":
        raise TypeError("`data` must be a Dataset with integer labels [n] (e.g. from "
                        f"multiclass_blobs). Received: data={describe(data)}")
    noise = check_unit_interval(noise, "noise")
    generator = _rng(seed, rng)
    classes = int(data.params.get("classes", data.y.max() + 1))
    flipped = generator.uniform(size=len(data)) < noise
    shift = generator.integers(1, classes, size=len(data))  # never the true class
    labels = np.where(flipped, (data.y + shift) % classes, data.y).astype(np.int64)
    return replace(data, y=labels, is_outlier=flipped,
                   params={**data.params, "noise": noise, "clean_labels": data.y.copy()})


def segmentation_shapes(n: int = 64, *, size: int = 16, max_radius: float = 3.0,
                        distractors: int = 2, noise: float = 0.3, n_test: int | None = None,
                        seed: int | None = None, rng=None) -> Dataset:
    """Tiny grey images, each with one disc to segment among square distractors.

    ``x`` is float32 ``[n, size, size, 1]`` (Keras' channels-last layout; torch wants
    ``x.transpose(0, 3, 1, 2)``): a bright disc of radius 1.5 to ``max_radius``, up to
    ``distractors`` squares of the same brightness, and Gaussian pixel noise of std
    ``noise``. ``y`` is the disc's mask, float32 ``[n, size, size, 1]``: a small foreground
    (``params["foreground"]``, the training set's fraction of foreground pixels, is under
    10 % by default), so most pixels are background — the imbalance of segmentation.

    >>> data = segmentation_shapes(32, seed=0)
    >>> data.x.shape, data.y.shape, bool(data.params["foreground"] < 0.1)
    ((32, 16, 16, 1), (32, 16, 16, 1), True)
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=1)
    n_test = _n_test(n_test, n)
    size = check_int(size, "size", minimum=8)
    max_radius = check_positive(max_radius, "max_radius")
    if not 1.5 <= max_radius <= size / 4:
        raise ValueError(f"`max_radius` must be between 1.5 and size / 4 = {size / 4}. "
                         f"Received: max_radius={max_radius!r}")
    distractors = check_int(distractors, "distractors", minimum=0)
    noise = check_positive(noise, "noise") if noise else 0.0
    rows, cols = np.mgrid[0:size, 0:size]

    def draw(count):
        images = np.zeros((count, size, size), np.float64)
        masks = np.zeros((count, size, size), np.float64)
        for i in range(count):
            radius = generator.uniform(1.5, max_radius)
            r0, c0 = generator.uniform(radius, size - 1 - radius, size=2)
            masks[i] = (rows - r0) ** 2 + (cols - c0) ** 2 <= radius**2
            for _ in range(generator.integers(0, distractors + 1)):
                side = generator.integers(2, 4)
                top, left = generator.integers(0, size - side, size=2)
                images[i, top:top + side, left:left + side] = 1.0
            images[i] = np.maximum(images[i], masks[i])
        images += noise * generator.standard_normal(images.shape)
        return images[..., None].astype(np.float32), masks[..., None].astype(np.float32)

    x, y = draw(n)
    params = dict(size=size, max_radius=max_radius, distractors=distractors, noise=noise,
                  foreground=float(y.mean()))
    test = Dataset(*draw(n_test), params=params) if n_test else None
    return Dataset(x=x, y=y, params=params, test=test)
