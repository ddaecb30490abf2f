"""Golden values of lossbook.reference, each with its provenance in a comment."""

import math

import numpy as np
import pytest

import lossbook.reference as ref

LOG2 = math.log(2.0)

GOLDEN = [
    # (id, function, y_true, y_pred, params, expected)
    ("mse", ref.mean_squared_error, [1.0, 2.0], [1.5, 4.0], {}, 2.125),  # (0.25 + 4) / 2 by hand
    ("mae_2d", ref.mean_absolute_error, [[1.0, 2.0], [3.0, 4.0]], [[2.0, 2.0], [3.0, 6.0]], {},
     0.75),  # samples (1 + 0)/2 and (0 + 2)/2, mean 0.75 by hand
    ("rmse_mean_is_sqrt_of_mse", ref.root_mean_squared_error, [[0.0, 0.0], [0.0, 0.0]],
     [[3.0, 4.0], [0.0, 0.0]], {}, 2.5),  # sqrt((9 + 16 + 0 + 0) / 4) by hand
    ("rmse_sum_of_per_sample", ref.root_mean_squared_error, [[0.0, 0.0], [0.0, 0.0]],
     [[3.0, 4.0], [0.0, 0.0]], {"reduction": "sum"}, math.sqrt(12.5)),  # sqrt(25/2) + 0
    ("rmse_epsilon", ref.root_mean_squared_error, [0.0], [0.0], {"epsilon": 1e-8}, 1e-4),
    ("mape", ref.mean_absolute_percentage_error, [2.0, 4.0], [1.0, 5.0], {}, 37.5),  # (50+25)/2
    ("mape_trap22", ref.mean_absolute_percentage_error, [2.0], [1.0], {}, 50.0),  # TRAPS.md 22
    ("msle", ref.mean_squared_logarithmic_error, [1.0], [3.0], {}, LOG2**2),  # (log 4 - log 2)^2
    ("huber_keras_doc", ref.huber, [[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]], {},
     0.155),  # keras.losses.huber docstring prints 0.155; by hand (0.18 + 0.13) / 2
    ("huber_linear", ref.huber, [0.0], [3.0], {"delta": 2.0}, 4.0),  # 2 (3 - 1) by hand
    ("log_cosh_keras_doc", ref.log_cosh, [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], {},
     math.log(math.cosh(1.0)) / 4),  # keras.losses.log_cosh docstring: 0.108
    ("quantile_low_tau", ref.quantile, [3.0], [1.0], {"tau": 0.25}, 0.5),  # max(.25·2, -.75·2)
    ("quantile_high_tau", ref.quantile, [1.0, 1.0], [0.0, 2.0], {"tau": 0.9}, 0.5),  # (.9+.1)/2
    ("poisson_negative", ref.poisson, [3.0], [2.0], {}, 2.0 - 3.0 * LOG2),  # ŷ - y log ŷ < 0
    ("poisson_zero_rate", ref.poisson, [0.0], [0.0], {}, 0.0),  # 0 - 0·log 0 = 0
    ("bce_probs", ref.binary_crossentropy, [1.0], [0.9], {}, -math.log(0.9)),
    ("bce_logits", ref.binary_crossentropy, [1.0, 0.0], [0.0, 0.0], {"from_logits": True}, LOG2),
    ("bce_smoothing", ref.binary_crossentropy, [1.0], [0.9], {"label_smoothing": 0.2},
     -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))),  # label 1 -> 0.9 by hand
    ("cce_probs", ref.categorical_crossentropy, [[0.0, 1.0]], [[0.75, 0.25]], {}, math.log(4)),
    ("cce_smoothing", ref.categorical_crossentropy, [[0.0, 1.0]], [[0.75, 0.25]],
     {"label_smoothing": 0.1},
     -(0.05 * math.log(0.75) + 0.95 * math.log(0.25))),  # labels -> [0.05, 0.95]
    ("cce_axis0", ref.categorical_crossentropy, [[0.0], [1.0]], [[0.75], [0.25]], {"axis": 0},
     math.log(4)),  # the same row, classes on axis 0
    ("scce_logits", ref.sparse_categorical_crossentropy, [0], [[0.0, 0.0, 0.0]],
     {"from_logits": True}, math.log(3)),  # uniform over 3 classes
    ("weighted_count", ref.class_weighted_crossentropy, [0, 1], [[0.5, 0.5], [0.8, 0.2]],
     {"class_weight": [1.0, 3.0]}, (LOG2 + 3 * math.log(5)) / 2),  # divide by N (Keras)
    ("weighted_weights", ref.class_weighted_crossentropy, [0, 1], [[0.5, 0.5], [0.8, 0.2]],
     {"class_weight": {0: 1.0, 1: 3.0}, "normalize": "weights"},
     (LOG2 + 3 * math.log(5)) / 4),  # divide by Σ w[y] = 4 (torch weight=)
    ("focal", ref.binary_focal_crossentropy, [0.0], [0.9], {}, 0.81 * math.log(10)),  # .9²·-log.1
    ("focal_balanced", ref.binary_focal_crossentropy, [1.0], [0.5],
     {"apply_class_balancing": True}, 0.25 * 0.25 * LOG2),  # α (1 - .5)² log 2
    ("focal_gamma0_is_bce", ref.binary_focal_crossentropy, [1.0], [0.9], {"gamma": 0.0},
     -math.log(0.9)),
    ("cat_focal", ref.categorical_focal_crossentropy, [[0.0, 1.0]], [[0.5, 0.5]], {},
     0.25 * 0.25 * LOG2),  # α (1 - p)^2 (-log p)
    ("kl", ref.kl_divergence, [[0.5, 0.5]], [[0.25, 0.75]], {},
     0.5 * math.log(2) + 0.5 * math.log(2 / 3)),
    ("bce_pos_weight_logits", ref.binary_crossentropy, [[1.0, 0.0]], [[0.0, 0.0]],
     {"from_logits": True, "pos_weight": [3.0, 5.0]}, 2 * LOG2),  # (3 log 2 + log 2) / 2
    ("bce_pos_weight_probs", ref.binary_crossentropy, [1.0, 0.0], [0.5, 0.75],
     {"pos_weight": 2.0}, (2 * LOG2 + math.log(4)) / 2),  # 2·(-log .5), -log .25
    ("distillation_t2", ref.knowledge_distillation, [[math.log(3.0), 0.0]], [[0.0, 0.0]],
     {"temperature": 1.0}, 0.75 * math.log(1.5) + 0.25 * math.log(0.5)),  # KL([.75,.25]‖½)
    ("distillation_t2_scaled", ref.knowledge_distillation, [[2 * math.log(3.0), 0.0]],
     [[0.0, 0.0]], {"temperature": 2.0},
     4 * (0.75 * math.log(1.5) + 0.25 * math.log(0.5))),  # same softened p, times T² = 4
    ("sparse_n1_labels", ref.sparse_categorical_crossentropy, [[1], [0]],
     [[0.75, 0.25], [0.5, 0.5]], {}, (math.log(4) + LOG2) / 2),  # Keras' (N, 1) layout
    ("kl_zero_in_p", ref.kl_divergence, [[1.0, 0.0]], [[0.5, 0.5]], {}, LOG2),  # 0 log 0 = 0
    ("hinge_01_labels", ref.hinge, [1.0, 0.0], [0.3, 0.3], {}, 1.0),  # (0.7 + 1.3) / 2
    ("hinge_pm1_labels", ref.hinge, [1.0, -1.0], [0.3, 0.3], {}, 1.0),  # same labels as ±1
    ("squared_hinge", ref.squared_hinge, [1.0, 0.0], [0.5, 0.5], {}, 1.25),  # (.25 + 2.25) / 2
    ("categorical_hinge", ref.categorical_hinge, [[0.0, 1.0, 0.0]], [[2.0, 1.0, 0.0]], {}, 2.0),
    ("categorical_hinge_negative_wrong", ref.categorical_hinge, [[1.0, 0.0]], [[0.5, -2.0]], {},
     0.0),  # 1 - 2 - 0.5 < 0 (Keras gives 0.5: its max includes the true class's 0)
    ("multi_margin_p2", ref.multi_margin, [1], [[2.0, 1.0, 0.0]], {"p": 2}, 4.0 / 3.0),  # (2²+0)/3
    ("dice", ref.dice, [[1.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]], {}, 1.0 / 3.0),  # 1 - 2/3
    ("dice_smooth", ref.dice, [[0.0, 0.0]], [[0.0, 0.0]], {"smooth": 1.0}, 0.0),  # 1 - 1/1
    ("tversky_trap25", ref.tversky, [[1.0, 1.0]], [[1.0, 0.0]], {"alpha": 0.0, "beta": 1.0},
     0.5),  # TRAPS 25: Keras Tversky(1, 0) = 0.5 with one false negative
    ("dice_pooled", ref.dice, [[1.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]],
     {"axis": None}, 1.0 / 7.0),  # Keras' axis=None: 1 - 2·3 / (3 + 4) over the whole batch
    ("dice_per_sample", ref.dice, [[1.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]], {},
     1.0 / 6.0),  # per sample 1 - 2/3 and 0; mean 1/6 (not the pooled 1/7: trap 26)
    ("dice_per_class", ref.dice, [[[1.0, 0.0], [1.0, 0.0]]], [[[1.0, 0.0], [0.0, 1.0]]],
     {"axis": (1,)}, 0.5 * (1.0 / 3.0 + 1.0)),  # class 0: 1 - 2/3, class 1: 1 - 0/1
    ("gce_q_half", ref.categorical_generalized_cross_entropy, [0], [[0.25, 0.75]], {"q": 0.5},
     1.0),  # (1 - 0.25^0.5) / 0.5
    ("gce_q_one_is_mae", ref.categorical_generalized_cross_entropy, [1, 0],
     [[0.25, 0.75], [0.6, 0.4]], {"q": 1.0}, (0.25 + 0.4) / 2),  # 1 - p_y
    ("tversky_fp_weight", ref.tversky, [[1.0, 1.0]], [[1.0, 0.0]], {"alpha": 1.0, "beta": 0.0},
     0.0),  # alpha weighs false positives: there are none
    ("cosine", ref.cosine_similarity, [[1.0, 0.0]], [[1.0, 1.0]], {}, -1 / math.sqrt(2)),
    ("contrastive_similar", ref.contrastive, [1.0], [0.5], {}, 0.25),  # d²
    ("contrastive_dissimilar", ref.contrastive, [0.0], [0.5], {"margin": 2.0}, 2.25),  # (2-.5)²
    ("contrastive_far", ref.contrastive, [0.0], [3.0], {}, 0.0),  # beyond the margin
    ("triplet", ref.triplet, None, [[[0.0, 0.0], [1.0, 0.0], [0.0, 1.5]]], {}, 0.5),
    ("am_softmax", ref.am_softmax, [0], [[0.9, 0.1]], {},
     math.log1p(math.exp(-13.5))),  # logits [30 (0.9 - .35), 30·0.1] = [16.5, 3]
    ("sequence_ce", ref.sequence_crossentropy, [[1, 0, 0], [0, 0, 0]],
     [[[0.5, 0.5], [0.75, 0.25], [0.5, 0.5]], [[0.25, 0.75], [0.5, 0.5], [0.5, 0.5]]],
     {"mask": [[1, 1, 0], [1, 0, 0]]},
     ((LOG2 + math.log(4 / 3)) / 2 + math.log(4)) / 2),  # per-sequence means, then their mean
]


