"""Metric-learning references: values by hand, extremes, the ArcFace NaN and its fix, Keras'
Circle mask, and each bad input's error (InfoNCE, ArcFace, Circle, triplet mining, recall@k)."""

import math

import numpy as np
import pytest

import lossbook.reference as ref
from lossbook.metrics import recall_at_k

torch = pytest.importorskip("torch")


def test_info_nce_by_hand():
    # two orthogonal pairs at temperature 1: logits [[1, 0], [0, 1]], each row log(1 + e^-1)
    views = [[[1.0, 0.0], [2.0, 0.0]], [[0.0, 3.0], [0.0, 1.0]]]
    assert ref.info_nce(None, views, temperature=1.0) == pytest.approx(math.log1p(math.exp(-1)))
    # symmetric: the column loss of a symmetric logit matrix equals the row loss
    assert ref.info_nce(None, views, temperature=1.0, symmetric=True) == pytest.approx(
        math.log1p(math.exp(-1)))


def test_info_nce_symmetric_differs_when_the_logits_are_not_symmetric():
    rng = np.random.default_rng(0)
    views = rng.normal(size=(5, 2, 3))
    rows = ref.info_nce(None, views, temperature=0.3, reduction="none")
    columns = ref.info_nce(None, views[:, ::-1], temperature=0.3, reduction="none")
    np.testing.assert_allclose(ref.info_nce(None, views, temperature=0.3, symmetric=True,
                                            reduction="none"), 0.5 * (rows + columns))
    assert not np.allclose(rows, columns)


@pytest.mark.parametrize("symmetric", [False, True])
def test_info_nce_with_shuffled_positives_and_their_indices(symmetric):
    import lossbook.torch as lt

    rng = np.random.default_rng(5)
    views, order = rng.normal(size=(6, 2, 3)), rng.permutation(6)
    shuffled = views.copy()
    shuffled[:, 1] = views[order, 1]  # positive i now sits in row argsort(order)[i]
    targets = np.argsort(order)
    expected = ref.info_nce(None, views, temperature=0.3, symmetric=symmetric, reduction="none")
    np.testing.assert_allclose(ref.info_nce(targets, shuffled, temperature=0.3,
                                            symmetric=symmetric, reduction="none"), expected)
    got = lt.info_nce(torch.tensor(shuffled), torch.tensor(targets), temperature=0.3,
                      symmetric=symmetric, reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    grad = ref.gradient("info_nce", targets, shuffled, temperature=0.3, symmetric=symmetric)
    tensor = torch.tensor(shuffled, requires_grad=True)
    lt.info_nce(tensor, torch.tensor(targets), temperature=0.3, symmetric=symmetric,
                reduction="sum").backward()
    np.testing.assert_allclose(grad, tensor.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("temperature", [1e-3, 1e-6])
def test_info_nce_at_tiny_temperature_is_finite_and_exact(temperature):
    # the positive is the closest: the loss tends to 0; a negative closer: (gap / tau)
    views = [[[1.0, 0.0], [1.0, 0.0]], [[0.8, 0.6], [0.0, 1.0]]]
    values = ref.info_nce(None, views, temperature=temperature, reduction="none")
    assert np.all(np.isfinite(values))
    assert values[0] == pytest.approx(0.0, abs=1e-12)
    assert values[1] == pytest.approx((0.8 - 0.6) / temperature + 0.0, rel=1e-9)
    grad = ref.gradient("info_nce", None, views, temperature=temperature)
    assert np.all(np.isfinite(grad))


def test_info_nce_is_scale_invariant_on_huge_embeddings():
    rng = np.random.default_rng(1)
    views = rng.normal(size=(4, 2, 3))
    assert ref.info_nce(None, 1e150 * views) == pytest.approx(ref.info_nce(None, views))


def test_arcface_by_hand_and_equal_to_am_softmax_without_margin():
    rng = np.random.default_rng(2)
    labels, cosines = rng.integers(0, 4, 6), rng.uniform(-1, 1, (6, 4))
    np.testing.assert_allclose(ref.arcface(labels, cosines, margin=1e-12, scale=8.0),
                               ref.am_softmax(labels, cosines, margin=1e-12, scale=8.0))
    # one sample, cos = 0 for the label (theta = 90 degrees), margin 30 degrees:
    # target logit s cos(120 deg) = -s / 2
    value = ref.arcface([0], [[0.0, 0.0]], margin=math.pi / 6, scale=2.0)
    assert value == pytest.approx(-math.log(math.exp(-1.0) / (math.exp(-1.0) + 1.0)))


@pytest.mark.parametrize("cosine", [1.0, -1.0])
def test_arcface_is_finite_at_unit_cosine(cosine):
    value = ref.arcface([0], [[cosine, 0.2]], margin=0.5, scale=64.0)
    expected_logit = 64.0 * cosine * math.cos(0.5)  # sin(theta) = 0
    assert value == pytest.approx(np.logaddexp(expected_logit, 64 * 0.2) - expected_logit)


def test_naive_arcface_gradient_is_nan_and_lossbooks_is_finite():
    import torch.nn.functional as F

    import lossbook.torch as lt

    cosines = torch.tensor([[0.3, 1.0]], requires_grad=True)  # a wrong class at cos = 1
    labels = torch.tensor([0])
    # naive: cos(theta + m) for every class, then mixed in with the one-hot mask
    sine = torch.sqrt(1.0 - cosines**2)
    shifted = cosines * math.cos(0.5) - sine * math.sin(0.5)
    one_hot = F.one_hot(labels, 2).float()
    logits = 64.0 * (one_hot * shifted + (1 - one_hot) * cosines)
    F.cross_entropy(logits, labels).backward()
    assert torch.isnan(cosines.grad).any()
    cosines.grad = None
    loss = lt.arcface(cosines, labels)
    loss.backward()
    assert torch.isfinite(cosines.grad).all()
    assert float(loss.detach()) == pytest.approx(ref.arcface([0], [[0.3, 1.0]]), rel=1e-5)
    at_one = torch.tensor([[1.0, 0.2]], requires_grad=True)  # the label's cosine is 1
    lt.arcface(at_one, labels).backward()
    assert torch.isfinite(at_one.grad).all()


def test_circle_mean_leaves_out_rows_without_positives_as_keras_does():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    embeddings = rng.normal(size=(5, 3))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 2])  # label 2 has no positive: its loss is 0
    values = ref.circle(labels, embeddings, gamma=4.0, reduction="none")
    assert values[4] == 0.0 and np.all(values[:4] > 0)
    assert ref.circle(labels, embeddings, gamma=4.0) == pytest.approx(values[:4].mean())
    keras_value = keras.losses.Circle(gamma=4.0)(labels, embeddings.astype("float32"))
    assert float(keras_value) == pytest.approx(values[:4].mean(), rel=1e-5)


