"""lossbook.data: seeding, shapes, dtypes, the truth recorded, bad input."""

import numpy as np
import pytest

from lossbook import data

GENERATORS = [
    pytest.param(data.linear, id="linear"),
    pytest.param(data.laplace_noise, id="laplace_noise"),
    pytest.param(data.heavy_tailed, id="heavy_tailed"),
    pytest.param(data.heteroscedastic, id="heteroscedastic"),
    pytest.param(data.regression_with_outliers, id="regression_with_outliers"),
    pytest.param(data.counts, id="counts"),
    pytest.param(data.binary_classification, id="binary_classification"),
    pytest.param(data.multiclass_blobs, id="multiclass_blobs"),
    pytest.param(data.imbalanced, id="imbalanced"),
    pytest.param(data.long_tailed, id="long_tailed"),
    pytest.param(data.segmentation_shapes, id="segmentation_shapes"),
]


def _arrays(dataset):
    return [dataset.x, dataset.y, dataset.test.x, dataset.test.y]


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_gives_identical_arrays(make):
    for a, b in zip(_arrays(make(120, seed=3)), _arrays(make(120, seed=3)), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", GENERATORS)
def test_different_seed_gives_different_x(make):
    assert not np.array_equal(make(120, seed=3).x, make(120, seed=4).x)


@pytest.mark.parametrize("make", GENERATORS)
def test_rng_argument_is_used_and_advanced(make):
    rng = np.random.default_rng(7)
    first, second = make(50, rng=rng), make(50, rng=rng)
    assert not np.array_equal(first.x, second.x)
    np.testing.assert_array_equal(first.x, make(50, rng=np.random.default_rng(7)).x)


@pytest.mark.parametrize("make", GENERATORS)
def test_shapes_dtypes_and_test_set(make):
    dataset = make(80, seed=0)
    images = make is data.segmentation_shapes  # [n, height, width, 1] images and masks
    assert dataset.x.dtype == np.float32 and dataset.x.ndim == (4 if images else 2)
    assert len(dataset.x) == 80
    if make in (data.multiclass_blobs, data.long_tailed):
        assert dataset.y.shape == (80,) and dataset.y.dtype == np.int64
    elif images:
        assert dataset.y.shape == dataset.x.shape and dataset.y.dtype == np.float32
    else:
        assert dataset.y.shape == (80, 1) and dataset.y.dtype == np.float32
    assert len(dataset.test) == 20 and dataset.test.x.shape[1] == dataset.x.shape[1]
    assert len(make(80, n_test=0, seed=0).x) == 80 and make(80, n_test=0, seed=0).test is None


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.1, 0.3])
def test_outlier_fraction_is_realised_exactly(fraction):
    dataset = data.regression_with_outliers(300, outlier_fraction=fraction, seed=1)
    assert dataset.is_outlier.shape == (300,) and dataset.is_outlier.dtype == bool
    assert dataset.is_outlier.sum() == round(fraction * 300)
    residual = dataset.y[:, 0] - dataset.mean[:, 0]
    if fraction:
        assert residual[dataset.is_outlier].min() > 5 * dataset.params["noise"]
    assert np.abs(residual[~dataset.is_outlier]).max() < 5 * dataset.params["noise"]


def test_outlier_test_set_is_clean():
    dataset = data.regression_with_outliers(200, seed=0)
    residual = dataset.test.y - dataset.test.mean
    assert dataset.test.is_outlier is None and np.abs(residual).max() < 2.5


def test_linear_recovers_true_line_by_least_squares():
    dataset = data.linear(2000, slope=-1.5, intercept=0.25, noise=0.1, seed=0)
    slope, intercept = np.polyfit(dataset.x[:, 0], dataset.y[:, 0], 1)
    assert slope == pytest.approx(-1.5, abs=0.02) and intercept == pytest.approx(0.25, abs=0.02)


@pytest.mark.parametrize("make", [data.linear, data.laplace_noise, data.heavy_tailed, data.heteroscedastic])
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_true_quantile_has_its_coverage(make, q):
    dataset = make(20000, seed=2)
    assert np.mean(dataset.y < dataset.quantile(q)) == pytest.approx(q, abs=0.015)


def test_heteroscedastic_noise_grows_with_x():
    dataset = data.heteroscedastic(2000, seed=0)
    residual = np.abs(dataset.y - dataset.mean)[:, 0]
    low, high = dataset.x[:, 0] < 1, dataset.x[:, 0] > 3
    assert residual[high].mean() > 3 * residual[low].mean()


def test_counts_are_poisson_around_the_rate():
    dataset = data.counts(5000, seed=0)
    assert np.all(dataset.y >= 0) and np.all(dataset.y == np.round(dataset.y))
    assert dataset.y.mean() == pytest.approx(dataset.mean.mean(), rel=0.03)
    np.testing.assert_allclose(dataset.mean, np.exp(0.8 * dataset.x + 0.5), rtol=1e-6)


def test_binary_labels_follow_the_probabilities():
    dataset = data.binary_classification(5000, seed=0)
    assert set(np.unique(dataset.y)) == {0.0, 1.0}
    assert dataset.y.mean() == pytest.approx(dataset.mean.mean(), abs=0.02)


