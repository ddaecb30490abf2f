"""lossbook.train: both loops learn, agree with each other, and reject bad input clearly."""

import functools
import re

import numpy as np
import pytest

import lossbook as lb
from lossbook import train
from lossbook._env import quiet_import

keras = quiet_import("keras")

lb.setup(verbose=False)
FRAMEWORKS = [pytest.param("torch", id="torch"), pytest.param("keras", id="keras")]


@pytest.fixture(scope="module")
def line_data():
    return lb.data.linear(400, slope=2.0, intercept=1.0, noise=0.3, seed=0)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_fit_reduces_the_loss_and_recovers_the_slope(framework, line_data):
    model = train.linear_model(framework, weight=0.0, bias=0.0)
    history = train.fit(model, line_data.x, line_data.y, loss="mse", epochs=150, lr=0.1,
                        validation=line_data.test)
    assert history.framework == framework and len(history.loss) == 150 and len(history.val_loss) == 150
    assert history.loss[-1] < 0.05 * history.loss[0]
    slope, intercept = train.line(model)
    assert slope == pytest.approx(2.0, abs=0.05) and intercept == pytest.approx(1.0, abs=0.05)
    assert history.val_loss[-1] == pytest.approx(0.09, abs=0.03)  # noise variance 0.3**2


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_full_batch_torch_and_keras_trace_the_same_curve(optimizer, line_data):
    torch_model = train.mlp("torch", 1, hidden=(8,), seed=0)
    keras_model = train.copy_weights(torch_model, train.mlp("keras", 1, hidden=(8,)))
    np.testing.assert_allclose(train.predict(torch_model, line_data.x), train.predict(keras_model, line_data.x),
                               atol=1e-6)
    runs = [train.fit(model, line_data.x, line_data.y, loss="mse", epochs=30, lr=0.05, optimizer=optimizer)
            for model in (torch_model, keras_model)]
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(runs[0].step_loss, runs[0].loss)  # one step per epoch
    for (w_torch, b_torch), (w_keras, b_keras) in zip(train.weights(torch_model), train.weights(keras_model),
                                                       strict=True):
        np.testing.assert_allclose(w_torch, w_keras, atol=1e-4)
        np.testing.assert_allclose(b_torch, b_keras, atol=1e-4)


