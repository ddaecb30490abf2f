"""The Metric-learning exercise bank: correct torch and Keras answers pass (gradients too),
the typical wrong answers fail with the hint that names their mistake."""

from __future__ import annotations

import numpy as np
import pytest

from lossbook import exercises
from lossbook._env import quiet_import

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _root(squared):
    # sqrt with a zero gradient at 0 (the diagonal of a distance matrix), not NaN
    inside = squared > 0
    return torch.where(inside, torch.where(inside, squared, torch.ones_like(squared)).sqrt(),
                       torch.zeros_like(squared))


def contrastive_torch(y_true, y_pred, margin=1.0):
    return torch.mean(y_true * y_pred**2 + (1 - y_true) * torch.relu(margin - y_pred) ** 2)


def arcface_torch(y_true, y_pred, margin=0.5, scale=64.0):
    cosine = y_pred.gather(-1, y_true[:, None]).clamp(-1, 1)
    sine = _root(1 - cosine**2)
    target = cosine * np.cos(margin) - sine * np.sin(margin)
    return F.cross_entropy(scale * y_pred.scatter(-1, y_true[:, None], target), y_true)


def semi_hard_torch(y_true, y_pred, margin=1.0):
    distances = _root(((y_pred[:, None] - y_pred[None]) ** 2).sum(-1))
    same = y_true[:, None] == y_true[None]
    positive, negative = same & ~torch.eye(len(y_true), dtype=torch.bool), ~same
    to_negative = torch.where(negative, distances, torch.nan)[:, None, :]
    farther = to_negative > distances[:, :, None]
    semi = torch.where(farther, to_negative, torch.inf).amin(-1)
    farthest = torch.where(negative, distances, -torch.inf).amax(1, keepdim=True)
    chosen = torch.where(farther.any(-1), semi, farthest)
    hinge = torch.relu(distances - chosen + margin) * positive
    return (hinge.sum(1) / positive.sum(1)).mean()


def info_nce_torch(y_true, y_pred, temperature=0.1):
    units = F.normalize(y_pred, dim=-1)
    return F.cross_entropy(units[:, 0] @ units[:, 1].T / temperature, y_true)


def info_nce_keras(y_true, y_pred, temperature=0.1):
    ops = quiet_import("keras").ops
    units = ops.normalize(y_pred, axis=-1)
    logits = ops.matmul(units[:, 0], ops.transpose(units[:, 1])) / temperature
    return ops.mean(ops.sparse_categorical_crossentropy(y_true, logits, from_logits=True))


@pytest.mark.parametrize(("name", "function"), [
    ("contrastive", contrastive_torch), ("arcface", arcface_torch),
    ("semi_hard_triplet", semi_hard_torch), ("info_nce", info_nce_torch),
    ("info_nce", info_nce_keras), ("nt_xent", info_nce_torch), ("semi_hard", semi_hard_torch)])
def test_metric_learning_exercises_pass_a_correct_answer(name, function):
    framework = "keras" if function.__name__.endswith("_keras") else "torch"
    result = exercises.check(name, function, framework=framework)
    assert result.passed, str(result)
    if framework == "torch":
        assert any(line.startswith("[gradient]") for line in result.checked)


def naive_arcface(y_true, y_pred, margin=0.5, scale=64.0):
    # sqrt(1 - c^2) on every class, mixed in by the one-hot mask: NaN gradient at |c| = 1
    one_hot = F.one_hot(y_true, y_pred.shape[-1]).to(y_pred.dtype)
    shifted = y_pred * np.cos(margin) - torch.sqrt(1 - y_pred**2) * np.sin(margin)
    logits = scale * (one_hot * shifted + (1 - one_hot) * y_pred)
    return F.cross_entropy(logits, y_true)


def test_naive_arcface_values_pass_but_its_gradient_is_caught():
    result = exercises.check("arcface", naive_arcface)
    assert not result.passed
    assert [f.case for f in result.failures] == ["extreme: cosines exactly 1 and -1"] or any(
        "gradient" in f.case or "not finite" in f.hint for f in result.failures), str(result)


@pytest.mark.parametrize(("name", "function", "fragment"), [
    ("contrastive", lambda y_true, y_pred, margin=1.0: torch.mean(
        (1 - y_true) * y_pred**2 + y_true * torch.relu(margin - y_pred) ** 2), "swapped"),
    ("info_nce", lambda y_true, y_pred, temperature=0.1: F.cross_entropy(
        y_pred[:, 0] @ y_pred[:, 1].T / temperature, y_true), "normalise"),
    ("semi_hard_triplet", lambda y_true, y_pred, margin=1.0: semi_hard_torch(
        y_true, y_pred, margin) * 0 + _batch_hard(y_true, y_pred, margin), "batch-hard"),
])
def test_metric_learning_exercises_name_the_mistake(name, function, fragment):
    result = exercises.check(name, function, framework="torch")
    assert not result.passed
    assert fragment in result.failures[0].hint, result.failures[0].hint


def _batch_hard(y_true, y_pred, margin):
    distances = torch.cdist(y_pred, y_pred)
    same = y_true[:, None] == y_true[None]
    positive = same & ~torch.eye(len(y_true), dtype=torch.bool)
    closest = torch.where(~same, distances, torch.inf).amin(1, keepdim=True)
    return ((torch.relu(distances - closest + margin) * positive).sum(1)
            / positive.sum(1)).mean()
