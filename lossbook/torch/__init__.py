"""PyTorch implementations of the losses torch does not ship.

Pure ``torch`` operations: they run on any device, in any floating dtype, under autograd and
``torch.compile`` (no Python branch depends on a tensor's *value*). Where torch has a built-in
(``MSELoss``, ``HuberLoss``, ``BCEWithLogitsLoss``, ``CrossEntropyLoss``, ``MultiMarginLoss``,
``TripletMarginLoss``, ``CTCLoss``, ...) the book uses it and this module does not repeat it.

**Argument order follows torch, not Keras**: every function here takes ``(input, target)``
— prediction first, like ``torch.nn.functional.mse_loss`` — whereas :mod:`lossbook.reference`
and Keras take ``(y_true, y_pred)`` (see the "Framework traps" appendix, trap 1). The
catalogue's adapters (:mod:`lossbook.catalog`) translate between the two.

``reduction`` also follows torch: ``"none"`` returns the element-wise losses of element-wise
losses (``log_cosh``, ``quantile``, ``hinge``, ...) and one value per sample for losses defined
per sample (``categorical_hinge``, ``am_softmax``, ``dice``, ...); ``"mean"`` averages and
``"sum"`` adds up what ``"none"`` returns. Each function has an ``nn.Module`` twin
(``LogCoshLoss(reduction="mean")`` ...), like ``torch.nn.MSELoss`` and ``F.mse_loss``.

The losses live in one module per task, mirroring :mod:`lossbook.reference`
(``regression``, ``classification``, ``margins``, ``segmentation``, ``sequence``, ``pairs``,
``preference``);
every public name is re-exported here: ``lossbook.torch.LogCoshLoss``.
"""

from __future__ import annotations

from lossbook.torch.classification import (
    BinaryFocalLoss,
    CategoricalFocalLoss,
    GeneralizedCrossEntropyLoss,
    KnowledgeDistillationLoss,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    knowledge_distillation,
)
from lossbook.torch.margins import (
    CategoricalHingeLoss,
    HingeLoss,
    SquaredHingeLoss,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from lossbook.torch.pairs import (
    AMSoftmaxLoss,
    ArcFaceLoss,
    CircleLoss,
    ContrastiveLoss,
    InfoNCELoss,
    am_softmax,
    arcface,
    circle,
    contrastive,
    info_nce,
)
from lossbook.torch.preference import (
    BradleyTerryLoss,
    DPOLoss,
    bradley_terry,
    dpo,
)
from lossbook.torch.regression import (
    LogCoshLoss,
    MAPELoss,
    MSLELoss,
    QuantileLoss,
    RMSELoss,
    log_cosh,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    quantile,
    root_mean_squared_error,
)
from lossbook.torch.segmentation import (
    DiceLoss,
    TverskyLoss,
    dice,
    tversky,
)
from lossbook.torch.sequence import (
    ChunkedLinearCrossentropyLoss,
    SequenceCrossentropyLoss,
    chunked_linear_crossentropy,
    sequence_crossentropy,
)

__all__ = [
    "AMSoftmaxLoss",
    "ArcFaceLoss",
    "BinaryFocalLoss",
    "BradleyTerryLoss",
    "CategoricalFocalLoss",
    "GeneralizedCrossEntropyLoss",
    "CategoricalHingeLoss",
    "CircleLoss",
    "ChunkedLinearCrossentropyLoss",
    "ContrastiveLoss",
    "DPOLoss",
    "DiceLoss",
    "HingeLoss",
    "InfoNCELoss",
    "KnowledgeDistillationLoss",
    "LogCoshLoss",
    "MAPELoss",
    "MSLELoss",
    "QuantileLoss",
    "RMSELoss",
    "SequenceCrossentropyLoss",
    "SquaredHingeLoss",
    "TverskyLoss",
    "am_softmax",
    "arcface",
    "binary_focal_crossentropy",
    "bradley_terry",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "chunked_linear_crossentropy",
    "contrastive",
    "dice",
    "dpo",
    "hinge",
    "info_nce",
    "knowledge_distillation",
    "log_cosh",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "quantile",
    "root_mean_squared_error",
    "sequence_crossentropy",
    "squared_hinge",
    "tversky",
]
