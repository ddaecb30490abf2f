"""Keras 3 implementations of the losses Keras does not ship.

Written with ``keras.ops`` only, so they run unchanged on the TensorFlow, JAX and torch
backends. Each loss is a small function ``name(y_true, y_pred, ...)`` returning one value per
sample (Keras' functional form: element-wise losses average the last axis), and a
``keras.losses.Loss`` subclass registered under the package ``"lossbook"``, so a model
compiled with it saves to ``.keras`` and loads back (``get_config`` holds every
hyper-parameter). Argument order is Keras' ``(y_true, y_pred)``.

Where Keras has a loss (``MeanSquaredError``, ``Huber``, ``BinaryFocalCrossentropy``, ``CTC``,
...), the book uses it and this module does not repeat it.

The losses live in one module per task, mirroring :mod:`lossbook.reference`
(``regression``, ``classification``, ``margins``, ``sequence``, ``pairs``,
``probabilistic``, ``preference``; Keras ships the
other classification and the overlap losses the book uses); every public name is re-exported
here: ``lossbook.keras.Quantile``.
"""

from __future__ import annotations

from lossbook.keras.classification import (
    KnowledgeDistillation,
    PosWeightedBinaryCrossentropy,
    knowledge_distillation,
    pos_weighted_binary_crossentropy,
)
from lossbook.keras.margins import (
    MultiMargin,
    multi_margin,
)
from lossbook.keras.pairs import (
    AMSoftmax,
    ArcFace,
    Contrastive,
    InfoNCE,
    Triplet,
    am_softmax,
    arcface,
    contrastive,
    info_nce,
    triplet,
)
from lossbook.keras.preference import (
    DPO,
    BradleyTerry,
    bradley_terry,
    dpo,
)
from lossbook.keras.probabilistic import (
    GaussianNLL,
    gaussian_nll,
)
from lossbook.keras.regression import (
    Quantile,
    RootMeanSquaredError,
    quantile,
)
from lossbook.keras.sequence import (
    SequenceCrossentropy,
    sequence_crossentropy,
)

__all__ = [
    "DPO",
    "AMSoftmax",
    "ArcFace",
    "Contrastive",
    "InfoNCE",
    "BradleyTerry",
    "GaussianNLL",
    "KnowledgeDistillation",
    "MultiMargin",
    "PosWeightedBinaryCrossentropy",
    "Quantile",
    "RootMeanSquaredError",
    "SequenceCrossentropy",
    "Triplet",
    "am_softmax",
    "arcface",
    "contrastive",
    "info_nce",
    "bradley_terry",
    "dpo",
    "gaussian_nll",
    "knowledge_distillation",
    "multi_margin",
    "pos_weighted_binary_crossentropy",
    "quantile",
    "sequence_crossentropy",
    "triplet",
]
