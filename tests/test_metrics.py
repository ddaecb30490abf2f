"""lossbook.metrics: the expected calibration error and the reliability table, by hand."""

import numpy as np
import pytest

from lossbook import metrics


def test_ece_by_hand():
    # confidences 0.9, 0.8, 0.6 all fall in (0.5, 1] with 2 bins; accuracy 2/3, mean conf 23/30
    probs = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]
    assert metrics.expected_calibration_error([0, 1, 1], probs, bins=2) == pytest.approx(0.1)
    # with 10 bins: (0.8, 0.9] holds 0.9 (right), (0.7, 0.8] holds 0.8 (right),
    # (0.5, 0.6] holds 0.6 (wrong): (0.1 + 0.2 + 0.6) / 3
    assert metrics.expected_calibration_error([0, 1, 1], probs, bins=10) == pytest.approx(0.3)


def test_bins_are_closed_on_the_right():
    table = metrics.reliability_table([0, 0], [[0.5, 0.5], [1.0, 0.0]], bins=2)
    assert table.counts.tolist() == [1, 1]  # 0.5 in (0, 0.5], 1.0 in (0.5, 1]


def test_calibrated_predictions_have_small_ece():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.5, 1.0, size=200_000)
    labels = (rng.uniform(size=p.size) >= p).astype(int)  # class 0 with probability p
    ece = metrics.expected_calibration_error(labels, np.stack([p, 1 - p], axis=1))
    assert ece < 0.005


@pytest.mark.parametrize(("y_true", "probs", "message"), [
    ([0, 1], [[0.5, 0.6], [0.5, 0.5]], r"`probs`.*summing to 1"),
    ([0, 2], [[0.5, 0.5], [0.5, 0.5]], r"`y_true`.*\[0, 2\)"),
    ([0], [[0.5, 0.5], [0.5, 0.5]], r"`y_true`.*\(2,\)"),
    ([0, 1], [0.5, 0.5], r"`probs`"),
])
def test_bad_input(y_true, probs, message):
    with pytest.raises(ValueError, match=message):
        metrics.expected_calibration_error(y_true, probs)


def test_bins_must_be_a_positive_integer():
    with pytest.raises((TypeError, ValueError), match="`bins`"):
        metrics.expected_calibration_error([0], [[1.0, 0.0]], bins=0)
