"""The rule table behind :func:`lossbook.select.recommend` and the book's decision guide.

One row per (task, condition on the data, loss): data, not ``if`` statements, so the chapter
can print the table and the guide is generated from the very rows ``recommend`` applies.
A condition maps trait names to what the trait must be: ``True`` (the trait was given as
true), or ``(">=", x)`` / ``("<=", x)`` / (">", x) on a numeric trait. A rule whose
condition is empty is the task's default. Parameters are numbers, or a :class:`Derived`
computed from the traits (the newsvendor quantile, the positive-class weight).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["DERIVED", "RULES", "TASKS", "TRAITS", "Derived", "Rule", "Trait"]


@dataclass(frozen=True)
class Trait:
    """A trait of the data or of the use of the output, the tasks it applies to, its kind."""

    name: str
    kind: str  # "flag" | "fraction" | "rate" | "costs" | "coverage"
    tasks: tuple[str, ...]
    meaning: str


@dataclass(frozen=True)
class Derived:
    """A parameter computed from the traits by the named formula of :data:`DERIVED`."""

    formula: str

    def __repr__(self) -> str:
        return DERIVED[self.formula][0]


@dataclass(frozen=True)
class Rule:
    task: str
    when: MappingProxyType
    loss: str  # a catalogue name
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    section: str = ""  # the book page that teaches it, relative to book/
    reason: str = ""


TASKS = ("regression", "binary", "multiclass", "multilabel", "segmentation", "sequence",
         "alignment", "embedding", "ranking")
_CLASSIFICATION = ("binary", "multiclass", "multilabel")

TRAITS = MappingProxyType({t.name: t for t in (
    Trait("outliers", "flag", ("regression",),
          "a few targets are gross errors (sensor glitches, data-entry mistakes)"),
    Trait("heavy_tails", "flag", ("regression",),
          "the noise itself has heavy tails (large residuals are frequent, not errors)"),
    Trait("counts", "flag", ("regression",), "targets are non-negative counts"),
    Trait("intervals", "coverage", ("regression",),
          "a prediction interval is wanted: True (90 %) or its coverage in (0, 1)"),
    Trait("asymmetric_cost", "costs", ("regression",),
          "(cost_under, cost_over): the cost of predicting one unit too low and too high"),
    Trait("imbalance", "fraction", _CLASSIFICATION + ("segmentation",),
          "the minority's share of the examples (of the pixels for segmentation), in (0, 0.5]"),
    Trait("noisy_labels", "rate", ("multiclass",),
          "the share of wrong labels in the training data, in (0, 1)"),
    Trait("calibration", "flag", _CLASSIFICATION,
          "the predicted probabilities will be used as probabilities (risk, expected cost)"),
    Trait("pairs", "flag", ("embedding", "ranking"),
          "the supervision is pairs: similar/dissimilar, or preferred/rejected"),
    Trait("triplets", "flag", ("embedding",), "the supervision is (anchor, positive, negative)"),
)})

#: name -> (how it is written, the function of the traits)
DERIVED = MappingProxyType({
    "newsvendor": ("c_under / (c_under + c_over)",
                   lambda traits: traits["asymmetric_cost"][0] / sum(traits["asymmetric_cost"])),
    "lower": ("(1 - coverage) / 2", lambda traits: (1.0 - traits["intervals"]) / 2.0),
    "upper": ("(1 + coverage) / 2", lambda traits: (1.0 + traits["intervals"]) / 2.0),
    "odds": ("(1 - π) / π", lambda traits: (1.0 - traits["imbalance"]) / traits["imbalance"]),
})


def _rule(task, when, loss, params, section, reason) -> Rule:
    return Rule(task, MappingProxyType(dict(when)), loss, MappingProxyType(dict(params)),
                section, " ".join(reason.split()))


RULES = tuple(_rule(*row) for row in (
    # -- regression ------------------------------------------------------------------------
    ("regression", {}, "mean_squared_error", {}, "regression/01_mse_mae",
     """The conditional mean under Gaussian noise: the default when residuals are roughly
     symmetric and no large errors are expected; its gradient grows with the residual."""),
    ("regression", {"outliers": True}, "huber", {"delta": 1.345}, "regression/03_huber_logcosh",
     """Quadratic near zero, linear beyond delta: a gross error pulls with a bounded force.
     delta = 1.345 is the 95 %-efficiency choice for targets scaled to unit noise; set it in
     the units of your residuals (too small a delta turns Huber into MAE, too large into MSE)."""),
    ("regression", {"outliers": True}, "mean_absolute_error", {}, "regression/01_mse_mae",
     """The conditional median: unmoved by outliers, but its constant gradient makes the last
     steps of gradient descent hop around the optimum."""),
    ("regression", {"heavy_tails": True}, "mean_absolute_error", {}, "regression/01_mse_mae",
     """The Laplace likelihood: with heavy-tailed noise the median is the more efficient
     estimate of the centre, and large residuals do not dominate the gradient."""),
    ("regression", {"heavy_tails": True}, "log_cosh", {}, "regression/03_huber_logcosh",
     """A smooth Huber with delta about 1 (the hyperbolic-secant likelihood): robust to large
     residuals and twice differentiable; scale the targets so that 1 is a typical residual."""),
    ("regression", {"counts": True}, "poisson", {}, "regression/05_poisson",
     """The Poisson likelihood of counts: predict a positive rate (an exp or softplus output);
     it weighs errors by the size of the count, as count noise grows with the mean."""),
    ("regression", {"intervals": True}, "quantile", {"tau": Derived("lower")},
     "regression/04_quantile",
     """The pinball loss at the interval's lower level: its minimiser is that conditional
     quantile, with no assumption on the shape of the noise."""),
    ("regression", {"intervals": True}, "quantile", {"tau": Derived("upper")},
     "regression/04_quantile",
     """The pinball loss at the interval's upper level; train both ends together and sort
     them (or use an ordered output) so that they cannot cross."""),
    ("regression", {"asymmetric_cost": True}, "quantile", {"tau": Derived("newsvendor")},
     "regression/04_quantile",
     """With linear costs of under- and over-prediction the cost-minimising prediction is the
     quantile tau = c_under / (c_under + c_over) (the newsvendor answer): the pinball loss at
     that tau is the business cost itself, up to a constant factor."""),
    # -- binary ----------------------------------------------------------------------------
    ("binary", {}, "binary_crossentropy_from_logits", {}, "classification/01_binary_crossentropy",
     """The Bernoulli likelihood on logits: a proper scoring rule (calibrated probabilities)
     and numerically stable when computed from logits."""),
    ("binary", {"calibration": True}, "binary_crossentropy_from_logits", {},
     "classification/06_smoothing_calibration",
     """Probabilities to be used as such need a proper scoring rule: plain cross-entropy,
     checked with a reliability diagram and ECE on held-out data (and temperature scaling if
     it is off); focal loss and label smoothing trade calibration away."""),
    ("binary", {"imbalance": ("<=", 0.2)}, "binary_crossentropy_pos_weight",
     {"pos_weight": Derived("odds")}, "imbalance/01_class_imbalance",
     """Weighting the minority by (1 - π)/π balances the two classes' total weight: minority
     recall rises; the probabilities are then no longer calibrated (they are those of a
     balanced world), so threshold or adjust them afterwards."""),
    ("binary", {"imbalance": ("<=", 0.2)}, "binary_focal_crossentropy_from_logits",
     {"gamma": 2.0}, "imbalance/02_focal_loss",
     """Down-weights the many easy examples by (1 - p_t)^gamma; compare it with weighted
     cross-entropy on held-out PR-AUC before adopting it."""),
    # -- multiclass ------------------------------------------------------------------------
    ("multiclass", {}, "sparse_categorical_crossentropy_from_logits", {},
     "classification/02_softmax_crossentropy",
     """The categorical likelihood on logits with integer labels: the default for one label
     per example; proper, stable, and the built-in of both frameworks."""),
    ("multiclass", {"calibration": True}, "sparse_categorical_crossentropy_from_logits", {},
     "classification/06_smoothing_calibration",
     """Keep the proper scoring rule and measure calibration on held-out data; fix it with
     temperature scaling rather than with the loss."""),
    ("multiclass", {"imbalance": ("<=", 0.2)}, "class_weighted_crossentropy", {},
     "imbalance/01_class_imbalance",
     """Class weights inversely proportional to the class frequencies: the rare classes'
     recall rises at some cost to the frequent ones (torch normalises by the weights' sum,
     Keras by the batch size)."""),
    ("multiclass", {"noisy_labels": (">", 0.0)}, "categorical_generalized_cross_entropy",
     {"q": 0.7}, "imbalance/04_noisy_labels",
     """Generalised cross-entropy bounds the loss of a confidently wrong label, so the model
     memorises fewer wrong labels than with cross-entropy; q -> 0 is cross-entropy, q = 1
     MAE. The training objects take probabilities (a softmax output, as Keras'
     CategoricalGeneralizedCrossEntropy); on logits use lossbook's torch loss with
     from_logits=True."""),
    # -- multilabel ------------------------------------------------------------------------
    ("multilabel", {}, "binary_crossentropy_from_logits", {}, "classification/03_multilabel",
     """One independent Bernoulli per label (sigmoid, not softmax): labels can co-occur."""),
    ("multilabel", {"calibration": True}, "binary_crossentropy_from_logits", {},
     "classification/06_smoothing_calibration",
     """Per-label cross-entropy is proper: each label's probability can be used as one."""),
    ("multilabel", {"imbalance": ("<=", 0.2)}, "binary_crossentropy_pos_weight",
     {"pos_weight": Derived("odds")}, "imbalance/01_class_imbalance",
     """A positive weight per label (negatives / positives) for rare labels."""),
    # -- segmentation ----------------------------------------------------------------------
    ("segmentation", {}, "sparse_categorical_crossentropy_from_logits", {},
     "imbalance/05_segmentation",
     """Per-pixel cross-entropy: each pixel a classification (torch wants classes on axis 1,
     Keras last)."""),
    ("segmentation", {"imbalance": ("<=", 0.2)}, "dice", {"smooth": 1.0},
     "imbalance/05_segmentation",
     """Soft Dice scores the overlap of the masks, so a small foreground counts as much as a
     large one; usually added to cross-entropy, whose gradients are better behaved early."""),
    ("segmentation", {"imbalance": ("<=", 0.2)}, "tversky", {"alpha": 0.3, "beta": 0.7},
     "imbalance/05_segmentation",
     """Dice with separate weights on false positives and false negatives: a heavier weight
     on misses trades precision for recall of the small structure."""),
    # -- sequences -------------------------------------------------------------------------
    ("sequence", {}, "sequence_crossentropy", {"ignore_class": -1},
     "sequence/01_per_step_crossentropy",
     """Cross-entropy at every step with the padding masked out, averaged over real tokens;
     perplexity is its exponential."""),
    ("alignment", {}, "ctc", {}, "sequence/03_ctc",
     """Labels shorter than the input and not aligned to it (speech, handwriting): CTC sums
     over every alignment with a blank symbol."""),
    # -- embeddings and ranking ------------------------------------------------------------
    ("embedding", {}, "info_nce", {"temperature": 0.1}, "metric_learning/05_infonce_clip",
     """In-batch negatives: every other example of the batch is a negative, with the
     temperature setting how hard negatives are weighted; needs positive pairs only."""),
    ("embedding", {"pairs": True}, "contrastive", {"margin": 1.0},
     "metric_learning/02_contrastive",
     """Pulls similar pairs together and pushes dissimilar ones beyond the margin."""),
    ("embedding", {"triplets": True}, "triplet", {"margin": 0.2},
     "metric_learning/03_triplet_mining",
     """Anchor closer to its positive than to its negative by a margin; mine semi-hard
     triplets (too-hard mining collapses the embedding)."""),
    ("ranking", {}, "bradley_terry", {}, "custom/04_preference",
     """The logistic loss on score differences: the likelihood of the observed preferences
     under the Bradley-Terry model."""),
    ("ranking", {"pairs": True}, "bradley_terry", {}, "custom/04_preference",
     """Preferred/rejected pairs: -log sigmoid(r_chosen - r_rejected), smooth, with no margin
     to tune (torch's MarginRankingLoss is its hinge twin)."""),
))
