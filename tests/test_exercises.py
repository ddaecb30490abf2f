"""lossbook.exercises: correct answers pass in every framework; wrong ones fail with a useful hint."""

from __future__ import annotations

import inspect
import math
import re
import time
import types

import numpy as np
import pytest
import torch

import lossbook.reference as ref
from lossbook import exercises
from lossbook._env import quiet_import
from lossbook.exercises._check import EXERCISES

REFERENCE = {"mse": ref.mean_squared_error, "mae": ref.mean_absolute_error,
             "rmse": ref.root_mean_squared_error, "msle": ref.mean_squared_logarithmic_error,
             "poisson": ref.poisson, "huber": ref.huber, "log_cosh": ref.log_cosh,
             "quantile": ref.quantile}


def _report(result) -> str:
    return str(result) + result._repr_html_()


def _assert_clean(text: str) -> None:
    """A report never shows code: neither the reference's source nor any framework call."""
    for fragment in ("torch.", "ops.", "np.", "numpy.", "def ", "return ", "lambda"):
        assert fragment not in text, fragment
    for function in REFERENCE.values():
        for line in inspect.getsource(function).splitlines():
            line = line.strip()
            if len(line) > 25 and not line.startswith(("#", '"', "'", ">>>", "..", "with", "``",
                                                       ":", "-", "Reference", "Symbols")):
                assert line not in text, line


# --- correct implementations -------------------------------------------------------------

def huber_numpy(y_true, y_pred, delta=1.0):
    abs_residual = np.abs(y_true - y_pred)
    return np.mean(np.where(abs_residual <= delta, 0.5 * abs_residual**2,
                            delta * (abs_residual - 0.5 * delta)))


def huber_torch(y_true, y_pred, delta=1.0):
    abs_residual = torch.abs(y_true - y_pred)
    quadratic = torch.clamp(abs_residual, max=delta)
    return torch.mean(0.5 * quadratic**2 + delta * (abs_residual - quadratic))


def log_cosh_torch(y_true, y_pred):
    a = torch.abs(y_pred - y_true)
    return torch.mean(a + torch.log1p(torch.exp(-2.0 * a)) - math.log(2.0))


def quantile_torch(y_true, y_pred, tau=0.5):
    r = y_true - y_pred
    return torch.mean(torch.maximum(tau * r, (tau - 1.0) * r))


def _keras_solutions():
    ops = quiet_import("keras").ops

    def huber(y_true, y_pred, delta=1.0):
        a = ops.abs(y_true - y_pred)
        q = ops.minimum(a, delta)
        return ops.mean(0.5 * q**2 + delta * (a - q))

    def log_cosh(y_true, y_pred):
        a = ops.abs(y_pred - y_true)
        return ops.mean(a + ops.log1p(ops.exp(-2.0 * a)) - math.log(2.0))

    def pinball(y_true, y_pred, tau=0.5):
        r = y_true - y_pred
        return ops.mean(ops.maximum(tau * r, (tau - 1.0) * r))

    def naive_log_cosh(y_true, y_pred):
        return ops.mean(ops.log(ops.cosh(y_pred - y_true)))

    return {"huber": huber, "log_cosh": log_cosh, "quantile": pinball, "naive": naive_log_cosh}


def _copy_of(function):
    """A new function object with ``function``'s code: the same computation, not the same
    (forbidden) callable."""
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_code_passes_every_exercise_but_calling_it_does_not(name):
    result = exercises.check(name, _copy_of(REFERENCE[name]))
    assert result.passed, str(result)
    assert str(result).startswith(f"All {result.total} checks passed ✓")
    refused = exercises.check(name, REFERENCE[name])
    assert not refused.passed and "ready-made implementation" in str(refused)


def rmse_torch(y_true, y_pred, epsilon=1e-8):
    return torch.sqrt(torch.mean((y_true - y_pred) ** 2) + epsilon)


@pytest.mark.parametrize("name, function", [
    pytest.param("huber", huber_numpy, id="huber-numpy"),
    pytest.param("huber", huber_torch, id="huber-torch"),
    pytest.param("log_cosh", log_cosh_torch, id="log_cosh-torch"),
    pytest.param("quantile", quantile_torch, id="quantile-torch"),
    pytest.param("pinball", quantile_torch, id="pinball-alias-torch"),
    pytest.param("rmse", rmse_torch, id="rmse-torch"),  # its "mean" is not a mean of samples
])
def test_correct_implementations_pass(name, function):
    result = exercises.check(name, function)
    assert result.passed, str(result)
    if function.__name__.endswith("torch"):
        assert result.framework == "torch"
        assert any(line.startswith("[gradient]") for line in result.checked)