def test_poisson_log_link_torch_log_input_equals_keras_exponential_output():
    import torch

    data = lb.data.counts(300, seed=0)
    torch_model = train.linear_model("torch", weight=0.0, bias=0.0)  # outputs the log-rate
    keras_model = train.linear_model("keras", weight=0.0, bias=0.0, output="exponential")  # the rate
    runs = [train.fit(torch_model, data.x, data.y, loss=torch.nn.PoissonNLLLoss(log_input=True), epochs=40, lr=0.1),
            train.fit(keras_model, data.x, data.y, loss="poisson", epochs=40, lr=0.1)]
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, atol=1e-5)
    assert runs[0].loss[-1] < runs[0].loss[0]
    np.testing.assert_allclose(np.exp(train.predict(torch_model, data.x)), train.predict(keras_model, data.x),
                               rtol=1e-4)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_output_activations(framework):
    x = np.array([[0.0], [1.0]], dtype=np.float32)
    rate = train.linear_model(framework, weight=1.0, bias=0.0, output="exponential")
    prob = train.linear_model(framework, weight=1.0, bias=0.0, output="sigmoid")
    np.testing.assert_allclose(train.predict(rate, x), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(train.predict(prob, x), 1 / (1 + np.exp(-x)), rtol=1e-6)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("batch_size", [1, 32])
def test_minibatch_records_one_loss_per_step(framework, batch_size, line_data):
    x, y = line_data.x[:96], line_data.y[:96]
    history = train.fit(train.linear_model(framework, weight=0.0, bias=0.0), x, y, loss="mse",
                        epochs=2, lr=0.01, batch_size=batch_size)
    steps = -(-96 // batch_size)
    assert len(history.step_loss) == 2 * steps
    # the epoch loss is the batch-size weighted mean of its steps
    sizes = np.diff(np.append(np.arange(0, 96, batch_size), 96))
    assert history.loss[0] == pytest.approx(np.average(history.step_loss[:steps], weights=sizes), rel=1e-4)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_minibatch_is_reproducible_and_seed_dependent(framework, line_data):
    def run(seed):
        model = train.linear_model(framework, weight=0.0, bias=0.0)
        return train.fit(model, line_data.x[:128], line_data.y[:128], loss="mse", epochs=2, batch_size=16,
                         lr=0.05, seed=seed).step_loss

    assert run(0) == run(0) and run(0) != run(1)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_quantile_closure_fits_the_upper_quantile(framework):
    data = lb.data.heteroscedastic(400, seed=0)
    if framework == "torch":
        loss = functools.partial(lb.torch.quantile, tau=0.9)
    else:
        loss = train.get_loss("quantile", "keras", tau=0.9)
    model = train.linear_model(framework, weight=0.0, bias=0.0)
    train.fit(model, data.x, data.y, loss=loss, epochs=300, lr=0.05, optimizer="adam")
    coverage = np.mean(data.test.y < train.predict(model, data.test.x))
    assert 0.8 < coverage < 0.97


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_classification_names_take_logits(framework):
    data = lb.data.multiclass_blobs(300, seed=0)
    model = train.mlp(framework, 2, hidden=(16,), out_features=3, seed=0)
    history = train.fit(model, data.x, data.y, loss="sparse_categorical_crossentropy", epochs=60, lr=0.05,
                        optimizer="adam")
    accuracy = np.mean(train.predict(model, data.test.x).argmax(axis=1) == data.test.y)
    assert history.loss[-1] < history.loss[0] and accuracy > 0.85


@pytest.mark.parametrize("name", train.LOSSES)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_loss_name_builds_the_catalogues_framework_loss(name, framework):
    # the object get_loss returns, called the framework's way, gives the reference's mean
    entry = train._training_entry(name)
    y_true, y_pred, params = entry.sample(0, entry.shapes[0])
    loss = train.get_loss(name, framework, **params)
    labels = entry.implementations(framework)[0].labels
    if framework == "torch":
        import torch

        target = torch.as_tensor(y_true, dtype=torch.int64 if labels else torch.float32)
        value = loss(torch.as_tensor(y_pred, dtype=torch.float32), target).item()
    else:
        value = float(keras.ops.convert_to_numpy(
            loss(y_true.astype("int32" if labels else "float32"), y_pred.astype("float32"))))
    expected = entry.reference(y_true, y_pred, **params)
    assert value == pytest.approx(expected, rel=1e-5, abs=1e-6), (name, framework, params)


def test_loss_names_come_from_the_catalogue():
    assert train.get_loss("bce", "torch").__class__.__name__ == "BCEWithLogitsLoss"
    assert train.get_loss("mse", "keras").__class__.__name__ == "MeanSquaredError"
    assert "kl_divergence" not in train.LOSSES  # torch's KLDivLoss takes log-probabilities
    with pytest.raises(ValueError, match="`loss` must be a loss callable or one of"):
        train.get_loss("kl_divergence", "torch")


def test_predict_returns_numpy_for_both(line_data):
    for framework in ("torch", "keras"):
        out = train.predict(train.linear_model(framework, weight=2.0, bias=1.0), line_data.x[:5])
        assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (5, 1)
        np.testing.assert_allclose(out, 2.0 * line_data.x[:5] + 1.0, rtol=1e-6)


def test_history_repr():
    history = train.History(loss=[2.0, 1.0], framework="torch", seconds=0.5)
    assert repr(history) == "History(torch, 2 epochs, loss 2 -> 1, 0.50 s)"


def _model():
    return train.linear_model("torch")


X, Y = np.zeros((8, 1), np.float32), np.zeros((8, 1), np.float32)
BAD = [
    pytest.param(dict(y=np.zeros((7, 1))), ValueError, "`x` and `y` must have the same number of samples",
                 id="length-mismatch"),
    pytest.param(dict(epochs=0), ValueError, "`epochs` must be >= 1", id="epochs-zero"),
    pytest.param(dict(epochs=2.5), TypeError, "`epochs` must be an integer", id="epochs-float"),
    pytest.param(dict(lr=0.0), ValueError, "`lr` must be > 0", id="lr-zero"),
    pytest.param(dict(lr=-1.0), ValueError, "`lr` must be > 0", id="lr-negative"),
    pytest.param(dict(batch_size=0), ValueError, "`batch_size` must be >= 1", id="batch-size"),
    pytest.param(dict(optimizer="rmsprop"), ValueError, "`optimizer` must be one of ('sgd', 'adam', 'adamw', 'lbfgs')",
                 id="optimizer"),
    pytest.param(dict(loss="hubber"), ValueError, "`loss` must be a loss callable or one of", id="loss-name"),
    pytest.param(dict(loss=3), TypeError, "`loss` must be a callable", id="loss-type"),
    pytest.param(dict(validation=np.zeros(3)), TypeError, "`validation` must be a pair", id="validation"),
    pytest.param(dict(x=np.zeros(8)), ValueError, "`x` must have at least 2 dimension(s)", id="x-1d"),
    pytest.param(dict(model="linear"), TypeError, "`model` must be a torch.nn.Module or a keras.Model",
                 id="model"),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD)
def test_bad_input_names_the_argument(change, error, message):
    kwargs = dict(model=_model(), x=X, y=Y, loss="mse", epochs=1, lr=0.1)
    kwargs.update(change)
    model, x, y = kwargs.pop("model"), kwargs.pop("x"), kwargs.pop("y")
    with pytest.raises(error, match=re.escape(message)):
        train.fit_torch(model, x, y, **kwargs)


def test_bad_model_arguments():
    with pytest.raises(ValueError, match=re.escape("`framework` must be one of ('torch', 'keras')")):
        train.linear_model("jax")
    with pytest.raises(ValueError, match="same dense layers"):
        train.copy_weights(train.linear_model("torch"), train.linear_model("torch", in_features=2))
    with pytest.raises(ValueError, match="one input and one output"):
        train.line(train.mlp("torch", 1, hidden=(4,)))


def test_lbfgs_reaches_the_least_squares_line(line_data):
    # L-BFGS on a convex loss: a few full-batch steps land on the exact least-squares fit.
    model = train.linear_model("torch", weight=0.0, bias=0.0)
    train.fit_torch(model, line_data.x, line_data.y, loss="mse", epochs=5, lr=1.0, optimizer="lbfgs")
    design = np.column_stack([line_data.x[:, 0], np.ones(len(line_data.x))]).astype(np.float64)
    exact = np.linalg.lstsq(design, line_data.y[:, 0].astype(np.float64), rcond=None)[0]
    np.testing.assert_allclose(train.line(model), exact, atol=1e-4)


def test_lbfgs_needs_full_batch_and_torch(line_data):
    model = train.linear_model("torch")
    with pytest.raises(ValueError, match="lbfgs.*full-batch"):
        train.fit_torch(model, line_data.x, line_data.y, loss="mse", batch_size=8, optimizer="lbfgs")
    with pytest.raises(ValueError, match="L-BFGS"):
        train.fit_keras(train.linear_model("keras"), line_data.x, line_data.y, loss="mse",
                        optimizer="lbfgs")
