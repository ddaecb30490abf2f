"""The reference against independent implementations: torch built-ins and Keras, in float64.

These are not the book's parity tests (those live in tests/test_parity.py and go through the
catalog); they give the reference numbers a second, independent source.
"""

import numpy as np
import pytest

import lossbook.reference as ref

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(20260101)
N, C, D = 6, 4, 3


def t(array):
    return torch.tensor(np.asarray(array), dtype=torch.float64)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


values_a, values_b = RNG.normal(size=(N, D)), RNG.normal(size=(N, D)) * 2
logits = RNG.normal(size=(N, C)) * 3
probs = _softmax(logits)
targets_dist = _softmax(RNG.normal(size=(N, C)))
labels = RNG.integers(0, C, N)
binary = RNG.integers(0, 2, (N, D)).astype(float)
binary_probs = RNG.uniform(0.01, 0.99, (N, D))
counts = RNG.poisson(3.0, (N, D)).astype(float)
rates = RNG.uniform(0.5, 5.0, (N, D))
class_weight = np.array([0.5, 1.0, 2.0, 4.0])

# (id, reference value, torch value); torch's 'mean' divides by all elements, so element-wise
# losses compare the reference's 'mean' (mean of per-sample means) = same number for equal D.
TORCH_CASES = [
    ("mse", lambda: ref.mean_squared_error(values_a, values_b),
     lambda: F.mse_loss(t(values_b), t(values_a))),
    ("mae", lambda: ref.mean_absolute_error(values_a, values_b),
     lambda: F.l1_loss(t(values_b), t(values_a))),
    ("huber", lambda: ref.huber(values_a, values_b, delta=0.7),
     lambda: F.huber_loss(t(values_b), t(values_a), delta=0.7)),
    ("smooth_l1_is_huber_over_beta", lambda: ref.huber(values_a, values_b, delta=2.0) / 2.0,
     lambda: F.smooth_l1_loss(t(values_b), t(values_a), beta=2.0)),  # TRAPS 14
    ("poisson", lambda: ref.poisson(counts, rates),
     lambda: F.poisson_nll_loss(t(rates), t(counts), log_input=False, eps=0.0)),
    ("bce_probs", lambda: ref.binary_crossentropy(binary, binary_probs),
     lambda: F.binary_cross_entropy(t(binary_probs), t(binary))),
    ("bce_logits", lambda: ref.binary_crossentropy(binary, values_b, from_logits=True),
     lambda: F.binary_cross_entropy_with_logits(t(values_b), t(binary))),
    ("cce_logits_soft", lambda: ref.categorical_crossentropy(targets_dist, logits,
                                                             from_logits=True),
     lambda: F.cross_entropy(t(logits), t(targets_dist))),
    ("cce_label_smoothing", lambda: ref.categorical_crossentropy(
        np.eye(C)[labels], logits, from_logits=True, label_smoothing=0.2),
     lambda: F.cross_entropy(t(logits), torch.tensor(labels), label_smoothing=0.2)),
    ("scce_ignore_index", lambda: ref.sparse_categorical_crossentropy(
        np.where(np.arange(N) % 3 == 0, -100, labels), logits, from_logits=True,
        ignore_class=-100),
     lambda: F.cross_entropy(t(logits), torch.tensor(np.where(np.arange(N) % 3 == 0, -100,
                                                              labels)))),
    ("weighted_ce_weights", lambda: ref.class_weighted_crossentropy(
        labels, logits, class_weight=class_weight, from_logits=True, normalize="weights"),
     lambda: F.cross_entropy(t(logits), torch.tensor(labels), weight=t(class_weight))),
    ("kl_batchmean", lambda: ref.kl_divergence(targets_dist, probs),
     lambda: F.kl_div(t(np.log(probs)), t(targets_dist), reduction="batchmean")),  # TRAPS 5
    ("multi_margin_p1", lambda: ref.multi_margin(labels, logits, margin=1.5),
     lambda: F.multi_margin_loss(t(logits), torch.tensor(labels), margin=1.5)),
    ("multi_margin_p2", lambda: ref.multi_margin(labels, logits, p=2),
     lambda: F.multi_margin_loss(t(logits), torch.tensor(labels), p=2)),
    ("cosine_negative", lambda: -ref.cosine_similarity(values_a, values_b, reduction="sum"),
     lambda: F.cosine_similarity(t(values_a), t(values_b)).sum()),  # TRAPS 17
]


@pytest.mark.parametrize("reference, framework",
                         [pytest.param(c[1], c[2], id=c[0]) for c in TORCH_CASES])
def test_reference_matches_torch(reference, framework):
    assert reference() == pytest.approx(float(framework()), rel=1e-10, abs=1e-12)


def test_triplet_matches_torch_up_to_its_eps():
    stacked = RNG.normal(size=(N, 3, D))
    ours = ref.triplet(None, stacked, margin=0.5, reduction="none")
    a, p, n = (t(stacked[:, k]) for k in range(3))
    theirs = F.triplet_margin_loss(a, p, n, margin=0.5, reduction="none", eps=0.0)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)
    default_eps = F.triplet_margin_loss(a, p, n, margin=0.5, reduction="none")  # eps=1e-6
    np.testing.assert_allclose(ours, default_eps.numpy(), atol=1e-5)