@pytest.mark.parametrize("name", ["huber", "log_cosh", "quantile"])
def test_correct_keras_implementations_pass(name):
    result = exercises.check(name, _keras_solutions()[name])
    assert result.framework == "keras"
    assert result.passed, str(result)


def test_torch_order_is_accepted():
    def pinball_torch_order(input, target, tau=0.5):
        return quantile_torch(target, input, tau)

    assert exercises.check("quantile", pinball_torch_order, order="torch").passed
    assert not exercises.check("quantile", pinball_torch_order).passed


def test_per_sample_reduction():
    def per_sample_mse(y_true, y_pred):
        squared = (y_true - y_pred) ** 2
        return squared if squared.ndim == 1 else squared.mean(axis=-1)

    assert exercises.check("mse", per_sample_mse, reduction="none").passed
    result = exercises.check("mse", per_sample_mse)
    assert not result.passed and "a single number (the mean loss" in str(result)


# --- wrong implementations -------------------------------------------------------------

def naive_log_cosh_torch(y_true, y_pred):
    return torch.mean(torch.log(torch.cosh(y_pred - y_true)))


def naive_log_cosh_numpy(y_true, y_pred):
    return np.mean(np.log(np.cosh(y_pred - y_true)))


@pytest.mark.parametrize("function", [naive_log_cosh_torch, naive_log_cosh_numpy],
                         ids=["torch", "numpy"])
def test_naive_log_cosh_overflow_is_explained(function):
    result = exercises.check("log_cosh", function)
    text = str(result)
    assert not result.passed
    assert "huge residuals ±1e8" in text and "returned inf — an overflow?" in text
    assert "overflows float64 (beyond about |r| = 710)" in text and "log1p" not in text
    _assert_clean(_report(result))


def test_naive_log_cosh_in_keras_fails():
    result = exercises.check("log_cosh", _keras_solutions()["naive"], framework="keras")
    assert not result.passed and "overflow" in str(result)


def test_sources_wrong_huber_is_named():
    def huber_from_the_sources(y_true, y_pred, delta=1.0):
        r = y_true - y_pred
        return torch.mean(torch.where(torch.abs(r) <= delta, 0.5 * delta**2 * r**2,
                                      delta * (torch.abs(r) - delta)))

    result = exercises.check("huber", huber_from_the_sources)
    assert not result.passed
    first = result.failures[0]
    assert "copied in several source articles" in first.hint and "½" not in first.hint
    assert "expected" in first.message and "got" in first.message
    _assert_clean(_report(result))


def test_doubled_gradient_is_detected():
    def huber_doubled_gradient(y_true, y_pred, delta=1.0):
        loss = huber_torch(y_true, y_pred, delta)
        return loss + (loss - loss.detach())  # same value, twice the gradient

    result = exercises.check("huber", huber_doubled_gradient)
    assert not result.passed
    assert all(f.case.startswith("gradient") for f in result.failures)
    assert "twice the true one" in result.failures[0].hint


def test_detached_loss_is_reported():
    def huber_detached(y_true, y_pred, delta=1.0):
        return huber_torch(y_true, y_pred.detach(), delta)

    result = exercises.check("huber", huber_detached)
    assert "autograd cannot differentiate your loss" in str(result)


def test_pinball_with_tau_swapped_is_named():
    def pinball_swapped(y_true, y_pred, tau=0.5):
        return quantile_torch(y_true, y_pred, 1.0 - tau)

    result = exercises.check("pinball", pinball_swapped)
    assert not result.passed
    assert "τ and 1 − τ are on the wrong sides" in result.failures[0].hint
    _assert_clean(_report(result))


@pytest.mark.parametrize("exercise, index", [
    pytest.param(name, i, id=f"{name}-{i}") for name, e in EXERCISES.items() if name != "pinball"
    for i in range(len(e.mistakes))
])
def test_every_known_mistake_gets_its_hint(exercise, index):
    mistake = EXERCISES[exercise].mistakes[index]

    def wrong(y_true, y_pred, **params):
        values = np.asarray(mistake.values(y_true, y_pred, **params))
        return values.mean() if mistake.elementwise else values

    params = EXERCISES[exercise].params
    wrong.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in ("y_true", "y_pred")]
        + [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=v) for n, v in params.items()])
    with np.errstate(all="ignore"):
        result = exercises.check(exercise, wrong, framework="numpy")
    assert not result.passed
    assert mistake.hint in [f.hint for f in result.failures], str(result)


