"""Extreme inputs: huge logits and residuals, probabilities 0 and 1, impossible alignments."""

import math

import numpy as np
import pytest

import lossbook.reference as ref

LOG2 = math.log(2.0)


@pytest.mark.parametrize("logit", [100.0, -100.0, 1e4, -1e4])
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_bce_on_huge_logits_is_exact_and_its_gradient_finite(logit, label):
    value = ref.binary_crossentropy([label], [logit], from_logits=True)
    wrong = (label == 1.0) == (logit < 0)
    # softplus(z) - y z: |z| when the sign is wrong, about exp(-|z|) (0 at 1e4) when right
    expected = abs(logit) + math.log1p(math.exp(-abs(logit))) if wrong else \
        math.log1p(math.exp(-abs(logit)))
    assert value == pytest.approx(expected, rel=1e-15, abs=1e-300)
    grad = ref.gradient("binary_crossentropy", [label], [logit], from_logits=True)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("scale", [100.0, 1e4])
def test_categorical_and_focal_losses_on_huge_logits(scale):
    logits = np.array([[scale, -scale, 0.0]])
    assert ref.categorical_crossentropy([[1.0, 0.0, 0.0]], logits, from_logits=True) == \
        pytest.approx(0.0, abs=1e-40)
    assert ref.categorical_crossentropy([[0.0, 1.0, 0.0]], logits, from_logits=True) == \
        pytest.approx(2 * scale, rel=1e-12)
    for name, y in [("categorical_crossentropy", [[0.0, 1.0, 0.0]]),
                    ("categorical_focal_crossentropy", [[0.0, 1.0, 0.0]]),
                    ("binary_focal_crossentropy", [[0.0, 1.0, 1.0]]),
                    ("sparse_categorical_crossentropy", [1])]:
        value = getattr(ref, name)(y, logits, from_logits=True)
        grad = ref.gradient(name, y, logits, from_logits=True)
        assert np.isfinite(value) and np.all(np.isfinite(grad)), name


def test_binary_focal_on_huge_logits_matches_bce_limit():
    # a confident wrong logit: 1 - p_t -> 1, so focal -> BCE = |z|
    assert ref.binary_focal_crossentropy([1.0], [-1e4], from_logits=True) == \
        pytest.approx(1e4, rel=1e-12)
    assert ref.binary_focal_crossentropy([1.0], [1e4], from_logits=True) == 0.0


def test_probabilities_exactly_zero_and_one():
    # right answer with certainty: 0; wrong answer with certainty: inf (no clipping)
    np.testing.assert_array_equal(
        ref.binary_crossentropy([1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0], reduction="none"),
        [0.0, 0.0, np.inf, np.inf])
    assert ref.categorical_crossentropy([[0.0, 1.0]], [[0.0, 1.0]]) == 0.0
    assert ref.categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]]) == np.inf
    assert ref.sparse_categorical_crossentropy([0], [[0.0, 1.0]]) == np.inf
    assert ref.binary_focal_crossentropy([1.0], [1.0]) == 0.0
    assert ref.binary_focal_crossentropy([1.0], [0.0]) == np.inf


def test_kl_with_zeros():
    assert ref.kl_divergence([[0.0, 1.0]], [[0.5, 0.5]]) == pytest.approx(LOG2)  # 0 log 0 = 0
    assert ref.kl_divergence([[0.0, 1.0]], [[0.0, 1.0]]) == 0.0
    assert ref.kl_divergence([[0.5, 0.5]], [[0.0, 1.0]]) == np.inf  # q = 0 where p > 0
    np.testing.assert_array_equal(ref.gradient("kl_divergence", [[0.0, 1.0]], [[0.0, 1.0]]),
                                  [[0.0, -1.0]])


@pytest.mark.parametrize("residual", [1e-8, 1e8])
def test_regression_losses_on_tiny_and_huge_residuals(residual):
    y, p = [0.0], [residual]
    assert ref.log_cosh(y, p) == pytest.approx(
        residual**2 / 2 if residual < 1 else residual - LOG2, rel=1e-12)
    assert ref.huber(y, p) == pytest.approx(
        residual**2 / 2 if residual < 1 else residual - 0.5, rel=1e-12)  # linear for 1e8
    assert ref.mean_squared_error(y, p) == pytest.approx(residual**2, rel=1e-15)
    for name in ("log_cosh", "huber", "mean_squared_error", "mean_absolute_error"):
        assert np.all(np.isfinite(ref.gradient(name, y, p)))
    assert ref.gradient("huber", y, p)[0] == min(residual, 1.0)


