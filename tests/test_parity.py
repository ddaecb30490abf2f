"""One parity test: every way the catalogue runs a loss in torch and Keras equals the reference.

Parametrised over catalogue entry x framework x implementation (the built-in, lossbook's own,
and the other form of each lossbook loss: ``nn.Module`` class or function, Keras ``Loss`` class
or function; see ``Entry.implementations``) x input shape x hyper-parameter grid point x
reduction x with and without per-sample weights. Inputs come from each entry's sampler with
one fixed seed (float32-exact values, so only the frameworks' float32 arithmetic separates
them from the float64 reference) and must agree within the entry's tolerance. Runs on the
Keras backend ``$KERAS_BACKEND`` selects; ``make test`` runs it on all three.

A second test holds that every public function and class of ``lossbook.torch`` and
``lossbook.keras`` is reached by this one.
"""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

from lossbook import catalog

SEED = 20261201
# `make test` runs the torch cases once and the Keras cases on each of the three backends:
# LOSSBOOK_PARITY=keras collects only the Keras ones (the torch cases do not use Keras).
FRAMEWORKS = tuple(os.environ.get("LOSSBOOK_PARITY", ",".join(catalog.FRAMEWORKS)).split(","))


def _takes_weights(implementation) -> bool:
    declared = getattr(implementation, "weights", None)
    if declared is not None:
        return declared
    return "sample_weight" in inspect.signature(implementation).parameters


def _shape_id(shape) -> str:
    return "x".join(str(size) for size in shape)


def _cases(frameworks):
    for entry in catalog.entries():
        for framework in frameworks:
            for index, implementation in enumerate(entry.implementations(framework)):
                label = implementation.__name__.split(":")[-1].rsplit(".", 1)[-1]
                refused = getattr(implementation, "refuses", ())
                weightings = (False, True) if _takes_weights(implementation) else (False,)
                for shape in entry.shapes:
                    for point, params in enumerate(entry.grid):
                        sampled = entry.sample(0, shape, params).params  # with its data params
                        if any(sampled.get(name) is not None for name in refused):
                            continue
                        for reduction in entry.reductions:
                            for weighted in weightings:
                                yield pytest.param(
                                    entry.name, framework, index, shape, point, reduction,
                                    weighted,
                                    id=(f"{entry.name}-{framework}.{label}-{_shape_id(shape)}-p{point}-"
                                        f"{reduction}{'-weighted' if weighted else ''}"))


CASES = list(_cases(FRAMEWORKS))


@pytest.mark.parametrize(
    ("name", "framework", "index", "shape", "point", "reduction", "weighted"), CASES)
def test_framework_matches_reference(name, framework, index, shape, point, reduction, weighted):
    entry = catalog.get(name)
    implementation = entry.implementations(framework)[index]
    rng = np.random.default_rng(SEED)
    y_true, y_pred, params = entry.sample(rng, shape, entry.grid[point])
    if any(params.get(name) is not None for name in getattr(implementation, "refuses", ())):
        pytest.fail(f"{implementation.__name__} was given a parameter it refuses: {params}")
    weights = None
    if weighted:
        per_sample = np.shape(entry.reference(y_true, y_pred, reduction="none", **params))
        weights = np.round(rng.uniform(0.0, 3.0, size=per_sample), 3)  # one per value

    expected = entry.reference(y_true, y_pred, reduction=reduction, sample_weight=weights,
                               **params)
    value = implementation(y_true, y_pred, reduction=reduction, sample_weight=weights,
                           **params) if weighted else implementation(
        y_true, y_pred, reduction=reduction, **params)

    assert np.shape(value) == np.shape(expected), f"{framework} returned shape {np.shape(value)}"
    np.testing.assert_allclose(
        value, expected, rtol=entry.tolerance.rtol, atol=entry.tolerance.atol,
        err_msg=f"{implementation.__name__} vs reference for {name} with {params}, "
                f"reduction={reduction!r}, sample_weight={weights}")


def _reached() -> set[str]:
    reached = set()
    for entry in catalog.entries():
        for framework in catalog.FRAMEWORKS:
            reached |= {getattr(i, "path", "") for i in entry.implementations(framework)}
    return reached


@pytest.mark.parametrize("module_name", ["lossbook.torch", "lossbook.keras"])
def test_every_shipped_loss_is_in_the_parity_test(module_name):
    module = __import__(module_name, fromlist=["__all__"])
    reached = {path for path in _reached() if path.startswith(module_name + ".")}
    missing = sorted(f"{module_name}.{name}" for name in module.__all__)
    missing = [path for path in missing if path not in reached]
    assert not missing, f"not run by the parity test (add them to a catalogue entry): {missing}"


# Implementations run without per-sample weights, and why (every other one runs with them).
UNWEIGHTED = {
    ("class_weighted_crossentropy", "torch"): "the class weights are the weighting",
    ("class_weighted_crossentropy", "keras"): "Keras gets the class weights as sample_weight",
    ("root_mean_squared_error", "torch"): "lossbook.torch's RMSE reduces by itself, unweighted",
    ("sparse_categorical_crossentropy", "torch"): "ignore_index: torch's mean over valid tokens",
    ("sparse_categorical_crossentropy_from_logits", "torch"): "as the line above",
    ("perplexity", "torch"): "a weighted perplexity weighs tokens inside the exp; no built-in",
    ("perplexity", "keras"): "as the line above",
}


def test_every_implementation_runs_weighted_cases_or_says_why():
    values = [case.values for case in _cases(catalog.FRAMEWORKS)]
    weighted = {(name, framework) for name, framework, *_, flag in values if flag}
    unweighted = {(name, framework) for name, framework, *_, flag in values} - weighted
    assert unweighted == set(UNWEIGHTED), sorted(unweighted ^ set(UNWEIGHTED))
