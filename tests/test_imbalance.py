"""The Imbalance chapter's additions: Dice/Tversky ``axis``, the generalized cross-entropy,
and the long-tailed, noisy-label and segmentation data."""

import numpy as np
import pytest

import lossbook.reference as ref
from lossbook import data

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(20261201)
MASKS = RNG.integers(0, 2, (3, 5, 5, 2)).astype(float)
SOFT = RNG.uniform(0.01, 0.99, (3, 5, 5, 2))


@pytest.fixture(scope="module")
def keras():
    from lossbook._env import quiet_import
    return quiet_import("keras")


@pytest.mark.parametrize("axis", [None, (1, 2), (1, 2, 3), (0, 1, 2), -1])
@pytest.mark.parametrize("name", ["dice", "tversky"])
def test_overlap_axis_matches_keras_and_torch(keras, name, axis):
    import lossbook.torch as lt

    params = {"alpha": 0.3, "beta": 0.7} if name == "tversky" else {}
    ours = getattr(ref, name)(MASKS, SOFT, axis=axis, reduction="none", **params)
    keras_params = {"alpha": 0.7, "beta": 0.3} if name == "tversky" else {}  # trap 25
    theirs = getattr(keras.losses, name)(MASKS, SOFT, axis=axis, **keras_params)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs), ours, rtol=1e-6)
    torch_values = getattr(lt, name)(torch.tensor(SOFT), torch.tensor(MASKS), axis=axis,
                                     reduction="none", **params)
    np.testing.assert_allclose(torch_values.numpy(), ours, rtol=1e-12)


def test_default_axis_is_per_sample_and_none_pools_the_batch():
    per_sample = ref.dice(MASKS, SOFT, reduction="none")
    assert per_sample.shape == (3,)
    flat = [ref.dice(m.reshape(1, -1), s.reshape(1, -1)) for m, s in zip(MASKS, SOFT,
                                                                         strict=True)]
    np.testing.assert_allclose(per_sample, flat, rtol=1e-14)
    pooled = ref.dice(MASKS, SOFT, axis=None)
    assert pooled == pytest.approx(ref.dice(MASKS.reshape(1, -1), SOFT.reshape(1, -1)))
    assert pooled != pytest.approx(per_sample.mean(), rel=1e-6)  # trap 26


def test_torch_overlap_rejects_bad_axis_and_shapes():
    import lossbook.torch as lt

    with pytest.raises(ValueError, match="`axis`"):
        lt.dice(torch.tensor(SOFT), torch.tensor(MASKS), axis=(1, 1))
    with pytest.raises(ValueError, match="`input` and `target`"):
        lt.tversky(torch.tensor(SOFT), torch.tensor(MASKS[..., :1]))


def test_gce_limits_are_cross_entropy_and_mae():
    labels = RNG.integers(0, 4, 8)
    logits = RNG.normal(0, 2, (8, 4))
    ce = ref.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    near_ce = ref.categorical_generalized_cross_entropy(labels, logits, q=1e-8,
                                                        from_logits=True)
    assert near_ce == pytest.approx(ce, rel=1e-6)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    mae = 1.0 - probs[np.arange(8), labels]
    assert ref.categorical_generalized_cross_entropy(labels, probs, q=1.0) == pytest.approx(
        mae.mean(), rel=1e-12)


@pytest.mark.parametrize("scale", [100.0, 1e4])
def test_gce_on_huge_logits_is_finite_and_bounded(scale):
    labels = np.array([0, 1, 2])
    logits = scale * np.array([[1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.0, 1.0]])
    values = ref.categorical_generalized_cross_entropy(labels, logits, q=0.5, from_logits=True,
                                                       reduction="none")
    np.testing.assert_allclose(values, [0.0, 2.0, 0.0], atol=1e-12)  # bounded by 1/q = 2
    grad = ref.gradient("categorical_generalized_cross_entropy", labels, logits, q=0.5,
                        from_logits=True)
    assert np.all(np.isfinite(grad))
    import lossbook.torch as lt

    z = torch.tensor(logits, requires_grad=True)
    loss = lt.categorical_generalized_cross_entropy(z, torch.tensor(labels), q=0.5,
                                                    from_logits=True, reduction="sum")
    loss.backward()
    assert float(loss.detach()) == pytest.approx(values.sum())
    np.testing.assert_allclose(z.grad.numpy(), grad, atol=1e-12)


