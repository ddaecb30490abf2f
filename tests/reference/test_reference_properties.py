"""Hypothesis properties of lossbook.reference: sign, zero at the optimum, symmetry, reductions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossbook.reference as ref

SETTINGS = settings(max_examples=50, deadline=None)
C = 4


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _unit(vectors):
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _pk_labels(n, rng):
    """Labels of a batch of n >= 4 where every label occurs at least twice."""
    return rng.permutation(np.arange(n) % (n // 2))


# losses of a whole batch that need at least 4 samples (two labels, each twice)
MIN_BATCH = {"triplet_batch_all": 4, "triplet_batch_hard": 4, "triplet_semi_hard": 4}


def _make_inputs(name, rng, n):
    """Valid random ``(y_true, y_pred, params)`` of ``n`` samples for each reference loss."""
    values = lambda scale=3.0: rng.normal(size=(n, 3)) * scale  # noqa: E731
    dist = lambda: _softmax(rng.normal(size=(n, C)) * 2)  # noqa: E731
    labels = rng.integers(0, C, n)
    binary = rng.integers(0, 2, (n, 3)).astype(float)
    makers = {
        "mean_squared_error": lambda: (values(), values(), {}),
        "mean_absolute_error": lambda: (values(), values(), {}),
        "root_mean_squared_error": lambda: (values(), values(), {"epsilon": 1e-6}),
        "mean_absolute_percentage_error": lambda: (rng.uniform(0.5, 5, (n, 3)), values(), {}),
        "mean_squared_logarithmic_error": lambda: (np.abs(values()), np.abs(values()), {}),
        "huber": lambda: (values(), values(), {"delta": float(rng.uniform(0.1, 3))}),
        "log_cosh": lambda: (values(), values(), {}),
        "quantile": lambda: (values(), values(), {"tau": float(rng.uniform(0.05, 0.95))}),
        "poisson": lambda: (rng.poisson(2.0, (n, 3)).astype(float),
                            rng.uniform(0.1, 5, (n, 3)), {}),
        "binary_crossentropy": lambda: (binary, rng.uniform(0, 1, (n, 3)), {}),
        "categorical_crossentropy": lambda: (dist(), rng.normal(size=(n, C)) * 3,
                                             {"from_logits": True}),
        "sparse_categorical_crossentropy": lambda: (labels, dist(), {}),
        "class_weighted_crossentropy": lambda: (labels, dist(),
                                                {"class_weight": rng.uniform(0, 2, C)}),
        "binary_focal_crossentropy": lambda: (binary, values(), {"from_logits": True}),
        "categorical_focal_crossentropy": lambda: (np.eye(C)[labels], dist(), {}),
        "categorical_generalized_cross_entropy": lambda: (labels, dist(),
                                                          {"q": float(rng.uniform(0.05, 1))}),
        "kl_divergence": lambda: (dist(), dist(), {}),
        "knowledge_distillation": lambda: (values(), values(),
                                           {"temperature": float(rng.uniform(0.5, 20))}),
        "hinge": lambda: (binary, values(), {}),
        "squared_hinge": lambda: (binary, values(), {}),
        "categorical_hinge": lambda: (np.eye(C)[labels], rng.normal(size=(n, C)), {}),
        "multi_margin": lambda: (labels, rng.normal(size=(n, C)), {}),
        "dice": lambda: (binary, rng.uniform(0, 1, (n, 3)), {"smooth": 1.0}),
        "tversky": lambda: (binary, rng.uniform(0, 1, (n, 3)),
                            {"alpha": 0.7, "beta": 0.3, "smooth": 1.0}),
        "cosine_similarity": lambda: (values() + 0.1, values() + 0.1, {}),
        "contrastive": lambda: (rng.integers(0, 2, n).astype(float), rng.uniform(0, 2, n), {}),
        "triplet": lambda: (None, rng.normal(size=(n, 3, 2)), {}),
        "am_softmax": lambda: (labels, rng.uniform(-1, 1, (n, C)), {}),
        "arcface": lambda: (labels, rng.uniform(-1, 1, (n, C)), {"scale": 16.0}),
        "circle": lambda: (np.arange(n) // 2, _unit(rng.normal(size=(n, 3))), {"gamma": 8.0}),
        "info_nce": lambda: (None, rng.normal(size=(n, 2, 3)), {"temperature": 0.5}),
        "triplet_batch_all": lambda: (_pk_labels(n, rng), rng.normal(size=(n, 3)), {}),
        "triplet_batch_hard": lambda: (_pk_labels(n, rng), rng.normal(size=(n, 3)), {}),
        "triplet_semi_hard": lambda: (_pk_labels(n, rng), rng.normal(size=(n, 3)), {}),
        "gaussian_nll": lambda: (values(), np.concatenate(
            [values(), rng.uniform(0.01, 3, (n, 3))], axis=-1), {}),
        "bradley_terry": lambda: (None, rng.normal(size=(n, 2)) * 3, {"margin": 0.5}),
        "dpo": lambda: (None, -rng.gamma(2.0, 2.0, (n, 4)), {"beta": 0.3}),
        "sequence_crossentropy": lambda: (rng.integers(0, C, (n, 4)),
                                          rng.normal(size=(n, 4, C)), {"from_logits": True}),
        "linear_crossentropy": lambda: (labels, rng.normal(size=(n, 3)),
                                        {"weight": rng.normal(size=(C, 3))}),
        "perplexity": lambda: (rng.integers(0, C, (n, 4)), rng.normal(size=(n, 4, C)),
                               {"from_logits": True}),
        "ctc": lambda: (rng.integers(1, C, (n, 2)), rng.normal(size=(n, 6, C)),
                        {"from_logits": True, "input_length": np.full(n, 6),
                         "label_length": rng.integers(0, 3, n)}),
    }
    return makers[name]()


ALL_LOSSES = sorted(ref.__all__[2:])  # every loss (the first two names are the gradient API)
# the Gaussian NLL is a log-density: negative wherever the predicted variance is small
NON_NEGATIVE = sorted(set(ALL_LOSSES) - {"poisson", "cosine_similarity", "gaussian_nll"})
# their "mean" is not the mean of the per-sample values: RMSE the root of the overall MSE,
# perplexity an exponential of a mean, Circle Keras' mean that skips samples with a zero loss
REDUCES_AS_MEAN = sorted(set(ALL_LOSSES) - {"root_mean_squared_error", "perplexity", "circle"})
RESIDUAL_SYMMETRIC = ["huber", "log_cosh", "mean_absolute_error", "mean_squared_error"]
ZERO_AT_OPTIMUM = ["huber", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
                   "mean_squared_error", "mean_squared_logarithmic_error", "quantile",
                   "root_mean_squared_error"]

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 6)
residual_arrays = hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 4)),
                             elements=st.floats(-1e3, 1e3))


def test_property_lists_cover_every_loss():
    assert ref.__all__[:2] == ["GRADIENT_NAMES", "gradient"]
    assert set(ALL_LOSSES) == {name for name in ref.__all__[2:]}
    for name in ALL_LOSSES:
        _make_inputs(name, np.random.default_rng(0), 3)  # one maker per loss


@pytest.mark.parametrize("name", NON_NEGATIVE)
@SETTINGS
@given(seed=seeds, n=sizes)
def test_non_negative(name, seed, n):
    n = max(n, MIN_BATCH.get(name, 1))
    y_true, y_pred, params = _make_inputs(name, np.random.default_rng(seed), n)
    assert np.all(getattr(ref, name)(y_true, y_pred, reduction="none", **params) >= 0)


@pytest.mark.parametrize("name", ZERO_AT_OPTIMUM)
@SETTINGS
@given(seed=seeds, n=sizes)
def test_zero_at_a_perfect_prediction(name, seed, n):
    y_true, _, params = _make_inputs(name, np.random.default_rng(seed), n)
    params.pop("epsilon", None)
    np.testing.assert_array_equal(getattr(ref, name)(y_true, y_true, reduction="none",
                                                     **params), 0.0)


@SETTINGS
@given(seed=seeds, n=sizes)
def test_distribution_losses_zero_at_the_target(seed, n):
    rng = np.random.default_rng(seed)
    p = _softmax(rng.normal(size=(n, C)))
    np.testing.assert_allclose(ref.kl_divergence(p, p, reduction="none"), 0.0, atol=1e-15)
    mask = rng.integers(0, 2, (n, 5)).astype(float)
    mask[:, 0] = 1.0  # non-empty masks
    np.testing.assert_allclose(ref.dice(mask, mask, reduction="none"), 0.0, atol=1e-15)


@pytest.mark.parametrize("name", RESIDUAL_SYMMETRIC)
@SETTINGS
@given(residual=residual_arrays)
def test_symmetric_in_the_residual(name, residual):
    loss = getattr(ref, name)
    zeros = np.zeros_like(residual)
    np.testing.assert_array_equal(loss(zeros, residual, reduction="none"),
                                  loss(zeros, -residual, reduction="none"))
    np.testing.assert_array_equal(loss(residual, zeros, reduction="none"),
                                  loss(zeros, residual, reduction="none"))


@pytest.mark.parametrize("name", ALL_LOSSES)
@SETTINGS
@given(seed=seeds, n=sizes)
def test_reductions_are_consistent(name, seed, n):
    n = max(n, MIN_BATCH.get(name, 1))
    rng = np.random.default_rng(seed)
    y_true, y_pred, params = _make_inputs(name, rng, n)
    loss = getattr(ref, name)
    per_sample = loss(y_true, y_pred, reduction="none", **params)
    assert per_sample.shape == (n,)
    assert loss(y_true, y_pred, reduction="sum", **params) == pytest.approx(per_sample.sum())
    weights = rng.uniform(0, 2, n)
    weighted = loss(y_true, y_pred, reduction="none", sample_weight=weights, **params)
    np.testing.assert_allclose(weighted, per_sample * weights)
    if name in REDUCES_AS_MEAN:
        assert loss(y_true, y_pred, **params) == pytest.approx(per_sample.mean())
        assert loss(y_true, y_pred, sample_weight=weights, **params) == pytest.approx(
            np.sum(per_sample * weights) / n)  # divided by N, not by Σw (TRAPS 7)


@pytest.mark.parametrize("name", ALL_LOSSES)
@SETTINGS
@given(seed=seeds, n=st.integers(2, 6))
def test_mean_does_not_depend_on_sample_order(name, seed, n):
    n = max(n, MIN_BATCH.get(name, 1))
    rng = np.random.default_rng(seed)
    y_true, y_pred, params = _make_inputs(name, rng, n)
    order = rng.permutation(n)
    shuffled = {key: (value[order] if key in ("input_length", "label_length") else value)
                for key, value in params.items()}
    loss = getattr(ref, name)
    reordered = loss(None if y_true is None else y_true[order], y_pred[order], **shuffled)
    assert reordered == pytest.approx(loss(y_true, y_pred, **params), rel=1e-12)


@SETTINGS
@given(seed=seeds, n=sizes)
def test_rmse_mean_is_root_of_mse(seed, n):
    y_true, y_pred, _ = _make_inputs("mean_squared_error", np.random.default_rng(seed), n)
    assert ref.root_mean_squared_error(y_true, y_pred) == pytest.approx(
        np.sqrt(ref.mean_squared_error(y_true, y_pred)), rel=1e-12)


@SETTINGS
@given(seed=seeds, n=sizes)
def test_logits_and_probabilities_agree(seed, n):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, C)) * 3
    one_hot = np.eye(C)[rng.integers(0, C, n)]
    assert ref.categorical_crossentropy(one_hot, logits, from_logits=True) == pytest.approx(
        ref.categorical_crossentropy(one_hot, _softmax(logits)), rel=1e-10)
    binary = rng.integers(0, 2, (n, C)).astype(float)
    assert ref.binary_crossentropy(binary, logits, from_logits=True) == pytest.approx(
        ref.binary_crossentropy(binary, 1 / (1 + np.exp(-logits))), rel=1e-9)


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_every_loss_rejects_an_unknown_reduction(name):
    y_true, y_pred, params = _make_inputs(name, np.random.default_rng(0), 4)
    with pytest.raises(ValueError, match=r"`reduction`.*Received: reduction='average'"):
        getattr(ref, name)(y_true, y_pred, reduction="average", **params)