@pytest.mark.parametrize("blank", [0, 3])
def test_ctc_matches_torch_on_random_inputs(blank):
    batch, steps, classes, max_label = 8, 15, 5, 6
    rng = np.random.default_rng(blank)
    logits_seq = rng.normal(size=(batch, steps, classes)) * 2
    symbols = [c for c in range(classes) if c != blank]
    targets = rng.choice(symbols, size=(batch, max_label))
    targets[0, :4] = symbols[0]  # repeats need blanks between them
    input_length = rng.integers(8, steps + 1, batch)
    label_length = rng.integers(0, max_label + 1, batch)
    label_length[0] = 4
    log_probs = torch.log_softmax(t(logits_seq), -1)
    theirs = F.ctc_loss(log_probs.transpose(0, 1), torch.tensor(targets),
                        torch.tensor(input_length), torch.tensor(label_length), blank=blank,
                        reduction="none")
    ours = ref.ctc(targets, logits_seq, input_length=input_length, label_length=label_length,
                   blank=blank, from_logits=True, reduction="none")
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10)
    same_on_log_probs = ref.ctc(targets, log_probs.numpy(), input_length=input_length,
                                label_length=label_length, blank=blank, reduction="none")
    np.testing.assert_allclose(same_on_log_probs, ours, rtol=1e-12)


def test_sequence_ce_equals_torch_token_mean_when_lengths_are_equal():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(4, 5, C))
    targets = rng.integers(0, C, (4, 5))
    targets[:, 3:] = -100  # every sequence has 3 valid steps
    ours = ref.sequence_crossentropy(targets, scores, from_logits=True, ignore_class=-100)
    theirs = F.cross_entropy(t(scores).permute(0, 2, 1), torch.tensor(targets))
    assert ours == pytest.approx(float(theirs), rel=1e-12)


@pytest.fixture(scope="module")
def keras():
    from lossbook._env import quiet_import
    return quiet_import("keras")


def _k(keras_loss_fn, *args, **kwargs):
    return float(np.mean(np.asarray(keras_loss_fn(*args, **kwargs))))


def test_keras_focal_losses_match(keras):
    y, p = binary, binary_probs
    for balancing in (False, True):
        ours = ref.binary_focal_crossentropy(y, p, gamma=1.5, alpha=0.3,
                                             apply_class_balancing=balancing)
        theirs = _k(keras.losses.binary_focal_crossentropy, y, p, gamma=1.5, alpha=0.3,
                    apply_class_balancing=balancing)
        assert ours == pytest.approx(theirs, rel=1e-5)  # Keras clips p to [1e-7, 1 - 1e-7]
    ours = ref.categorical_focal_crossentropy(np.eye(C)[labels], probs, alpha=0.4, gamma=1.0)
    theirs = _k(keras.losses.categorical_focal_crossentropy, np.eye(C)[labels], probs,
                alpha=0.4, gamma=1.0)
    assert ours == pytest.approx(theirs, rel=1e-5)


def test_keras_hinge_family_match(keras):
    assert ref.hinge(binary, values_b) == pytest.approx(_k(keras.losses.hinge, binary, values_b))
    assert ref.squared_hinge(binary, values_b) == pytest.approx(
        _k(keras.losses.squared_hinge, binary, values_b))
    positive_scores = np.abs(logits)  # Keras' max includes 0 for the true class
    assert ref.categorical_hinge(np.eye(C)[labels], positive_scores) == pytest.approx(
        _k(keras.losses.categorical_hinge, np.eye(C)[labels], positive_scores))


def test_keras_dice_and_tversky_match_with_documented_translation(keras):
    masks = RNG.integers(0, 2, (N, 8)).astype(float)
    soft = RNG.uniform(size=(N, 8))
    ours_pooled = ref.dice(masks.reshape(1, -1), soft.reshape(1, -1))  # Keras pools (TRAPS 26)
    assert ours_pooled == pytest.approx(_k(keras.losses.dice, masks, soft), rel=1e-6)
    ours = ref.tversky(masks.reshape(1, -1), soft.reshape(1, -1), alpha=0.2, beta=0.8)
    theirs = _k(keras.losses.tversky, masks, soft, alpha=0.8, beta=0.2)  # swapped, TRAPS 25
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_keras_regression_functions_match(keras):
    positive = np.abs(values_a) + 0.5
    for ours_fn, theirs_fn in [
        (ref.mean_absolute_percentage_error, keras.losses.mean_absolute_percentage_error),
        (ref.mean_squared_logarithmic_error, keras.losses.mean_squared_logarithmic_error),
        (ref.log_cosh, keras.losses.log_cosh),
        (ref.kl_divergence, keras.losses.kl_divergence),
    ]:
        a, b = (targets_dist, probs) if ours_fn is ref.kl_divergence else (positive, rates)
        assert ours_fn(a, b) == pytest.approx(_k(theirs_fn, a, b), rel=1e-6), ours_fn.__name__
    assert ref.root_mean_squared_error(values_a, values_b) == pytest.approx(
        float(np.sqrt(_k(keras.losses.mean_squared_error, values_a, values_b))))


def test_keras_categorical_hinge_quirk_is_documented(keras):
    # all wrong scores negative: Keras' max over (1 - y)·s picks the true class's 0
    y, s = [[1.0, 0.0]], [[0.5, -2.0]]
    assert _k(keras.losses.categorical_hinge, np.array(y), np.array(s)) == pytest.approx(0.5)
    assert ref.categorical_hinge(y, s) == 0.0  # Crammer–Singer: max(0, 1 - 2 - 0.5)