def test_sum_instead_of_mean_is_named():
    result = exercises.check("mae", lambda y_true, y_pred: np.sum(np.abs(y_true - y_pred)))
    assert "your value is a sum; the exercise wants the mean" in str(result)


def test_swapped_arguments_are_named():
    poisson = _copy_of(ref.poisson)  # the reference's code (ref.poisson itself is refused)

    def poisson_swapped(y_true, y_pred):
        return poisson(y_pred, y_true)

    result = exercises.check("poisson", poisson_swapped)
    assert "(y_pred, y_true)" in result.failures[0].hint and 'order="torch"' in result.failures[0].hint


# --- robustness ---------------------------------------------------------------------------

def test_not_callable_gives_a_failed_result():
    result = exercises.check("huber", 3.5)
    assert not result.passed and result.total > 0
    text = str(result)
    assert text.startswith("Checks could not run ✗")
    assert "cannot be called" in text and "without calling it" in text
    with pytest.raises(AssertionError, match="cannot be called"):
        exercises.check("huber", None, strict=True)


def test_not_implemented_is_friendly():
    def huber(y_true, y_pred, delta=1.0):
        raise NotImplementedError("Implement this")

    result = exercises.check("huber", huber, framework="torch")
    text = str(result)
    assert not result.passed and len(result.failures) == 1
    assert "your function raised NotImplementedError: Implement this — have you implemented it yet?" in text
    assert "Checks stopped at check 1 of" in text
    with pytest.raises(AssertionError, match="have you implemented it yet"):
        result.assert_passed()


def test_other_exceptions_are_reported_not_raised():
    def broken(y_true, y_pred):
        return y_true.nonexistent_method()

    result = exercises.check("mse", broken, framework="numpy")
    assert "your function raised AttributeError" in str(result)
    assert "y_true = [" in str(result)


def test_wrong_shape_and_nan_are_reported():
    shape = exercises.check("mse", lambda y_true, y_pred: (y_true - y_pred) ** 2)
    assert "expected a single number (the mean loss over all elements); got shape (3,)" in str(shape)
    nan = exercises.check("mse", lambda y_true, y_pred: np.mean(y_true - y_pred) * np.nan)
    assert "your function returned NaN" in str(nan)
    text = exercises.check("mse", lambda y_true, y_pred: "zero")
    assert "returned a str, not a number" in str(text)


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match=r"one of the exercises .*'huber'.*'log_cosh'"):
        exercises.check("hubber", huber_numpy)
    with pytest.raises(ValueError, match="takes the hyper-parameters"):
        exercises.check("huber", huber_numpy, tau=0.3)
    with pytest.raises(ValueError, match="framework"):
        exercises.check("huber", huber_numpy, framework="jax")
    with pytest.raises(ValueError, match="order"):
        exercises.check("huber", huber_numpy, order="sklearn")


def test_strict_raises_only_on_failure():
    assert exercises.check("huber", huber_numpy, strict=True).passed
    with pytest.raises(AssertionError, match="checks failed"):
        exercises.check("log_cosh", naive_log_cosh_numpy, strict=True)


def test_pinned_hyper_parameter_is_used_for_every_case():
    def huber_fixed_delta(y_true, y_pred):  # accepts no delta: the pinned value is checked
        return huber_numpy(y_true, y_pred, delta=2.0)

    assert exercises.check("huber", huber_fixed_delta, delta=2.0).passed
    assert not exercises.check("huber", huber_fixed_delta).passed


def test_helper_functions_are_followed_to_detect_torch():
    def wrapper(y_true, y_pred, delta=1.0):
        return huber_torch(y_true, y_pred, delta)

    assert exercises.check("huber", wrapper).framework == "torch"