@pytest.mark.parametrize("function, y_true, y_pred, params, expected",
                         [pytest.param(*case[1:], id=case[0]) for case in GOLDEN])
def test_golden_value(function, y_true, y_pred, params, expected):
    assert function(y_true, y_pred, **params) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_ctc_golden_values():
    uniform = np.log(np.full((1, 2, 2), 0.5))
    # 2 frames, label "1": alignments (1,1), (0,1), (1,0) -> 3 of the 4 paths, by hand
    assert ref.ctc([[1]], uniform, input_length=[2], label_length=[1]) == pytest.approx(
        -math.log(0.75), rel=1e-12)
    # empty label: only the all-blank path, probability 1/4 -> 2 log 2
    assert ref.ctc([[1]], uniform, input_length=[2], label_length=[0]) == pytest.approx(
        2 * LOG2, rel=1e-12)
    # "1 1" needs a blank between the repeats: 3 frames, only path (1, 0, 1) -> 3 log 2
    uniform3 = np.log(np.full((1, 3, 2), 0.5))
    assert ref.ctc([[1, 1]], uniform3, input_length=[3], label_length=[2]) == pytest.approx(
        3 * LOG2, rel=1e-12)


def test_reductions_and_sample_weight_by_hand():
    y_true, y_pred = [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]
    np.testing.assert_allclose(ref.mean_squared_error(y_true, y_pred, reduction="none"),
                               [1.0, 4.0, 9.0])
    assert ref.mean_squared_error(y_true, y_pred, reduction="sum") == 14.0
    # weights divide by N, not by their sum (Keras, TRAPS 7): (1·1 + 0·4 + 2·9) / 3
    assert ref.mean_squared_error(y_true, y_pred, sample_weight=[1.0, 0.0, 2.0]) == \
        pytest.approx(19.0 / 3.0)


def test_sparse_ignore_class_none_reports_zero_and_mean_counts_valid_only():
    probs = [[0.75, 0.25], [0.5, 0.5], [0.5, 0.5]]
    values = ref.sparse_categorical_crossentropy([1, 255, 0], probs, ignore_class=255,
                                                 reduction="none")
    np.testing.assert_allclose(values, [math.log(4), 0.0, LOG2])
    mean = ref.sparse_categorical_crossentropy([1, 255, 0], probs, ignore_class=255)
    assert mean == pytest.approx((math.log(4) + LOG2) / 2)  # 2 valid positions, not 3


def test_rmse_none_is_per_sample_root():
    values = ref.root_mean_squared_error([[0.0, 0.0], [1.0, 1.0]], [[3.0, 4.0], [1.0, 1.0]],
                                         reduction="none")
    np.testing.assert_allclose(values, [math.sqrt(12.5), 0.0])