def test_gce_gradient_on_probabilities_matches_autograd():
    labels = RNG.integers(0, 3, 5)
    probs = RNG.dirichlet(np.ones(3), 5)
    p = torch.tensor(probs, requires_grad=True)
    picked = p.gather(-1, torch.tensor(labels)[:, None])
    ((1 - picked**0.4) / 0.4).sum().backward()
    np.testing.assert_allclose(ref.gradient("categorical_generalized_cross_entropy", labels,
                                            probs, q=0.4), p.grad.numpy(), rtol=1e-12)


def test_torch_gce_from_logits_matches_reference_and_rejects_bad_q():
    import lossbook.torch as lt

    labels = RNG.integers(0, 3, 6)
    logits = RNG.normal(0, 3, (6, 3))
    ours = ref.categorical_generalized_cross_entropy(labels, logits, q=0.3, from_logits=True)
    module = lt.GeneralizedCrossEntropyLoss(q=0.3, from_logits=True)
    assert float(module(torch.tensor(logits), torch.tensor(labels))) == pytest.approx(ours)
    with pytest.raises(ValueError, match="`q`"):
        lt.categorical_generalized_cross_entropy(torch.tensor(logits), torch.tensor(labels),
                                                 q=0.0)
    with pytest.raises(ValueError, match="`target`"):
        lt.categorical_generalized_cross_entropy(torch.tensor(logits),
                                                 torch.tensor(labels)[:, None])


def test_keras_gce_rejects_q_one_where_the_reference_gives_mae(keras):
    # Keras 3.15.1 accepts q in (0, 1) only; the paper's (0, 1] includes the MAE end
    with pytest.raises(ValueError, match="q must be in the interval"):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1.0)


def test_long_tailed_priors_and_balanced_test():
    tail = data.long_tailed(4000, classes=4, imbalance=20.0, seed=1)
    counts = np.bincount(tail.y, minlength=4)
    assert counts[0] / counts[-1] == pytest.approx(20.0, rel=0.3)
    assert np.all(np.diff(counts) < 0)
    test_counts = np.bincount(tail.test.y, minlength=4)
    assert test_counts.min() / test_counts.max() > 0.8
    with pytest.raises(ValueError, match="`imbalance`"):
        data.long_tailed(100, imbalance=-1.0)


def test_noisy_labels_flip_to_another_class_at_the_asked_rate():
    clean = data.multiclass_blobs(5000, classes=4, seed=2)
    noisy = data.noisy_labels(clean, 0.4, seed=2)
    assert noisy.is_outlier.mean() == pytest.approx(0.4, abs=0.02)
    np.testing.assert_array_equal(noisy.y != clean.y, noisy.is_outlier)
    np.testing.assert_array_equal(noisy.params["clean_labels"], clean.y)
    np.testing.assert_array_equal(noisy.test.y, clean.test.y)
    assert np.bincount(noisy.y[noisy.is_outlier] - 0).size == 4  # every class receives flips
    with pytest.raises(ValueError, match="`noise`"):
        data.noisy_labels(clean, 1.5)
    with pytest.raises(TypeError, match="`data`"):
        data.noisy_labels(data.imbalanced(100, seed=0), 0.2)


def test_segmentation_masks_are_small_discs_inside_the_image():
    seg = data.segmentation_shapes(40, size=16, seed=3)
    assert seg.x.shape == seg.y.shape == (40, 16, 16, 1) and seg.x.dtype == np.float32
    assert set(np.unique(seg.y).tolist()) == {0.0, 1.0}
    per_image = seg.y.mean(axis=(1, 2, 3))
    assert np.all(per_image > 0) and seg.params["foreground"] < 0.1
    assert np.mean(seg.x[seg.y == 1]) > np.mean(seg.x[seg.y == 0]) + 0.5
    with pytest.raises(ValueError, match="`max_radius`"):
        data.segmentation_shapes(4, size=16, max_radius=10.0)