def test_blobs_and_one_hot():
    dataset = data.multiclass_blobs(300, classes=4, seed=0)
    assert set(np.unique(dataset.y)) == {0, 1, 2, 3}
    assert dataset.params["centers"].shape == (4, 2)
    encoded = data.one_hot(dataset.y, 4)
    assert encoded.shape == (300, 4) and np.all(encoded.argmax(axis=1) == dataset.y)


def test_imbalanced_fraction():
    dataset = data.imbalanced(4000, positive_fraction=0.1, seed=0)
    assert dataset.y.mean() == pytest.approx(0.1, abs=0.015)


def test_split_partitions_rows_and_keeps_per_sample_fields():
    dataset = data.regression_with_outliers(100, seed=0)
    train, test = data.split(dataset, 0.3, seed=0)
    assert (len(train), len(test)) == (70, 30)
    joined = np.sort(np.concatenate([train.y[:, 0], test.y[:, 0]]))
    np.testing.assert_array_equal(joined, np.sort(dataset.y[:, 0]))
    assert train.is_outlier.sum() + test.is_outlier.sum() == dataset.is_outlier.sum()


def test_dataset_is_frozen_and_repr_is_short():
    dataset = data.linear(500, seed=0)
    with pytest.raises(AttributeError):
        dataset.x = None
    with pytest.raises(TypeError):
        dataset.params["slope"] = 0.0
    assert len(repr(dataset)) < 300 and "n=500" in repr(dataset)


BAD_INPUTS = [
    pytest.param(data.linear, dict(n=0), ValueError, "`n` must be >= 1", id="n-zero"),
    pytest.param(data.linear, dict(n=-5), ValueError, "`n` must be >= 1", id="n-negative"),
    pytest.param(data.linear, dict(n=10.5), TypeError, "`n` must be an integer", id="n-float"),
    pytest.param(data.linear, dict(seed=1.5), TypeError, "`seed` must be an integer", id="seed-float"),
    pytest.param(data.linear, dict(seed="0"), TypeError, "`seed` must be an integer", id="seed-string"),
    pytest.param(data.linear, dict(seed=-1), ValueError, "`seed` must be >= 0", id="seed-negative"),
    pytest.param(data.linear, dict(seed=0, rng=np.random.default_rng(0)), ValueError, "either `seed` or `rng`",
                 id="seed-and-rng"),
    pytest.param(data.linear, dict(rng=0), TypeError, "`rng` must be a numpy.random.Generator", id="rng-int"),
    pytest.param(data.linear, dict(noise=-1.0), ValueError, "`noise` must be >= 0", id="noise-negative"),
    pytest.param(data.linear, dict(distribution="cauchy"), ValueError, "`distribution` must be one of",
                 id="distribution"),
    pytest.param(data.linear, dict(x_range=(1, 1)), ValueError, "`x_range`", id="x-range-empty"),
    pytest.param(data.linear, dict(n_test=-1), ValueError, "`n_test` must be >= 0", id="n-test"),
    pytest.param(data.heavy_tailed, dict(df=0.0), ValueError, "`df` must be > 0", id="df"),
    pytest.param(data.regression_with_outliers, dict(outlier_fraction=1.0), ValueError,
                 "`outlier_fraction` must lie in [0, 1)", id="fraction-one"),
    pytest.param(data.regression_with_outliers, dict(outlier_fraction=-0.1), ValueError,
                 "`outlier_fraction` must be >= 0", id="fraction-negative"),
    pytest.param(data.regression_with_outliers, dict(outlier_scale=0), ValueError,
                 "`outlier_scale` must be > 0", id="outlier-scale"),
    pytest.param(data.multiclass_blobs, dict(classes=1), ValueError, "`classes` must be >= 2", id="classes"),
    pytest.param(data.imbalanced, dict(positive_fraction=1.0), ValueError, "`positive_fraction`",
                 id="positive-fraction"),
    pytest.param(data.binary_classification, dict(weights=()), ValueError, "`weights`", id="weights-empty"),
]


@pytest.mark.parametrize(("make", "kwargs", "error", "message"), BAD_INPUTS)
def test_bad_input_names_the_argument(make, kwargs, error, message):
    with pytest.raises(error, match=_literal(message)):
        make(**kwargs)


def test_bad_split_and_quantile():
    with pytest.raises(TypeError, match="`data` must be"):
        data.split((np.zeros(3), np.zeros(3)))
    with pytest.raises(ValueError, match="`fraction`"):
        data.split(data.linear(10, seed=0), 1.5)
    with pytest.raises(ValueError, match="`q`"):
        data.linear(10, seed=0).quantile(1.0)
    with pytest.raises(ValueError, match="`quantile` needs a regression dataset"):
        data.counts(10, seed=0).quantile(0.5)
    with pytest.raises(ValueError, match="`labels` must contain class labels"):
        data.one_hot([0, 3], 3)


def _literal(text):
    import re

    return re.escape(text)
