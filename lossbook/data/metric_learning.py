"""Metric-learning data: labelled identities with nuisance factors, pairs, PK batches, views.

Retrieval is judged on **held-out classes**: :func:`identities` puts classes in its ``test``
set that training never saw, as face or product retrieval does.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import as_label_array, check_int, check_positive
from lossbook.data._dataset import Dataset, _rng

__all__ = ["identities", "pk_batches", "siamese_pairs", "two_views"]


def _mixing(generator, latent, nuisance, features):
    """Fixed random maps from the identity code and the nuisance code to the features."""
    return (generator.standard_normal((latent, features)) / np.sqrt(latent),
            generator.standard_normal((nuisance, features)) / np.sqrt(nuisance))


def _observe(generator, codes, identity_map, nuisance_map, nuisance_scale, noise):
    """Features of identity ``codes``: identity signal + a large nuisance + noise, bent by tanh."""
    nuisance = nuisance_scale * generator.standard_normal((len(codes), len(nuisance_map)))
    mixed = codes @ identity_map + nuisance @ nuisance_map
    mixed += noise * generator.standard_normal(mixed.shape)
    return np.tanh(mixed).astype(np.float32)


def identities(classes: int = 30, per_class: int = 20, *, test_classes: int = 20,
               features: int = 16, latent: int = 4, nuisance: int = 4,
               nuisance_scale: float = 1.5, spread: float = 0.3, noise: float = 0.1,
               seed: int | None = None, rng=None) -> Dataset:
    """Labelled examples of ``classes`` identities; ``test`` holds ``test_classes`` new ones.

    Each identity :math:`k` has a code :math:`c_k \\sim N(0, I_{latent})`; an example is
    :math:`x = \\tanh\\bigl((c_k + \\text{spread}\\,\\varepsilon) A + z B + \\text{noise}\\,
    \\eta\\bigr)` with a nuisance code :math:`z \\sim N(0, \\text{nuisance\\_scale}^2 I)` (pose,
    lighting: it changes the features, not the identity) and fixed random maps :math:`A, B`.
    Raw Euclidean distance is dominated by the nuisance; a learned embedding can ignore it.

    ``x``: float32 ``[classes * per_class, features]``; ``y``: int64 labels ``[n]``; the
    ``test`` labels continue the numbering (``classes`` to ``classes + test_classes - 1``).

    >>> data = identities(5, 4, test_classes=3, seed=0)
    >>> data.x.shape, sorted(set(data.y.tolist())), sorted(set(data.test.y.tolist()))
    ((20, 16), [0, 1, 2, 3, 4], [5, 6, 7])
    """
    generator = _rng(seed, rng)
    classes = check_int(classes, "classes", minimum=2)
    per_class = check_int(per_class, "per_class", minimum=2)
    test_classes = check_int(test_classes, "test_classes", minimum=0)
    latent = check_int(latent, "latent", minimum=1)
    identity_map, nuisance_map = _mixing(generator, latent,
                                         check_int(nuisance, "nuisance", minimum=1),
                                         check_int(features, "features", minimum=1))
    scale, spread = check_positive(nuisance_scale, "nuisance_scale"), check_positive(spread,
                                                                                      "spread")
    noise = check_positive(noise, "noise")
    params = dict(classes=classes, per_class=per_class, test_classes=test_classes,
                  latent=latent, nuisance_scale=scale, spread=spread, noise=noise)

    def draw(first, count):
        labels = np.repeat(np.arange(first, first + count), per_class)
        codes = generator.standard_normal((count, latent))[labels - first]
        codes = codes + spread * generator.standard_normal(codes.shape)
        x = _observe(generator, codes, identity_map, nuisance_map, scale, noise)
        return Dataset(x, labels.astype(np.int64), params=params)

    train = draw(0, classes)
    test = draw(classes, test_classes) if test_classes else None
    return Dataset(train.x, train.y, params=params, test=test)


def siamese_pairs(labels, n_pairs: int, *, similar_fraction: float = 0.5,
                  seed: int | None = None, rng=None):
    """Index pairs ``(left, right, similar)`` drawn from ``labels``: ``similar`` is 1 when the
    two share a label (a fraction ``similar_fraction`` of the pairs), else 0; never ``i == j``.

    >>> labels = np.array([0, 0, 1, 1, 2, 2])
    >>> left, right, similar = siamese_pairs(labels, 8, seed=0)
    >>> similar.dtype, int(similar.sum()), bool(np.all(left != right))
    (dtype('float32'), 4, True)
    """
    generator = _rng(seed, rng)
    labels = as_label_array(labels, "labels")
    n_pairs = check_int(n_pairs, "n_pairs", minimum=1)
    n_similar = int(round(n_pairs * similar_fraction))
    groups = {label: np.flatnonzero(labels == label) for label in np.unique(labels)}
    if len(groups) < 2 or all(len(members) < 2 for members in groups.values()):
        raise ValueError("`labels` must hold at least two classes and a class with two "
                         "members, or no similar and dissimilar pairs exist. "
                         f"Received: labels with classes {sorted(groups)}")
    left, right = [], []
    while len(left) < n_pairs:
        i = int(generator.integers(len(labels)))
        want_similar = len(left) < n_similar
        pool = groups[labels[i]] if want_similar else np.flatnonzero(labels != labels[i])
        pool = pool[pool != i]
        if len(pool):
            left.append(i)
            right.append(int(generator.choice(pool)))
    left, right = np.array(left), np.array(right)
    order = generator.permutation(n_pairs)
    left, right = left[order], right[order]
    return left, right, (labels[left] == labels[right]).astype(np.float32)


def pk_batches(labels, classes_per_batch: int, per_class: int, *, seed: int | None = None,
               rng=None):
    """One epoch of "PK" batches (Hermans et al., 2017): each batch holds ``per_class``
    examples of each of ``classes_per_batch`` classes, so every anchor has positives and
    negatives in its batch, as batch mining needs. Returns a list of index arrays.

    >>> batches = pk_batches(np.repeat(np.arange(6), 4), 3, 2, seed=0)
    >>> len(batches), batches[0].shape
    (4, (6,))
    >>> counts = np.bincount(np.repeat(np.arange(6), 4)[batches[0]])
    >>> int(np.count_nonzero(counts)), int(counts.max())  # three classes, two of each
    (3, 2)
    """
    generator = _rng(seed, rng)
    labels = as_label_array(labels, "labels")
    classes_per_batch = check_int(classes_per_batch, "classes_per_batch", minimum=2)
    per_class = check_int(per_class, "per_class", minimum=2)
    groups = [generator.permutation(np.flatnonzero(labels == label))
              for label in np.unique(labels)]
    if len(groups) < classes_per_batch or min(len(g) for g in groups) < per_class:
        raise ValueError(f"`labels` must hold at least {classes_per_batch} classes with "
                         f"{per_class} examples each. Received: {len(groups)} classes, the "
                         f"smallest with {min(len(g) for g in groups)} examples")
    chunks = [[group[start:start + per_class]
               for start in range(0, len(group) - per_class + 1, per_class)] for group in groups]
    batches = []
    while True:  # draw distinct classes among those with chunks left, one chunk each
        left = [index for index, pile in enumerate(chunks) if pile]
        if len(left) < classes_per_batch:
            break
        chosen = generator.choice(left, size=classes_per_batch, replace=False)
        batches.append(np.concatenate([chunks[index].pop() for index in chosen]))
    return batches


def two_views(n: int = 1024, *, features: int = 16, latent: int = 6, noise: float = 0.1,
              nuisance: int = 4, nuisance_scale: float = 1.0, n_test: int = 256,
              seed: int | None = None, rng=None) -> Dataset:
    """Two views of each of ``n`` points that differ by a nuisance, for InfoNCE and CLIP.

    A point is :math:`x = \\tanh(c A)` with :math:`c \\sim N(0, I_{latent})`; each of its two
    views adds its own nuisance :math:`z B` (:math:`z \\sim N(0, \\text{nuisance\\_scale}^2
    I_{nuisance})`, a fixed random map :math:`B`: an "augmentation" along a few directions)
    and a little noise. ``x``: float32 ``[n, 2, features]`` (the stacked views, as
    :func:`lossbook.reference.info_nce` takes them); ``y``: the point's index ``[n]`` (a view
    matches the other view of the same index); ``test``: ``n_test`` new points.

    >>> data = two_views(10, n_test=4, seed=0)
    >>> data.x.shape, data.test.x.shape
    ((10, 2, 16), (4, 2, 16))
    """
    generator = _rng(seed, rng)
    n = check_int(n, "n", minimum=2)
    n_test = check_int(n_test, "n_test", minimum=0)
    latent = check_int(latent, "latent", minimum=1)
    features = check_int(features, "features", minimum=1)
    point_map, nuisance_map = _mixing(generator, latent,
                                      check_int(nuisance, "nuisance", minimum=1), features)
    noise = check_positive(noise, "noise")
    scale = check_positive(nuisance_scale, "nuisance_scale")
    params = dict(latent=latent, noise=noise, nuisance=nuisance, nuisance_scale=scale)

    def draw(count):
        points = np.tanh(generator.standard_normal((count, latent)) @ point_map)
        shifts = scale * generator.standard_normal((count, 2, nuisance)) @ nuisance_map
        views = points[:, None, :] + shifts + noise * generator.standard_normal(shifts.shape)
        return Dataset(views.astype(np.float32), np.arange(count, dtype=np.int64),
                       params=params)

    train = draw(n)
    test = draw(n_test) if n_test else None
    return Dataset(train.x, train.y, params=params, test=test)
