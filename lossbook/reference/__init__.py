"""NumPy float64 reference of every loss in the book: the single source of truth for formulas.

Exact math in stable forms (``logaddexp``, ``log1p``, log-softmax), no silent clipping, and
a clear ``ValueError``/``TypeError`` for bad input. Every loss has the signature
``name(y_true, y_pred, *, <hyper-parameters>, reduction="mean", sample_weight=None)``;
``reduction="none"`` returns one value per sample. :func:`gradient` gives the analytic
gradient of most of them.

>>> import lossbook.reference as ref
>>> ref.huber([0.0], [3.0], delta=1.0)  # 1 * (3 - 0.5)
2.5
"""

from lossbook.reference.classification import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    class_weighted_crossentropy,
    kl_divergence,
    knowledge_distillation,
    sparse_categorical_crossentropy,
)
from lossbook.reference.gradients import GRADIENT_NAMES, gradient
from lossbook.reference.margins import categorical_hinge, hinge, multi_margin, squared_hinge
from lossbook.reference.mining import triplet_batch_all, triplet_batch_hard, triplet_semi_hard
from lossbook.reference.pairs import (
    am_softmax,
    arcface,
    circle,
    contrastive,
    cosine_similarity,
    info_nce,
    triplet,
)
from lossbook.reference.preference import bradley_terry, dpo
from lossbook.reference.probabilistic import gaussian_nll
from lossbook.reference.regression import (
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    quantile,
    root_mean_squared_error,
)
from lossbook.reference.segmentation import dice, tversky

# CTC decoding and the error rate are no losses: lossbook.reference.sequence.ctc_greedy_decode,
# .edit_distance and .character_error_rate
from lossbook.reference.sequence import (
    ctc,
    linear_crossentropy,
    perplexity,
    sequence_crossentropy,
)

__all__ = [
    "GRADIENT_NAMES",
    "gradient",
    # regression
    "huber",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "quantile",
    "root_mean_squared_error",
    # classification
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "class_weighted_crossentropy",
    "kl_divergence",
    "knowledge_distillation",
    "sparse_categorical_crossentropy",
    # margins
    "categorical_hinge",
    "hinge",
    "multi_margin",
    "squared_hinge",
    # segmentation
    "dice",
    "tversky",
    # pairs and metric learning
    "am_softmax",
    "arcface",
    "circle",
    "contrastive",
    "cosine_similarity",
    "info_nce",
    "triplet",
    # triplet mining in a batch
    "triplet_batch_all",
    "triplet_batch_hard",
    "triplet_semi_hard",
    # sequence
    "ctc",
    "linear_crossentropy",
    "perplexity",
    "sequence_crossentropy",
    # probabilistic (a predicted distribution)
    "gaussian_nll",
    # preference pairs
    "bradley_terry",
    "dpo",
]