def test_log_cosh_does_not_overflow_where_naive_form_does():
    with np.errstate(over="ignore"):
        assert np.isinf(np.log(np.cosh(1e3)))
    assert ref.log_cosh([0.0], [1e3]) == pytest.approx(1e3 - LOG2, rel=1e-15)


def test_poisson_zero_rate():
    np.testing.assert_array_equal(ref.poisson([0.0, 2.0], [0.0, 0.0], reduction="none"),
                                  [0.0, np.inf])
    np.testing.assert_array_equal(ref.gradient("poisson", [0.0, 2.0], [0.0, 0.0]),
                                  [1.0, -np.inf])


def test_impossible_ctc_alignment_is_inf():
    log_probs = np.log(np.full((1, 2, 3), 1 / 3))
    # "1 1" needs 3 frames (1, blank, 1); 2 frames cannot emit it
    assert ref.ctc([[1, 1]], log_probs, input_length=[2], label_length=[2]) == np.inf
    # "1 2 2" in 3 frames: 3 symbols fit, but the repeat needs a blank between them (4 frames)
    log_probs3 = np.log(np.full((1, 3, 3), 1 / 3))
    assert ref.ctc([[1, 2, 2]], log_probs3, input_length=[3], label_length=[3]) == np.inf


def test_ctc_long_sequence_does_not_underflow():
    steps = 2000  # probability (1/2)^2000 underflows in linear space, not in log space
    log_probs = np.log(np.full((1, steps, 2), 0.5))
    value = ref.ctc([[1]], log_probs, input_length=[steps], label_length=[1])
    # the alignments of "1" in T frames: choose its first and last frame, T (T + 1) / 2 paths
    assert value == pytest.approx(steps * LOG2 - math.log(steps * (steps + 1) / 2), rel=1e-12)


def test_am_softmax_large_scale_is_finite():
    value = ref.am_softmax([1], [[1.0, -1.0]], scale=1e4)
    assert value == pytest.approx(1e4 * (2 + 0.35), rel=1e-12)


@pytest.mark.parametrize("logit", [100.0, -100.0, 1e4, -1e4])
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_pos_weighted_bce_on_huge_logits(logit, label):
    value = ref.binary_crossentropy([label], [logit], from_logits=True, pos_weight=3.0)
    plain = ref.binary_crossentropy([label], [logit], from_logits=True)
    assert value == pytest.approx(3.0 * plain if label == 1.0 else plain, rel=1e-15, abs=1e-300)
    grad = ref.gradient("binary_crossentropy", [label], [logit], from_logits=True,
                        pos_weight=3.0)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("temperature", [0.5, 1.0, 4.0, 20.0])
@pytest.mark.parametrize("scale", [100.0, 1e4])
def test_distillation_on_huge_logits_and_temperatures(temperature, scale):
    teacher, student = np.array([[scale, -scale, 0.0]]), np.array([[-scale, scale, 0.0]])
    value = ref.knowledge_distillation(teacher, student, temperature=temperature)
    grad = ref.gradient("knowledge_distillation", teacher, student, temperature=temperature)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    if scale / temperature >= 20:  # the teacher's softened p is ~one-hot on class 0:
        # KL ≈ log p0 - log q0 = 2 scale / T, times T²
        assert value == pytest.approx(2.0 * scale * temperature, rel=1e-6)
    assert ref.knowledge_distillation(teacher, teacher, temperature=temperature) == 0.0
    # gradient T (q - p): at most T in absolute value
    assert np.max(np.abs(grad)) <= temperature * (1 + 1e-12)


def test_sparse_labels_n1_are_squeezed_like_keras():
    probs = np.array([[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_array_equal(
        ref.sparse_categorical_crossentropy([[1], [0]], probs, reduction="none"),
        ref.sparse_categorical_crossentropy([1, 0], probs, reduction="none"))
    np.testing.assert_array_equal(
        ref.gradient("sparse_categorical_crossentropy", [[1], [0]], probs),
        ref.gradient("sparse_categorical_crossentropy", [1, 0], probs))
