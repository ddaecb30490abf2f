"""Catalogue entries of the margin losses: hinge, squared hinge, categorical hinge, multi-margin."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._validation import reduce
from lossbook.catalog._adapters import (
    keras_loss,
    torch_elementwise,
    torch_per_sample,
)
from lossbook.catalog._entry import KnownDifference, make_entry
from lossbook.catalog.classification import LABELS_ONE_HOT, _binary_labels, _one_hot

BINARY_SHAPES = ((8,), (4, 5))
CLASS_SHAPES = ((6, 3), (4, 5))


def _hinge_sampler(rng, shape, params):
    labels = _binary_labels(rng, shape)
    labels = 2.0 * labels - 1.0 if len(shape) == 1 else labels  # {-1, 1} and {0, 1} both
    return labels, rng.normal(0.0, 1.5, size=shape), {}


def _keras_categorical_hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    worst = np.max((1.0 - y_true) * y_pred, axis=-1)
    values = np.maximum(0.0, 1.0 + worst - np.sum(y_true * y_pred, axis=-1))
    return reduce(values, reduction, sample_weight)


def _hinge_entry(name, title, formula, torch_path, keras_path, reference):
    return make_entry(
        name=name, title=title, task="classification",
        label_format="labels in {-1, 1} or {0, 1} (mapped to {-1, 1}), same shape as the scores",
        input_kind="score", formula=formula,
        properties=("convex", "margin-based", "max-margin", "not-probabilistic"),
        reference=reference,
        torch=torch_elementwise(torch_path, signed_labels=True),
        keras=keras_loss(keras_path),
        sampler=_hinge_sampler, shapes=BINARY_SHAPES,
    )


ENTRIES = [
    _hinge_entry("hinge", "Hinge loss",
                 r"\ell = \frac{1}{D}\sum_j \max(0, 1 - y_j f_j)",
                 "lossbook.torch.hinge", "keras.losses.Hinge", ref.hinge),
    _hinge_entry("squared_hinge", "Squared hinge loss",
                 r"\ell = \frac{1}{D}\sum_j \max(0, 1 - y_j f_j)^2",
                 "lossbook.torch.squared_hinge", "keras.losses.SquaredHinge", ref.squared_hinge),
    make_entry(
        name="categorical_hinge", title="Categorical (Crammer–Singer) hinge",
        task="classification", label_format=LABELS_ONE_HOT, input_kind="score",
        formula=r"\ell = \max\bigl(0,\ 1 + \max_{c \ne y} f_c - f_y\bigr)",
        properties=("convex", "margin-based", "max-margin", "not-probabilistic"),
        reference=ref.categorical_hinge,
        torch=torch_per_sample("lossbook.torch.categorical_hinge"),
        keras=keras_loss("keras.losses.CategoricalHinge"),
        # scores >= 0: there Keras' max over (1 - y) * s equals the best wrong score
        sampler=lambda rng, shape, params: (_one_hot(rng, shape),
                                            rng.uniform(0.0, 2.0, size=shape), {}),
        shapes=CLASS_SHAPES,
        known_differences=[KnownDifference(
            "keras", 15, "CategoricalHinge takes the max over (1 - y) f, which counts 0 for "
            "the true class: it differs when every wrong score is negative",
            _keras_categorical_hinge)],
    ),
    make_entry(
        name="multi_margin", title="Multi-class margin loss (Weston–Watkins)",
        task="classification", label_format="integer class indices [batch]", input_kind="score",
        formula=r"\ell = \frac{1}{C}\sum_{c \ne y} \max(0, \Delta - f_y + f_c)^k",
        properties=("convex", "margin-based", "not-probabilistic"),
        reference=ref.multi_margin,
        torch=torch_per_sample("torch.nn.MultiMarginLoss", labels=True),
        keras=keras_loss("lossbook.keras.MultiMargin", labels=True, expand_1d=False),
        sampler=lambda rng, shape, params: (rng.integers(0, shape[-1], size=shape[:-1]),
                                            rng.normal(0.0, 1.0, size=shape), {}),
        shapes=CLASS_SHAPES,
        grid=({"margin": 1.0, "p": 1}, {"margin": 0.5, "p": 2}),
    ),
]