def test_global_random_state_is_untouched():
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 (the legacy global state)
    torch_state = torch.random.get_rng_state().clone()
    exercises.check("huber", huber_torch)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_html_and_listing():
    html = exercises.check("huber", huber_numpy)._repr_html_()
    assert "All 8 checks passed ✓" in html and "#1a7f37" in html
    def raises_markup(y_true, y_pred):
        raise ValueError("<b>bad</b>")

    failed = exercises.check("huber", raises_markup)._repr_html_()
    assert "#cf222e" in failed and "&lt;b&gt;bad&lt;/b&gt;" in failed and "<b>" not in failed
    names = exercises.available()
    assert {"huber", "log_cosh", "quantile", "pinball", "mse", "mae", "rmse", "msle",
            "poisson"} <= set(names)
    table = repr(exercises.list())
    assert "huber" in table and "delta=1.0" in table and "\npinball" not in table


# --- the Classification chapter's exercises ----------------------------------------------

def bce_logits_torch(y_true, y_pred):
    softplus = torch.clamp(y_pred, min=0) + torch.log1p(torch.exp(-torch.abs(y_pred)))
    return torch.mean(softplus - y_true * y_pred)


def bce_logits_naive(y_true, y_pred):
    probs = torch.sigmoid(y_pred)
    return torch.mean(-(y_true * torch.log(probs) + (1 - y_true) * torch.log(1 - probs)))


def sparse_ce_torch(y_true, y_pred):
    top = y_pred.max(dim=-1, keepdim=True).values
    lse = (top + torch.log(torch.exp(y_pred - top).sum(dim=-1, keepdim=True)))[..., 0]
    return torch.mean(lse - torch.gather(y_pred, -1, y_true[..., None])[..., 0])


