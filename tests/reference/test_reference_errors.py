"""Bad inputs: each raises a clear error that names the argument."""

import numpy as np
import pytest

import lossbook.reference as ref

P = [[0.25, 0.75], [0.5, 0.5]]  # two valid distributions over 2 classes
UNIFORM_LOG = np.log(np.full((1, 3, 3), 1 / 3))  # CTC: 1 sample, 3 frames, 3 classes
CTC_OK = {"input_length": [3], "label_length": [1]}

BAD_INPUTS = [
    # (id, call, error type, regex that must appear in the message)
    ("shape_n1_vs_n", lambda: ref.mean_squared_error([[1.0], [2.0]], [1.0, 2.0]),
     ValueError, r"y_true.*y_pred.*same shape.*\(2, 1\)"),
    ("nan_in_y_pred", lambda: ref.huber([1.0], [np.nan]), ValueError, r"`y_pred`.*NaN"),
    ("inf_in_y_true", lambda: ref.mean_absolute_error([np.inf], [1.0]), ValueError,
     r"`y_true`.*infinity"),
    ("string_input", lambda: ref.mean_squared_error(["a"], [1.0]), TypeError, r"`y_true`"),
    ("unknown_reduction", lambda: ref.log_cosh([1.0], [1.0], reduction="avg"), ValueError,
     r"`reduction`.*Received: reduction='avg'"),
    ("sample_weight_shape", lambda: ref.mean_squared_error([[1.0, 2.0]], [[1.0, 1.0]],
                                                           sample_weight=[1.0, 2.0]),
     ValueError, r"`sample_weight`.*\(2,\).*\(1,\)"),
    ("mape_zero_target", lambda: ref.mean_absolute_percentage_error([0.0, 1.0], [1.0, 1.0]),
     ValueError, r"`y_true`.*zero"),
    ("msle_negative", lambda: ref.mean_squared_logarithmic_error([1.0], [-0.5]), ValueError,
     r"`y_pred`.*>= 0"),
    ("poisson_negative_rate", lambda: ref.poisson([1.0], [-1.0]), ValueError, r"`y_pred`.*rate"),
    ("poisson_negative_count", lambda: ref.poisson([-1.0], [1.0]), ValueError, r"`y_true`"),
    ("huber_delta_zero", lambda: ref.huber([1.0], [1.0], delta=0.0), ValueError,
     r"`delta` must be > 0"),
    ("huber_delta_string", lambda: ref.huber([1.0], [1.0], delta="1"), TypeError, r"`delta`"),
    ("rmse_negative_epsilon", lambda: ref.root_mean_squared_error([1.0], [1.0], epsilon=-1.0),
     ValueError, r"`epsilon`"),
    ("quantile_tau_one", lambda: ref.quantile([1.0], [1.0], tau=1.0), ValueError,
     r"`tau`.*\(0, 1\)"),
    ("quantile_tau_zero", lambda: ref.quantile([1.0], [1.0], tau=0.0), ValueError, r"`tau`"),
    ("bce_prob_above_one", lambda: ref.binary_crossentropy([1.0], [1.2]), ValueError,
     r"`y_pred`.*\[0, 1\]"),
    ("bce_label_negative", lambda: ref.binary_crossentropy([-1.0], [0.5]), ValueError,
     r"`y_true`"),
    ("bce_label_smoothing", lambda: ref.binary_crossentropy([1.0], [0.5], label_smoothing=2.0),
     ValueError, r"`label_smoothing`"),
    ("cce_rows_not_summing", lambda: ref.categorical_crossentropy([[0.0, 1.0]], [[0.2, 0.2]]),
     ValueError, r"`y_pred`.*summing to 1"),
    ("cce_labels_not_distribution", lambda: ref.categorical_crossentropy([[1.0, 1.0]], P[:1]),
     ValueError, r"`y_true`.*summing"),
    ("cce_bad_axis", lambda: ref.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=2),
     ValueError, r"`axis`"),
    ("scce_label_out_of_range", lambda: ref.sparse_categorical_crossentropy([0, 2], P),
     ValueError, r"`y_true`.*\[0, 2\)"),
    ("scce_label_not_integer", lambda: ref.sparse_categorical_crossentropy([0, 0.5], P),
     ValueError, r"`y_true`.*integer"),
    # (N, 1) labels are Keras' layout and accepted (squeezed); (N, 2) ones are not labels
    ("scce_label_shape", lambda: ref.sparse_categorical_crossentropy([[0, 1], [1, 0]], P),
     ValueError, r"`y_true`.*shape"),
    ("scce_all_ignored_mean", lambda: ref.sparse_categorical_crossentropy(
        [-1, -1], P, ignore_class=-1), ValueError, r"ignore_class"),
    ("scce_ignore_class_float", lambda: ref.sparse_categorical_crossentropy(
        [0, 1], P, ignore_class=1.5), TypeError, r"`ignore_class`"),
    ("weighted_class_weight_shape", lambda: ref.class_weighted_crossentropy(
        [0, 1], P, class_weight=[1.0]), ValueError, r"`class_weight`.*\(2,\)"),
    ("weighted_class_weight_negative", lambda: ref.class_weighted_crossentropy(
        [0, 1], P, class_weight=[1.0, -1.0]), ValueError, r"`class_weight`"),
    ("weighted_dict_missing_class", lambda: ref.class_weighted_crossentropy(
        [0, 1], P, class_weight={0: 1.0}), ValueError, r"`class_weight`"),
    ("weighted_normalize", lambda: ref.class_weighted_crossentropy(
        [0, 1], P, class_weight=[1, 1], normalize="sum"), ValueError, r"`normalize`"),
    ("focal_gamma_negative", lambda: ref.binary_focal_crossentropy([1.0], [0.5], gamma=-1.0),
     ValueError, r"`gamma`"),
    ("focal_alpha_above_one", lambda: ref.binary_focal_crossentropy([1.0], [0.5], alpha=1.5),
     ValueError, r"`alpha`"),
    ("kl_q_not_distribution", lambda: ref.kl_divergence(P, [[0.5, 0.6], [0.5, 0.5]]),
     ValueError, r"`y_pred`"),
    ("pos_weight_length", lambda: ref.binary_crossentropy(
        [[1.0, 0.0]], [[0.5, 0.5]], pos_weight=[1.0, 2.0, 3.0]), ValueError,
     r"`pos_weight`.*\(2,\).*Received: pos_weight.shape=\(3,\)"),
    ("pos_weight_negative", lambda: ref.binary_crossentropy([1.0], [0.5], pos_weight=-1.0),
     ValueError, r"`pos_weight` must be >= 0"),
    ("pos_weight_string", lambda: ref.binary_crossentropy([1.0], [0.5], pos_weight="a"),
     TypeError, r"`pos_weight`"),
    ("bce_probability_above_one", lambda: ref.binary_crossentropy([1.0], [1.5]), ValueError,
     r"`y_pred`.*\[0, 1\].*from_logits"),
    ("sparse_label_outside_classes", lambda: ref.sparse_categorical_crossentropy([2], [P[0]]),
     ValueError, r"`y_true`.*\[0, 2\)"),
    ("sparse_n1_labels_wrong_length", lambda: ref.sparse_categorical_crossentropy(
        [[0], [1], [1]], P), ValueError, r"`y_true`.*shape"),
    ("distillation_temperature_zero", lambda: ref.knowledge_distillation(
        [[0.0, 1.0]], [[0.0, 1.0]], temperature=0.0), ValueError,
     r"`temperature` must be > 0. Received: temperature=0.0"),
    ("distillation_temperature_negative", lambda: ref.knowledge_distillation(
        [[0.0, 1.0]], [[0.0, 1.0]], temperature=-2.0), ValueError, r"`temperature`"),
    ("distillation_shapes", lambda: ref.knowledge_distillation(
        [[0.0, 1.0]], [[0.0, 1.0, 2.0]], temperature=2.0), ValueError,
     r"teacher.*student.*Received: y_true.shape=\(1, 2\), y_pred.shape=\(1, 3\)"),
    ("distillation_1d", lambda: ref.knowledge_distillation([0.0, 1.0], [0.0, 1.0]),
     ValueError, r"`y_true`.*dimension"),
    ("hinge_label_two", lambda: ref.hinge([2.0], [0.5]), ValueError, r"`y_true`.*labels"),
    ("hinge_mixed_label_sets", lambda: ref.hinge([-1.0, 0.0], [0.5, 0.5]), ValueError,
     r"`y_true`.*one label set"),
    ("categorical_hinge_not_one_hot", lambda: ref.categorical_hinge([[0.5, 0.5]], [[1.0, 0.0]]),
     ValueError, r"`y_true`"),
    ("multi_margin_p3", lambda: ref.multi_margin([0], [[1.0, 0.0]], p=3), ValueError, r"`p`"),
    ("multi_margin_margin", lambda: ref.multi_margin([0], [[1.0, 0.0]], margin=-1.0),
     ValueError, r"`margin`"),
    ("dice_empty_without_smooth", lambda: ref.dice([[0.0, 0.0]], [[0.0, 0.0]]), ValueError,
     r"`smooth`"),
    ("dice_probs_out_of_range", lambda: ref.dice([[1.0]], [[1.5]]), ValueError, r"`y_pred`"),
    ("tversky_negative_beta", lambda: ref.tversky([[1.0]], [[1.0]], beta=-0.5), ValueError,
     r"`beta`"),
    ("cosine_zero_vector", lambda: ref.cosine_similarity([[0.0, 0.0]], [[1.0, 0.0]]),
     ValueError, r"`y_true`.*zero"),
    ("contrastive_label", lambda: ref.contrastive([2.0], [1.0]), ValueError, r"`y_true`"),
    ("contrastive_negative_distance", lambda: ref.contrastive([1.0], [-1.0]), ValueError,
     r"`y_pred`.*distance"),
    ("contrastive_margin", lambda: ref.contrastive([1.0], [1.0], margin=0.0), ValueError,
     r"`margin`"),
    ("triplet_y_true_given", lambda: ref.triplet([1.0], np.zeros((1, 3, 2))), ValueError,
     r"`y_true` must be None"),
    ("triplet_shape", lambda: ref.triplet(None, np.zeros((1, 2, 2))), ValueError,
     r"`y_pred`.*\[batch, 3, dim\]"),
    ("am_softmax_cosine_range", lambda: ref.am_softmax([0], [[1.5, 0.0]]), ValueError,
     r"`y_pred`.*cosine"),
    ("am_softmax_scale", lambda: ref.am_softmax([0], [[0.5, 0.0]], scale=0.0), ValueError,
     r"`scale`"),
    ("am_softmax_label", lambda: ref.am_softmax([3], [[0.5, 0.0]]), ValueError, r"`y_true`"),
    ("sequence_not_2d_labels", lambda: ref.sequence_crossentropy([0, 1], P), ValueError,
     r"`y_true`.*\[batch, time\]"),
    ("sequence_mask_shape", lambda: ref.sequence_crossentropy([[0, 1]], [P], mask=[[1]]),
     ValueError, r"`mask`"),
    ("sequence_mask_values", lambda: ref.sequence_crossentropy([[0, 1]], [P], mask=[[1, 2]]),
     ValueError, r"`mask`"),
    ("sequence_all_masked", lambda: ref.sequence_crossentropy([[0, 1]], [P], mask=[[0, 0]]),
     ValueError, r"valid"),
    ("ctc_blank_out_of_range", lambda: ref.ctc([[1]], UNIFORM_LOG, blank=3, **CTC_OK),
     ValueError, r"`blank`.*\[0, 3\)"),
    ("ctc_blank_negative", lambda: ref.ctc([[1]], UNIFORM_LOG, blank=-1, **CTC_OK),
     ValueError, r"`blank`"),
    ("ctc_label_is_blank", lambda: ref.ctc([[0]], UNIFORM_LOG, **CTC_OK), ValueError,
     r"`y_true`.*blank"),
    ("ctc_label_out_of_range", lambda: ref.ctc([[5]], UNIFORM_LOG, **CTC_OK), ValueError,
     r"`y_true`"),
    ("ctc_input_length_too_long", lambda: ref.ctc([[1]], UNIFORM_LOG, input_length=[4],
                                                  label_length=[1]),
     ValueError, r"`input_length`"),
    ("ctc_label_length_shape", lambda: ref.ctc([[1]], UNIFORM_LOG, input_length=[3],
                                               label_length=[1, 1]),
     ValueError, r"`label_length`"),
    ("ctc_not_log_probs", lambda: ref.ctc([[1]], np.zeros((1, 3, 3)), **CTC_OK), ValueError,
     r"`y_pred`.*log-probabilities"),
    ("ctc_y_pred_2d", lambda: ref.ctc([[1]], np.zeros((3, 3)), **CTC_OK), ValueError,
     r"`y_pred`"),
    ("gradient_bad_input", lambda: ref.gradient("huber", [1.0], [1.0], delta=-1.0), ValueError,
     r"`delta`"),
]


@pytest.mark.parametrize("call, error, message",
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS])
def test_bad_input_raises_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
