"""Classification data: a logistic binary task, Gaussian blobs, imbalanced classes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lossbook._validation import (
    check_int,
    check_open_unit_interval,
    check_positive,
)
from lossbook.data._dataset import Dataset, _column, _n_test, _rng

__all__ = ["binary_classification", "imbalanced", "multiclass_blobs", "one_hot"]


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
        raise ValueError(f"`weights` must be a non-empty sequence of finite numbers. "
                         f"Received: weights={weights!r}")
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
    test = (Dataset(*_blobs(generator, n_test, centers, spread, uniform), params=params)
            if n_test else None)
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
