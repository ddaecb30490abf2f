"""lossbook.train's clipping, weight decay, gradient accumulation and gradient-norm history:
torch and Keras agree, accumulation equals one large batch, and bad input is refused."""

import numpy as np
import pytest

import lossbook as lb
from lossbook import train

lb.setup(verbose=False)


@pytest.fixture(scope="module")
def data():
    return lb.data.linear(64, slope=2.0, intercept=1.0, noise=0.3, seed=0)


def _pair(hidden=(8,)):
    torch_model = train.mlp("torch", 1, hidden=hidden, seed=0)
    return torch_model, train.copy_weights(torch_model, train.mlp("keras", 1, hidden=hidden))


def _flat(model):
    return np.concatenate([np.ravel(a) for pair in train.weights(model) for a in pair])


@pytest.mark.parametrize("option", [dict(clip_value=0.05), dict(clip_norm=0.1),
                                    dict(global_clip_norm=0.1), dict(weight_decay=0.1),
                                    dict(accumulation_steps=2, batch_size=16)],
                         ids=lambda option: next(iter(option)))
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_torch_and_keras_agree_with_each_option(option, optimizer, data):
    if optimizer == "adamw" and "weight_decay" not in option:
        option = dict(option, weight_decay=0.0)
    torch_model, keras_model = _pair()
    runs = [train.fit(model, data.x, data.y, loss="mse", epochs=8, lr=0.05, optimizer=optimizer,
                      shuffle=False, **option) for model in (torch_model, keras_model)]
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-4, atol=1e-5)
    # Adam divides by sqrt(v): float32 rounding of a near-zero gradient moves a weight by ~lr
    np.testing.assert_allclose(_flat(torch_model), _flat(keras_model),
                               atol=1e-4 if optimizer == "sgd" else 1e-3)


def test_clipping_changes_the_run_and_differs_by_kind(data):
    finals = {}
    for name, option in [("none", {}), ("value", dict(clip_value=0.05)),
                         ("norm", dict(clip_norm=0.1)), ("global", dict(global_clip_norm=0.1))]:
        model = train.mlp("torch", 1, hidden=(8,), seed=0)
        train.fit(model, data.x, data.y, loss="mse", epochs=3, lr=0.05, **option)
        finals[name] = _flat(model)
    names = list(finals)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            assert np.abs(finals[first] - finals[second]).max() > 1e-4, (first, second)


def test_global_clip_bounds_the_step_and_grad_norm_is_recorded_before_clipping(data):
    import torch

    model = train.mlp("torch", 1, hidden=(8,), seed=0)
    before = _flat(model)
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    torch.nn.functional.mse_loss(model(x), y).backward()
    expected = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters())).item()
    model.zero_grad()
    history = train.fit_torch(model, data.x, data.y, loss="mse", epochs=1, lr=0.5,
                              global_clip_norm=0.01)
    assert history.grad_norm == [pytest.approx(expected, rel=1e-5)] and expected > 0.01
    assert np.linalg.norm(_flat(model) - before) == pytest.approx(0.5 * 0.01, rel=1e-4)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_accumulated_equal_batches_equal_the_full_batch(framework, data):
    full, accumulated = (train.mlp(framework, 1, hidden=(8,), seed=0) for _ in range(2))
    if framework == "keras":
        source = train.mlp("torch", 1, hidden=(8,), seed=0)
        full, accumulated = (train.copy_weights(source, m) for m in (full, accumulated))
    train.fit(full, data.x, data.y, loss="mse", epochs=5, lr=0.1)
    history = train.fit(accumulated, data.x, data.y, loss="mse", epochs=5, lr=0.1,
                        batch_size=16, accumulation_steps=4, shuffle=False)
    assert len(history.step_loss) == 20
    if framework == "torch":
        assert len(history.grad_norm) == 5
    np.testing.assert_allclose(_flat(accumulated), _flat(full), atol=1e-5)


def test_history_grad_norm_has_one_entry_per_step(data):
    model = train.mlp("torch", 1, hidden=(4,), seed=0)
    history = train.fit_torch(model, data.x, data.y, loss="mse", epochs=2, lr=0.05,
                              batch_size=10)
    assert len(history.grad_norm) == len(history.step_loss) == 14
    assert all(np.isfinite(history.grad_norm))


def test_sgd_weight_decay_shrinks_the_weights(data):
    norms = []
    for decay in (0.0, 0.5):
        model = train.mlp("torch", 1, hidden=(8,), seed=0)
        train.fit(model, data.x, data.y, loss="mse", epochs=30, lr=0.05, weight_decay=decay)
        norms.append(np.linalg.norm(_flat(model)))
    assert norms[1] < norms[0]


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("kwargs, match", [
    (dict(clip_value=-1.0), "clip_value"), (dict(clip_norm=0.0), "clip_norm"),
    (dict(global_clip_norm=-0.5), "global_clip_norm"),
    (dict(clip_norm=1.0, global_clip_norm=1.0), "at most one"),
    (dict(weight_decay=-0.01), "weight_decay"),
    (dict(weight_decay=0.01, optimizer="adam"), "weight_decay"),
    (dict(accumulation_steps=0), "accumulation_steps"),
])
def test_bad_options_are_refused_naming_the_argument(framework, kwargs, match, data):
    model = train.mlp(framework, 1, hidden=(2,), seed=0)
    with pytest.raises(ValueError, match=match):
        train.fit(model, data.x, data.y, loss="mse", epochs=1, **kwargs)


def test_bad_option_types_and_lbfgs_accumulation():
    data = lb.data.linear(8, seed=0)
    model = train.linear_model("torch")
    with pytest.raises(TypeError, match="accumulation_steps"):
        train.fit(model, data.x, data.y, loss="mse", accumulation_steps=2.0)
    with pytest.raises(TypeError, match="clip_norm"):
        train.fit(model, data.x, data.y, loss="mse", clip_norm="1")
    with pytest.raises(ValueError, match="accumulation_steps"):
        train.fit(model, data.x, data.y, loss="mse", optimizer="lbfgs", accumulation_steps=2)


def test_class_weight_array():
    assert train.class_weight_array({0: 2.0, 2: 5.0}, 4).tolist() == [2.0, 1.0, 5.0, 1.0]
    assert train.class_weight_array({}, 2).dtype == np.float32
    with pytest.raises(ValueError, match=r"class_weight.*unknown keys \['class_1'\]"):
        train.class_weight_array({0: 1.0, "class_1": 5.0}, 2)
    with pytest.raises(ValueError, match=r"unknown keys \[3\]"):
        train.class_weight_array({3: 1.0}, 3)
    with pytest.raises(ValueError, match=r"unknown keys \[True\]"):
        train.class_weight_array({True: 1.0}, 3)
    with pytest.raises(ValueError, match=r"class_weight\[1\]"):
        train.class_weight_array({1: -2.0}, 3)
    with pytest.raises(TypeError, match="class_weight"):
        train.class_weight_array([1.0, 2.0], 2)
    with pytest.raises(ValueError, match="num_classes"):
        train.class_weight_array({0: 1.0}, 0)