def test_mining_by_hand_on_a_line():
    labels, points = [0, 0, 1, 1], [[0.0], [0.5], [1.0], [3.0]]
    # anchor 2 (at 1.0): positive at distance 2, negatives at 1.0 and 0.5 -> batch-hard uses
    # 0.5 (2 - 0.5 + 1 = 2.5); semi-hard finds no negative farther than 2 and falls back to
    # the farthest, 1.0 (2 - 1 + 1 = 2)
    assert ref.triplet_batch_hard(labels, points, reduction="none")[2] == 2.5
    assert ref.triplet_semi_hard(labels, points, reduction="none")[2] == 2.0
    assert ref.triplet_batch_all(labels, points, reduction="none")[2] == 2.25


def test_semi_hard_never_exceeds_batch_hard():
    rng = np.random.default_rng(4)
    labels, points = np.repeat(np.arange(4), 3), rng.normal(size=(12, 5))
    semi = ref.triplet_semi_hard(labels, points, reduction="none")
    hard = ref.triplet_batch_hard(labels, points, reduction="none")
    assert np.all(semi <= hard + 1e-12)


def test_collapsed_embeddings_give_the_margin():
    labels, points = np.repeat(np.arange(3), 2), np.zeros((6, 4))
    for loss in (ref.triplet_batch_all, ref.triplet_batch_hard, ref.triplet_semi_hard):
        assert loss(labels, points, margin=0.2) == pytest.approx(0.2)


def test_recall_at_k():
    points = np.array([[0.0, 0.0], [0.0, 0.1], [3.0, 0.0], [3.0, 0.2], [0.0, 0.3]])
    labels = np.array([0, 0, 1, 1, 1])
    # query 4 (label 1) is nearest to the label-0 points; its label-1 neighbours are 3rd/4th
    assert recall_at_k(points, labels, k=1) == pytest.approx(4 / 5)
    assert recall_at_k(points, labels, k=3) == 1.0
    assert recall_at_k(points[:2], labels[:2], k=1, gallery=points[2:],
                       gallery_labels=labels[2:]) == 0.0