def sparse_ce_keras(y_true, y_pred):
    ops = quiet_import("keras").ops
    top = ops.max(y_pred, axis=-1, keepdims=True)
    lse = ops.squeeze(top, -1) + ops.log(ops.sum(ops.exp(y_pred - top), axis=-1))
    one_hot = ops.one_hot(y_true, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
    return ops.mean(lse - ops.sum(one_hot * y_pred, axis=-1))


def distillation_torch(y_true, y_pred, temperature=1.0):
    log_p = torch.log_softmax(y_true / temperature, -1)
    log_q = torch.log_softmax(y_pred / temperature, -1)
    return temperature**2 * torch.mean((log_p.exp() * (log_p - log_q)).sum(-1))


@pytest.mark.parametrize(("name", "function"), [
    ("bce_logits", bce_logits_torch), ("sparse_ce_logits", sparse_ce_torch),
    ("sparse_ce_logits", sparse_ce_keras), ("distillation", distillation_torch)])
def test_classification_exercises_pass_a_correct_answer(name, function):
    framework = "keras" if function.__name__.endswith("_keras") else "torch"
    result = exercises.check(name, function, framework=framework)
    assert result.passed, str(result)


@pytest.mark.parametrize(("name", "function", "fragment"), [
    ("bce_logits", bce_logits_naive, "rounds to exactly 0 or 1"),
    ("bce_logits", lambda y_true, y_pred: torch.mean(torch.clamp(y_pred, min=0) - y_true * y_pred),
     "matters only for small logits"),
    ("sparse_ce_logits", lambda y_true, y_pred: torch.mean(
        -torch.gather(y_pred, -1, y_true[..., None])[..., 0]), "normalisation over all"),
    ("distillation", lambda y_true, y_pred, temperature=1.0: distillation_torch(
        y_true, y_pred, temperature) / temperature**2, "depends only on the temperature"),
    ("distillation", lambda y_true, y_pred, temperature=1.0: distillation_torch(
        y_pred, y_true, temperature), "wrong order"),
])
def test_classification_exercises_name_the_mistake(name, function, fragment):
    result = exercises.check(name, function)
    assert not result.passed
    assert fragment in result.failures[0].hint, result.failures[0].hint


# --- ready-made losses are refused; pure code passes --------------------------------------
def _ready_made():
    """Functions that call a built-in or lossbook's own loss, each spelled differently."""
    import torch.nn.functional as F
    from torch.nn.functional import huber_loss

    import lossbook as lb

    keras = quiet_import("keras")
    made_before = torch.nn.HuberLoss()
    return [
        ("huber", "torch", lambda t, p, delta=1.0: F.huber_loss(p, t, delta=delta)),
        ("huber", "torch", lambda t, p, delta=1.0: huber_loss(p, t, delta=delta)),
        ("huber", "torch", lambda t, p, delta=1.0: torch.nn.HuberLoss(delta=delta)(p, t)),
        ("huber", "torch", lambda t, p: made_before(p, t)),
        ("huber", "keras", lambda t, p, delta=1.0: keras.losses.Huber(delta=delta)(t, p)),
        ("huber", "keras", lambda t, p, delta=1.0: keras.losses.huber(t, p, delta=delta)),
        ("huber", "numpy", lambda t, p, delta=1.0: lb.reference.huber(t, p, delta=delta)),
        ("log_cosh", "torch", lambda t, p: lb.torch.LogCoshLoss()(p, t)),
        ("log_cosh", "torch", lambda t, p: lb.torch.log_cosh(p, t)),
        ("log_cosh", "keras", lambda t, p: keras.ops.mean(keras.losses.log_cosh(t, p))),
        ("quantile", "keras", lambda t, p, tau=0.5: lb.keras.Quantile(tau=tau)(t, p)),
        ("quantile", "torch", lambda t, p, tau=0.5: lb.torch.quantile(p, t, tau=tau)),
        ("mse", "torch", lambda t, p: torch.nn.MSELoss()(p, t)),
        ("bce_logits", "torch", lambda t, p: F.binary_cross_entropy_with_logits(p, t)),
        ("bce_logits", "keras",
         lambda t, p: keras.losses.BinaryCrossentropy(from_logits=True)(t, p)),
        ("sparse_ce_logits", "torch", lambda t, p: F.cross_entropy(p.transpose(1, -1), t)),
        ("distillation", "torch", lambda t, p, temperature=1.0: lb.torch.knowledge_distillation(
            p, t, temperature=temperature)),
    ]


@pytest.mark.parametrize("index", range(17))
def test_a_ready_made_loss_fails_every_check(index):
    name, framework, function = _ready_made()[index]
    original = torch.nn.functional.huber_loss, torch.nn.HuberLoss.forward
    result = exercises.check(name, function, framework=framework)
    assert not result.passed and result.failures[0].case.startswith("fixed")
    assert "a ready-made implementation of this loss" in result.failures[0].message
    assert "earns no points" in str(result)
    # everything is back afterwards
    assert (torch.nn.functional.huber_loss, torch.nn.HuberLoss.forward) == original
    assert "forward" not in vars(torch.nn.MSELoss) or torch.nn.MSELoss.forward.__name__ == "forward"


def test_the_forbidden_set_comes_from_the_catalogue_for_every_exercise():
    from lossbook import catalog, reference
    from lossbook.exercises._guard import _qualified, forbidden_objects

    quiet_import("keras")
    for exercise in {id(e): e for e in EXERCISES.values()}.values():
        names = {_qualified(o) for o in forbidden_objects(exercise.reference)}
        assert _qualified(getattr(reference, exercise.reference)) in names
        # Every catalogue entry runs its loss in torch and in Keras, so an exercise with an
        # entry forbids a torch and a Keras object. An exercise without an entry asks for a
        # loss that only lossbook's NumPy reference implements (semi-hard triplet mining: no
        # torch built-in, none in Keras 3, none in lossbook.torch / lossbook.keras): then the
        # reference is all there is to forbid, and the test says so exactly.
        entries = [e for e in catalog.entries() if e.reference_name == exercise.reference]
        if not entries:
            assert names == {_qualified(getattr(reference, exercise.reference))}, names
            continue
        assert any(n.startswith(("torch.", "lossbook.torch")) for n in names), names
        assert any(n.startswith(("keras.", "lossbook.keras")) for n in names), names


def test_pure_code_with_framework_helpers_still_passes():
    def huber(y_true, y_pred, delta=1.0):  # relu, a functional that is not a loss, is fine
        a = torch.abs(y_true - y_pred)
        return torch.mean(0.5 * torch.clamp(a, max=delta) ** 2
                          + delta * torch.nn.functional.relu(a - delta))

    assert exercises.check("huber", huber).passed
    assert exercises.check("huber", _keras_solutions()["huber"], framework="keras").passed


def test_a_hanging_function_costs_only_its_own_check():
    def hangs(y_true, y_pred, delta=1.0):
        while True:
            pass

    start = time.monotonic()
    result = exercises.check("huber", hangs, timeout=0.5)
    assert time.monotonic() - start < 10
    assert not result.passed and len(result.failures) == 1
    assert "did not return" in result.failures[0].message
    assert exercises.check("huber", huber_torch, timeout=0.5).passed  # the next one is fine


def test_a_wrong_shape_is_a_failed_check_not_an_error():
    result = exercises.check("huber", lambda t, p, delta=1.0: torch.abs(t - p))
    assert not result.passed and "expected a single number" in str(result)


# hints point at the mistake without stating the answer: no code, no formula of the solution
CODE = re.compile(r"\b(np|torch|ops|keras|tf|math)\.|\b(log1p|logsumexp|softplus|log_softmax|"
                  r"clamp|clip|where|maximum|minimum|max|min|exp|log|sqrt|abs|cosh)\s*\(")


# what the hints used to say: the solutions themselves
GIVEAWAYS = ("½r²", "δ(|r| − ½δ)", "|x| + log1p", "log(1 + e^(−2|r|))", "softplus(z) − y·z",
             "max(z, 0)", "logsumexp(z) − z_y", "m + log Σ", "T² · Σ", "max(τr, (τ − 1)r)",
             "√(MSE + ε)", "ŷ − y·log ŷ", "(log(1 + ŷ) − log(1 + y))²", "log-softmax")


def _hints(exercise):
    params = {**exercise.params}
    extremes = exercise.extremes(params, set(exercise.grid))
    return ([exercise.hint] + [m.hint for m in exercise.mistakes]
            + [extreme[3] for extreme in extremes])


@pytest.mark.parametrize("name", sorted({e.name for e in EXERCISES.values()}))
def test_hints_do_not_state_the_answer(name):
    for hint in _hints(EXERCISES[name]):
        assert hint and not CODE.search(hint), hint
        for answer in GIVEAWAYS:
            assert answer not in hint, hint


# --- the reference in place of an earlier answer ------------------------------------------
def test_reference_function_computes_the_exercise_loss():
    keras = quiet_import("keras")
    y_true, y_pred = np.array([0.0, 1.0, 5.0]), np.array([0.5, -1.0, 1.0])
    for name in ("huber", "pinball", "log_cosh"):
        expected = REFERENCE["quantile" if name == "pinball" else name](y_true, y_pred)
        torch_value = exercises.reference_function(name, "torch")(
            torch.tensor(y_true), torch.tensor(y_pred))
        keras_value = exercises.reference_function(name, "keras")(
            keras.ops.convert_to_tensor(y_true), keras.ops.convert_to_tensor(y_pred))
        assert np.isclose(float(torch_value), expected, rtol=1e-12)
        assert np.isclose(float(np.asarray(keras_value)), expected, rtol=1e-6)


def test_reference_in_place_swaps_and_restores():
    namespace = {"pinball_torch": "student's"}

    def fit():  # an assignment's later part, calling the earlier answer by its global name
        return namespace["pinball_torch"](torch.tensor([1.0]), torch.tensor([0.0]), tau=0.9)

    with exercises.reference_in_place(namespace, "torch", pinball_torch="pinball",
                                      huber_torch="huber"):
        assert float(fit()) == pytest.approx(0.9)
        assert callable(namespace["huber_torch"])
    assert namespace == {"pinball_torch": "student's"}
    with pytest.raises(ValueError, match="name"):
        with exercises.reference_in_place(namespace, "torch", pinball_torch="nonesuch"):
            pass
    with pytest.raises(ValueError, match="framework"):
        with exercises.reference_in_place(namespace, "jax", pinball_torch="pinball"):
            pass


def test_a_reference_in_place_may_use_what_the_check_forbids():
    """Part 2 (perplexity) reuses Part 1 (masked cross-entropy): graded with the reference in
    place of a broken Part 1 it passes, although the reference runs torch's cross-entropy,
    which the perplexity check forbids to the student's own code."""
    import torch

    namespace = {"torch": torch}
    exec("def masked_ce_torch(y_true, y_pred):\n    raise NotImplementedError\n"
         "def perplexity_torch(y_true, y_pred):\n"
         "    return torch.exp(masked_ce_torch(y_true, y_pred))\n"
         "def cheat(y_true, y_pred):\n"
         "    return torch.exp(torch.nn.functional.cross_entropy(\n"
         "        y_pred.movedim(-1, 1), y_true, ignore_index=-100))\n", namespace)
    assert not exercises.check("perplexity", namespace["perplexity_torch"]).passed
    with exercises.reference_in_place(namespace, "torch", masked_ce_torch="masked_sequence_ce"):
        assert exercises.check("perplexity", namespace["perplexity_torch"]).passed
    assert not exercises.check("perplexity", namespace["cheat"]).passed
