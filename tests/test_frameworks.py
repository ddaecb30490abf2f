"""lossbook.torch and lossbook.keras: module forms, extremes, gradients, compile, serialisation.

Values against the reference on random inputs are the parity test's job (test_parity.py);
here: what the parity test cannot see.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lossbook.torch as lt
from lossbook import catalog
from lossbook import reference as ref
from lossbook._env import quiet_import
from lossbook.compare import compare

keras = quiet_import("keras")
import lossbook.keras as lk  # noqa: E402  (after the quiet Keras import)

# ----------------------------------------------------------------------- lossbook.torch

MODULE_CASES = [
    pytest.param(lt.RMSELoss(epsilon=1e-6), lt.root_mean_squared_error, {"epsilon": 1e-6},
                 id="RMSELoss"),
    pytest.param(lt.MAPELoss(), lt.mean_absolute_percentage_error, {}, id="MAPELoss"),
    pytest.param(lt.MSLELoss(), lt.mean_squared_logarithmic_error, {}, id="MSLELoss"),
    pytest.param(lt.LogCoshLoss(reduction="sum"), lt.log_cosh, {}, id="LogCoshLoss"),
    pytest.param(lt.QuantileLoss(tau=0.9, reduction="none"), lt.quantile, {"tau": 0.9},
                 id="QuantileLoss"),
    pytest.param(lt.BinaryFocalLoss(gamma=1.0, from_logits=True), lt.binary_focal_crossentropy,
                 {"gamma": 1.0, "from_logits": True}, id="BinaryFocalLoss"),
    pytest.param(lt.HingeLoss(), lt.hinge, {}, id="HingeLoss"),
    pytest.param(lt.SquaredHingeLoss(), lt.squared_hinge, {}, id="SquaredHingeLoss"),
    pytest.param(lt.ContrastiveLoss(margin=2.0), lt.contrastive, {"margin": 2.0},
                 id="ContrastiveLoss"),
    pytest.param(lt.KnowledgeDistillationLoss(temperature=3.0, reduction="none"),
                 lt.knowledge_distillation, {"temperature": 3.0},
                 id="KnowledgeDistillationLoss"),
]


@pytest.mark.parametrize(("module", "function", "params"), MODULE_CASES)
def test_module_equals_function(module, function, params):
    input, target = torch.rand(4, 3) + 0.1, torch.rand(4, 3) + 0.1
    expected = function(input, target, reduction=module.reduction, **params)
    torch.testing.assert_close(module(input, target), expected)
    assert module.reduction in repr(module)


def test_torch_functions_take_input_then_target():
    # quantile is asymmetric: swapping (input, target) must change the value
    prediction, target = torch.tensor([0.0]), torch.tensor([2.0])
    under = lt.quantile(prediction, target, tau=0.9)  # target above prediction: tau per unit
    assert float(under) == pytest.approx(1.8)
    assert float(lt.quantile(target, prediction, tau=0.9)) == pytest.approx(0.2)


def test_torch_refuses_broadcasting():
    with pytest.raises(ValueError, match="same shape"):
        lt.log_cosh(torch.zeros(4, 1), torch.zeros(4))


def test_torch_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        lt.hinge(torch.zeros(2), torch.ones(2), reduction="batchmean")


LOGIT_CASES = [
    pytest.param(lambda z, y: lt.binary_focal_crossentropy(z, y, from_logits=True),
                 lambda y, z: ref.binary_focal_crossentropy(y, z, from_logits=True),
                 "binary", id="binary_focal_from_logits"),
    pytest.param(lambda z, y: lt.categorical_focal_crossentropy(z, y, from_logits=True),
                 lambda y, z: ref.categorical_focal_crossentropy(y, z, from_logits=True),
                 "one_hot", id="categorical_focal_from_logits"),
    pytest.param(lambda z, y: torch.nn.BCEWithLogitsLoss()(z, y),
                 lambda y, z: ref.binary_crossentropy(y, z, from_logits=True),
                 "binary", id="BCEWithLogitsLoss"),
    pytest.param(lambda z, y: torch.nn.CrossEntropyLoss()(z, y),
                 lambda y, z: ref.categorical_crossentropy(y, z, from_logits=True),
                 "one_hot", id="CrossEntropyLoss"),
]


@pytest.mark.parametrize("scale", [100.0, 1e4], ids=["logits100", "logits1e4"])
@pytest.mark.parametrize(("loss", "reference", "labels"), LOGIT_CASES)
def test_torch_extreme_logits_finite_values_and_gradients(loss, reference, labels, scale):
    signs = torch.tensor([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]])
    logits = (scale * signs).requires_grad_()
    target = (torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) if labels == "one_hot"
              else torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    value = loss(logits, target)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()
    expected = reference(target.numpy().astype(float), logits.detach().numpy().astype(float))
    assert float(value.detach()) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("residual", [1e4, 1e8], ids=["1e4", "1e8"])
def test_torch_log_cosh_does_not_overflow(residual):
    prediction = torch.tensor([residual, -residual], requires_grad=True)
    value = lt.log_cosh(prediction, torch.zeros(2))
    value.backward()
    assert float(value.detach()) == pytest.approx(ref.log_cosh([0.0, 0.0], [residual, -residual]),
                                         rel=1e-6)
    assert torch.isinf(torch.log(torch.cosh(prediction.detach()))).all()  # the naive form
    torch.testing.assert_close(prediction.grad, torch.tensor([0.5, -0.5]))


def test_torch_rmse_epsilon_gives_a_finite_gradient_at_a_perfect_fit():
    prediction = torch.zeros(3, requires_grad=True)
    lt.root_mean_squared_error(prediction, torch.zeros(3)).backward()
    assert torch.isnan(prediction.grad).all()  # trap 21: 0/0
    prediction.grad = None
    lt.root_mean_squared_error(prediction, torch.zeros(3), epsilon=1e-8).backward()
    assert torch.isfinite(prediction.grad).all()


def test_torch_losses_run_on_float64_and_keep_dtype():
    input = torch.rand(3, 4, dtype=torch.float64)
    assert lt.dice(input, (input > 0.5).double()).dtype == torch.float64


@pytest.mark.slow
def test_torch_compile_matches_eager():
    compiled = torch.compile(lt.binary_focal_crossentropy, backend="aot_eager", fullgraph=True)
    logits, target = torch.randn(8, 3), (torch.rand(8, 3) > 0.5).float()
    eager = lt.binary_focal_crossentropy(logits, target, from_logits=True, gamma=2.0)
    torch.testing.assert_close(compiled(logits, target, from_logits=True, gamma=2.0), eager)
    module = torch.compile(lt.TverskyLoss(alpha=0.3, beta=0.7), backend="aot_eager",
                           fullgraph=True)
    probs = torch.rand(4, 6)
    torch.testing.assert_close(module(probs, target.new_ones(4, 6)),
                               lt.tversky(probs, target.new_ones(4, 6), alpha=0.3, beta=0.7))


# ------------------------------------------- torch autograd vs the reference's analytic gradient


def _autograd_cases():
    for entry in catalog.entries():
        if entry.reference_name not in ref.GRADIENT_NAMES:
            continue
        for index, implementation in enumerate(entry.implementations("torch")):
            if hasattr(implementation, "call"):  # adapters that work on tensors
                label = implementation.__name__.split(":")[-1]
                yield pytest.param(entry.name, index, id=f"{entry.name}-{label}")


AUTOGRAD_CASES = list(_autograd_cases())


@pytest.mark.parametrize(("name", "index"), AUTOGRAD_CASES)
def test_torch_autograd_equals_reference_gradient(name, index):
    # every torch implementation the catalogue runs on tensors, built-ins included, in float64
    entry = catalog.get(name)
    implementation = entry.implementations("torch")[index]
    y_true, y_pred, params = entry.sample(np.random.default_rng(7), entry.shapes[0],
                                          entry.grid[-1])
    params = {**entry.fixed_params, **params}
    target = None if y_true is None else torch.as_tensor(  # None: the preference losses
        np.asarray(y_true), dtype=torch.int64 if implementation.labels else torch.float64)
    prediction = torch.as_tensor(y_pred, dtype=torch.float64).requires_grad_()
    implementation.call(target, prediction, reduction="sum", **params).backward()
    got = prediction.grad.numpy()
    expected = ref.gradient(entry.reference_name, y_true, y_pred, **params)
    if entry.input_kind == "probability" and implementation.path == "torch.nn.CrossEntropyLoss":
        # its log-softmax renormalises the probabilities: off the simplex its gradient differs
        # by a constant per row, so the two are compared along the simplex
        got, expected = (g - g.mean(axis=-1, keepdims=True) for g in (got, expected))
    # a documented difference (torch's Poisson adds eps=1e-7) allows the entry's tolerance
    rtol = entry.tolerance.rtol if entry.differences("torch") else 1e-9
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12)


def test_autograd_reaches_every_lossbook_torch_function():
    reached = {catalog.get(name).implementations("torch")[index].path
               for name, index in (case.values for case in AUTOGRAD_CASES)}
    functions = {f"lossbook.torch.{n}" for n in lt.__all__ if not isinstance(getattr(lt, n), type)}
    assert functions <= reached, sorted(functions - reached)


# ------------------------------------------------------------ extremes through the catalogue


LOGIT_ENTRIES = [entry.name for entry in catalog.entries() if entry.input_kind == "logit"]


@pytest.mark.parametrize("name", LOGIT_ENTRIES)
def test_logits_of_1e4_are_finite_in_every_framework(name):
    entry = catalog.get(name)
    y_true, y_pred, params = entry.sample(np.random.default_rng(0), entry.shapes[-1])
    # CTC at 1e4: TensorFlow's ctc_loss saturates (about 718 where the NLL is 2e4, the kin of
    # trap 18's 709), an undocumented gap, so CTC is held to logits of 100 here
    # perplexity = exp(mean NLL) is inf at 1e4 (an NLL of ~2e4 nats), as the math says: logits of 10
    scale = {"ctc": 100.0, "perplexity": 10.0}.get(name, 1e4)
    y_pred = np.where(y_pred >= 0, scale, -scale)
    result = compare(name, y_true, y_pred, reduction="none", **params)
    assert np.all(np.isfinite(result.reference)), result
    for row in result.rows:
        assert np.all(np.isfinite(row.value)), result
        # equal to the reference, or different only as documented (Keras' focal saturates)
        assert row.ok, result


# ---------------------------------------------------------------------- lossbook.keras


def _regression_model(outputs=1, activation=None, reshape=None, inputs=(4,)):
    layers = [keras.Input(inputs), keras.layers.Dense(outputs, activation=activation)]
    if reshape:
        layers.append(keras.layers.Reshape(reshape))
    return keras.Sequential(layers)


SERIALISATION_CASES = [
    pytest.param(lambda: lk.RootMeanSquaredError(epsilon=1e-6), dict(), "value",
                 id="RootMeanSquaredError"),
    pytest.param(lambda: lk.Quantile(tau=0.8), dict(), "value", id="Quantile"),
    pytest.param(lambda: lk.Contrastive(margin=1.5), dict(activation="softplus"), "pair",
                 id="Contrastive"),
    pytest.param(lambda: lk.Triplet(margin=0.5), dict(outputs=6, reshape=(3, 2)), "none",
                 id="Triplet"),
    pytest.param(lambda: lk.AMSoftmax(margin=0.3, scale=10.0), dict(outputs=3, activation="tanh"),
                 "class", id="AMSoftmax"),
    pytest.param(lambda: lk.MultiMargin(margin=0.5, p=2), dict(outputs=3), "class",
                 id="MultiMargin"),
    pytest.param(lambda: lk.PosWeightedBinaryCrossentropy(pos_weight=[2.0, 0.5, 1.0]),
                 dict(outputs=3), "multi_hot", id="PosWeightedBinaryCrossentropy"),
    pytest.param(lambda: lk.KnowledgeDistillation(temperature=4.0), dict(outputs=3),
                 "logits", id="KnowledgeDistillation"),
    pytest.param(lambda: lk.GaussianNLL(eps=1e-4, full=True), dict(outputs=2,
                 activation="softplus"), "value", id="GaussianNLL"),
    pytest.param(lambda: lk.BradleyTerry(margin=0.5), dict(outputs=2), "none",
                 id="BradleyTerry"),
    pytest.param(lambda: lk.DPO(beta=0.2), dict(outputs=4), "none",
                 id="DPO"),
    pytest.param(lambda: lk.SequenceCrossentropy(from_logits=True, ignore_class=-1),
                 dict(outputs=3, inputs=(5, 4)), "sequence", id="SequenceCrossentropy"),
]


def _targets(kind, rng, n):
    if kind == "value":
        return rng.normal(size=(n, 1)).astype("float32")
    if kind == "pair":
        return rng.integers(0, 2, size=(n, 1)).astype("float32")
    if kind == "class":
        return rng.integers(0, 3, size=(n,)).astype("int32")
    if kind == "multi_hot":
        return rng.integers(0, 2, size=(n, 3)).astype("float32")
    if kind == "logits":  # a teacher's logits
        return rng.normal(0.0, 3.0, size=(n, 3)).astype("float32")
    if kind == "sequence":
        labels = rng.integers(0, 3, size=(n, 5)).astype("int32")
        labels[:, 3:] = -1  # padding
        return labels
    return np.zeros((n,), "float32")  # the triplet loss ignores y_true


@pytest.mark.parametrize(("make_loss", "model_args", "targets"), SERIALISATION_CASES)
def test_keras_loss_survives_save_and_load(make_loss, model_args, targets, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, *model_args.get("inputs", (4,)))).astype("float32")
    y = _targets(targets, rng, 16)
    model = _regression_model(**model_args)
    loss = make_loss()
    model.compile(optimizer="sgd", loss=loss)
    before = model.evaluate(x, y, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded.loss) is type(loss)
    assert reloaded.loss.get_config() == loss.get_config()
    assert reloaded.evaluate(x, y, verbose=0) == pytest.approx(before, rel=1e-6)


def test_keras_rmse_mean_is_the_root_of_mse():
    y_true, y_pred = np.zeros((2, 2), "float32"), np.array([[3, 3], [4, 4]], "float32")
    rmse = float(keras.ops.convert_to_numpy(lk.RootMeanSquaredError()(y_true, y_pred)))
    assert rmse == pytest.approx(np.sqrt(12.5))
    per_sample = lk.RootMeanSquaredError(reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(per_sample), [3.0, 4.0])


def test_keras_losses_have_finite_gradients_at_extremes():
    cosines = keras.Variable(np.array([[1.0, -1.0, 1.0]], "float32"))
    labels = np.array([1], "int32")
    loss = lk.AMSoftmax(scale=1e4)  # logits of +-1e4
    backend = keras.backend.backend()
    if backend == "tensorflow":
        tf = quiet_import("tensorflow")
        with tf.GradientTape() as tape:
            value = loss(labels, cosines)
        gradient = tape.gradient(value, cosines.value)
    elif backend == "torch":
        value = loss(labels, cosines.value)
        (gradient,) = torch.autograd.grad(value, cosines.value)
    else:  # jax: a pure function of the cosines
        import jax

        value, gradient = jax.value_and_grad(lambda c: loss(labels, c))(cosines.value)
    gradient = keras.ops.convert_to_numpy(gradient)
    assert np.isfinite(float(keras.ops.convert_to_numpy(value)))
    assert np.all(np.isfinite(gradient))


def test_sparse_labels_n1_keras_squeezes_torch_refuses():
    # trap 29: Keras' (N, 1) integer labels; the reference accepts them as Keras does
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(6, 4)).astype("float32")
    labels = rng.integers(0, 4, size=(6, 1))
    keras_value = float(keras.ops.convert_to_numpy(keras.losses.SparseCategoricalCrossentropy(
        from_logits=True)(labels.astype("int32"), logits)))
    expected = ref.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    assert keras_value == pytest.approx(expected, rel=1e-5)
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        torch.nn.CrossEntropyLoss()(torch.as_tensor(logits), torch.as_tensor(labels))


def test_keras_logits_distillation_needs_a_kl_instance():
    # keras.distillation.LogitsDistillation softmaxes (and multiplies by T²) only when its loss
    # is a KLDivergence *instance*; the default loss="kl_divergence" resolves to the function,
    # which is then applied to the tempered logits themselves (clipped to [1e-7, 1])
    rng = np.random.default_rng(4)
    teacher, student = (rng.normal(0, 2, size=(5, 4)).astype("float32") for _ in range(2))
    for temperature in (1.0, 4.0):
        expected = ref.knowledge_distillation(teacher, student, temperature=temperature)
        right = keras.distillation.LogitsDistillation(
            temperature=temperature, loss=keras.losses.KLDivergence())
        value = float(keras.ops.convert_to_numpy(right.compute_loss(teacher, student)))
        assert value == pytest.approx(expected, rel=1e-4)
        default = keras.distillation.LogitsDistillation(temperature=temperature)
        value = float(keras.ops.convert_to_numpy(default.compute_loss(teacher, student)))
        assert abs(value - expected) > 0.1 * expected
