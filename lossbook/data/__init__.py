"""Seeded synthetic data for the book: small, reproducible, ready for torch and Keras.

Every generator takes ``seed=`` (an int) or ``rng=`` (a :class:`numpy.random.Generator`),
never global randomness, and returns a :class:`Dataset`: ``x`` of shape ``[n, features]``
and ``y`` of shape ``[n, 1]`` in float32 (integer labels of shape ``[n]`` for multi-class
data), the noise-free truth (``mean``, ``params``) and a clean held-out ``test`` set drawn
from the same distribution::

    data = lb.data.regression_with_outliers(seed=0)
    data.x.shape, data.y.shape, data.is_outlier.mean(), data.test.x.shape

One module per task (``regression``, ``classification``, ``imbalance``, ``sequence``,
``metric_learning``, ``custom``); every generator is re-exported here: ``lossbook.data.linear``.
"""

from __future__ import annotations

from lossbook.data._dataset import (
    Dataset,
    split,
)
from lossbook.data.classification import (
    binary_classification,
    imbalanced,
    multiclass_blobs,
    one_hot,
)
from lossbook.data.custom import (
    preference_pairs,
    two_regression_tasks,
    two_task,
    wave,
)
from lossbook.data.imbalance import (
    long_tailed,
    noisy_labels,
    segmentation_shapes,
)
from lossbook.data.metric_learning import (
    identities,
    pk_batches,
    siamese_pairs,
    two_views,
)
from lossbook.data.regression import (
    DISTRIBUTIONS,
    counts,
    heavy_tailed,
    heteroscedastic,
    laplace_noise,
    linear,
    regression_with_outliers,
)
from lossbook.data.sequence import (
    CTCData,
    TextCorpus,
    ctc_digits,
    grammar_text,
)

__all__ = [
    "CTCData",
    "DISTRIBUTIONS",
    "Dataset",
    "TextCorpus",
    "binary_classification",
    "counts",
    "ctc_digits",
    "grammar_text",
    "heavy_tailed",
    "heteroscedastic",
    "identities",
    "imbalanced",
    "laplace_noise",
    "linear",
    "long_tailed",
    "multiclass_blobs",
    "noisy_labels",
    "one_hot",
    "pk_batches",
    "preference_pairs",
    "regression_with_outliers",
    "segmentation_shapes",
    "siamese_pairs",
    "split",
    "two_views",
    "two_regression_tasks",
    "two_task",
    "wave",
]
