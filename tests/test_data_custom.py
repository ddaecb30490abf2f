"""lossbook.data.custom: two tasks on shared features, two noise levels, preference pairs."""

import numpy as np
import pytest

from lossbook import data

MAKERS = [data.wave, data.two_task, data.two_regression_tasks, data.preference_pairs]


@pytest.mark.parametrize("make", MAKERS)
def test_seeded_and_with_a_test_set(make):
    first, again, other = make(80, seed=3), make(80, seed=3), make(80, seed=4)
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.test.x, again.test.x)
    assert not np.array_equal(first.x, other.x)
    assert len(first) == 80 and len(first.test) == 20
    assert make(80, n_test=0, seed=0).test is None


def test_wave_noise_grows_and_quantiles_hold():
    dataset = data.wave(20000, seed=5)
    inner, outer = np.abs(dataset.x[:, 0]) < 0.5, np.abs(dataset.x[:, 0]) > 2.5
    residual = (dataset.y - dataset.mean)[:, 0]
    assert residual[outer].std() > 4 * residual[inner].std()
    inside = np.abs(residual) <= 1.645 * dataset.scale[:, 0]
    assert inside.mean() == pytest.approx(0.9, abs=0.01)


def test_two_task_shapes_labels_and_scale():
    dataset = data.two_task(2000, noise=0.0, target_scale=1000.0, seed=0)
    assert dataset.x.shape == (2000, 4) and dataset.y.shape == (2000, 2)
    assert set(np.unique(dataset.y[:, 1])) == {0.0, 1.0}
    np.testing.assert_allclose(dataset.y[:, 0], dataset.mean[:, 0], rtol=1e-6)  # noise 0
    assert np.abs(dataset.y[:, 0]).max() > 100  # in thousands
    # the labels follow their probabilities
    assert abs(dataset.y[:, 1].mean() - dataset.mean[:, 1].mean()) < 0.03


def test_two_regression_tasks_noise_levels():
    dataset = data.two_regression_tasks(5000, noise=(0.1, 1.0), seed=1)
    residual_std = (dataset.y - dataset.mean).std(axis=0)
    np.testing.assert_allclose(residual_std, [0.1, 1.0], rtol=0.05)


def test_preference_pairs_follow_bradley_terry():
    dataset = data.preference_pairs(20000, items=3, seed=2)
    utilities = dataset.params["utilities"]
    chosen, rejected = dataset.x[:, 0], dataset.x[:, 1]
    assert dataset.x.dtype == np.int64 and np.all(chosen != rejected)
    pair = (chosen == 0) & (rejected == 1) | (chosen == 1) & (rejected == 0)
    won = np.mean(chosen[pair] == 0)
    expected = 1.0 / (1.0 + np.exp(-(utilities[0] - utilities[1])))
    assert won == pytest.approx(expected, abs=0.03)


@pytest.mark.parametrize(("make", "kwargs", "message"), [
    (data.wave, dict(frequency=0.0), "`frequency` must be > 0"),
    (data.two_task, dict(noise=-1.0), "`noise` must be >= 0"),
    (data.two_task, dict(target_scale=0.0), "`target_scale` must be > 0"),
    (data.two_regression_tasks, dict(noise=(0.1, 0.2, 0.3)), "`noise` must be a pair"),
    (data.two_regression_tasks, dict(noise=0.1), "`noise` must be a pair"),
    (data.preference_pairs, dict(items=1), "`items` must be >= 2"),
])
def test_bad_input_names_the_argument(make, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(**kwargs)