BAD_INPUTS = [
    ("info_nce_temperature_zero", lambda: ref.info_nce(None, np.ones((2, 2, 3)), temperature=0),
     ValueError, r"`temperature`"),
    ("info_nce_temperature_negative",
     lambda: ref.info_nce(None, np.ones((2, 2, 3)), temperature=-0.1), ValueError,
     r"`temperature`"),
    ("info_nce_shape", lambda: ref.info_nce(None, np.ones((2, 3, 3))), ValueError,
     r"`y_pred`.*\[batch, 2, dim\]"),
    ("info_nce_2d", lambda: ref.info_nce(None, np.ones((2, 3))), ValueError, r"`y_pred`"),
    ("info_nce_y_true_range", lambda: ref.info_nce([0, 2], np.ones((2, 2, 3))), ValueError,
     r"`y_true`.*\[0, 2\)"),
    ("info_nce_y_true_shape", lambda: ref.info_nce([[0, 1]], np.ones((2, 2, 3))), ValueError,
     r"`y_true`"),
    ("info_nce_symmetric_not_permutation",
     lambda: ref.info_nce([0, 0], np.ones((2, 2, 3)), symmetric=True), ValueError,
     r"`y_true`.*permutation"),
    ("info_nce_zero", lambda: ref.info_nce(None, np.zeros((2, 2, 3))), ValueError,
     r"`y_pred`.*zero"),
    ("arcface_cosine_range", lambda: ref.arcface([0], [[1.0001, 0.0]]), ValueError,
     r"`y_pred`.*cosine"),
    ("arcface_label", lambda: ref.arcface([2], [[0.5, 0.0]]), ValueError, r"`y_true`"),
    ("arcface_margin", lambda: ref.arcface([0], [[0.5, 0.0]], margin=0.0), ValueError,
     r"`margin`"),
    ("circle_not_unit", lambda: ref.circle([0, 0], [[2.0, 0.0], [0.0, 1.0]]), ValueError,
     r"`y_pred`.*L2-normalised"),
    ("circle_zero", lambda: ref.circle([0, 0], [[0.0, 0.0], [0.0, 1.0]]), ValueError,
     r"`y_pred`.*zero"),
    ("circle_labels", lambda: ref.circle([0, 0, 1], [[1.0, 0.0], [0.0, 1.0]]), ValueError,
     r"`y_true`"),
    ("mining_single_class", lambda: ref.triplet_semi_hard([1, 1, 1], np.eye(3)), ValueError,
     r"`y_true`.*two classes"),
    ("mining_singleton", lambda: ref.triplet_batch_hard([0, 0, 1], np.eye(3)), ValueError,
     r"`y_true`.*twice"),
    ("mining_margin", lambda: ref.triplet_batch_all([0, 0, 1, 1], np.eye(4), margin=-1),
     ValueError, r"`margin`"),
    ("recall_k", lambda: recall_at_k(np.eye(3), [0, 1, 2], k=3), ValueError, r"`k`"),
    ("recall_zero_cosine", lambda: recall_at_k(np.zeros((2, 2)), [0, 1], metric="cosine"),
     ValueError, r"`embeddings`.*zero"),
]


@pytest.mark.parametrize(("call", "error", "match"), [pytest.param(*case[1:], id=case[0])
                                                       for case in BAD_INPUTS])
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("name", ["info_nce", "arcface", "circle"])
def test_torch_rejects_bad_shapes(name):
    import lossbook.torch as lt

    with pytest.raises(ValueError, match=r"`input`"):
        getattr(lt, name)(torch.ones(2, 3, 3), torch.zeros(2, dtype=torch.long))


def test_torch_and_keras_reject_a_nonpositive_temperature():
    import lossbook.keras as lk
    import lossbook.torch as lt

    with pytest.raises(ValueError, match=r"`temperature`"):
        lt.info_nce(torch.ones(2, 2, 3), temperature=0.0)
    with pytest.raises(ValueError, match=r"`temperature`"):
        lk.InfoNCE(temperature=-1.0)


def test_triplet_at_zero_distance_torch_eps_and_a_finite_keras_gradient():
    # anchor = positive: torch's default eps=1e-6 moves the value by about sqrt(D) * 1e-6, gives
    # the zero distance's gradient the direction of (1, ..., 1); eps=0 gives 0 there, like the
    # reference's subgradient and lossbook.keras.triplet (a plain sqrt(sum(square)) is NaN)
    keras = pytest.importorskip("keras")

    import lossbook.keras as lk

    triplet = np.array([[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.5]]])
    a, p, n = (torch.tensor(triplet[:, i], requires_grad=True) for i in range(3))
    default = torch.nn.TripletMarginLoss(margin=1.0)(a, p, n)
    default.backward()
    # |a - p + eps| = sqrt(3) eps and |a - n + eps| = 0.5 - eps (to first order)
    assert float(default.detach()) - 0.5 == pytest.approx((math.sqrt(3) + 1) * 1e-6, rel=1e-3)
    np.testing.assert_allclose(p.grad.numpy(), -np.ones((1, 3)) / math.sqrt(3), rtol=1e-6)
    a.grad = p.grad = None
    torch.nn.TripletMarginLoss(margin=1.0, eps=0.0)(a, p, n).backward()
    expected = ref.gradient("triplet", None, triplet)
    np.testing.assert_allclose(p.grad.numpy(), expected[:, 1])
    np.testing.assert_allclose(a.grad.numpy(), expected[:, 0])
    values = keras.Variable(triplet.astype("float32"))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = lk.triplet(None, values)
        np.testing.assert_allclose(tape.gradient(loss, values).numpy(), expected, atol=1e-6)
