"""What an exercise is (private): inputs, hints, known mistakes; and how its cases are made.

Each :class:`Exercise` names its reference loss (the expected values always come from
:mod:`lossbook.reference`), hand-picked inputs, a domain for seeded random inputs, extreme
inputs with a hint each, points for the gradient check, and :class:`Mistake` s: *wrong*
formulas that students (and the source articles, see SOURCES.md) write, so that feedback can
name the mistake. A hint points at the mistake (what is wrong, which input shows it) without
stating the answer: no formula of the solution, no code (``tests/test_exercises.py`` checks).
The forbidden ready-made implementations come from the catalogue entry of ``reference``
(``_guard``), so an exercise needs no field for them.

The exercises themselves live in one bank per chapter (``regression``, ...); a new
chapter adds its module and lists it in ``_check.BANKS``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Case", "Exercise", "Mistake", "cases_for", "residual", "zeros_and", "simple_extremes"]


@dataclass(frozen=True)
class Case:
    """One check: inputs (float64), the hyper-parameters, and the hint shown if it fails."""

    kind: str  # "fixed" | "random" | "extreme" | "gradient"
    description: str
    y_true: np.ndarray
    y_pred: np.ndarray
    params: dict
    hint: str = ""
    atol: float = 1e-7
    integer_labels: bool = False  # y_true holds class indices (given as int64)


@dataclass(frozen=True)
class Mistake:
    """A known wrong formula and the hint that explains it.

    ``values(y_true, y_pred, **params)`` gives the wrong element-wise losses
    (``elementwise=False``: the wrong mean loss itself).
    """

    values: Callable
    hint: str
    elementwise: bool = True


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    reference: str  # the function's name in lossbook.reference
    hint: str  # the definition, shown when no more specific hint applies
    params: dict = field(default_factory=dict)  # reference defaults
    grid: dict = field(default_factory=dict)  # values tried when the function takes the keyword
    domain: str = "real"  # "real" | "nonnegative" | "counts" | "binary" | "sparse" | "logits"
    #                       | "mask" (segmentation)
    #                       | "pairs" | "cosines" | "mining" | "views" (metric learning)
    fixed: tuple = ()  # (description, y_true, y_pred)
    extremes: Callable = lambda params, vary: []  # -> [(description, y_true, y_pred, hint, extra)]
    gradient_points: tuple = ()  # residuals (or (y_true, y_pred) pairs) for the torch check
    gradient_cases: tuple = ()  # (description, y_true, y_pred): more inputs for the torch check
    mistakes: tuple = ()
    # (rng, shape) -> (y_true, y_pred): random inputs of a layout no domain covers (a
    # [batch, 2 d] head of means and variances); None: the domain's
    sampler: Callable | None = None


def _random(domain: str, rng: np.random.Generator, shape) -> tuple[np.ndarray, np.ndarray]:
    if domain == "binary":  # 0/1 labels and logits
        return rng.integers(0, 2, shape).astype(np.float64), rng.normal(0.0, 3.0, shape)
    if domain == "sparse":  # class indices [batch, ...] and logits [batch, ..., classes]
        return rng.integers(0, shape[-1], shape[:-1]), rng.normal(0.0, 3.0, shape)
    if domain == "mask":  # 0/1 masks [batch, ...] and predicted probabilities
        return rng.integers(0, 2, shape).astype(np.float64), rng.uniform(0.02, 0.98, shape)
    if domain == "logits":  # a teacher's and a student's logits
        return rng.normal(0.0, 3.0, shape), rng.normal(0.0, 3.0, shape)
    if domain == "pairs":  # similar (1) / dissimilar (0) pair labels and distances >= 0
        return rng.integers(0, 2, shape).astype(np.float64), rng.uniform(0.0, 2.0, shape)
    if domain == "cosines":  # class indices [batch] and cosines [batch, classes]
        return rng.integers(0, shape[-1], shape[:-1]), rng.uniform(-1.0, 1.0, shape)
    if domain == "mining":  # labels [batch], each at least twice, and embeddings [batch, dim]
        return rng.permutation(np.arange(shape[0]) % (shape[0] // 2)), rng.normal(0.0, 1.0, shape)
    if domain == "views":  # each anchor's positive (its own row) and two views [batch, 2, dim]
        anchors = rng.normal(0.0, 1.0, (shape[0], 1, shape[2]))
        return np.arange(shape[0]), anchors + rng.normal(0.0, 0.7, shape)
    if domain == "counts":
        return rng.poisson(3.0, shape).astype(np.float64), rng.gamma(3.0, 1.0, shape) + 0.05
    if domain == "nonnegative":
        return rng.gamma(2.0, 1.5, shape), rng.gamma(2.0, 1.5, shape)
    y_true = rng.normal(0.0, 2.0, shape)
    return y_true, y_true + rng.normal(0.0, 1.5, shape)


def _draw(exercise: Exercise, rng: np.random.Generator, shape):
    if exercise.sampler is not None:
        return exercise.sampler(rng, shape)
    return _random(exercise.domain, rng, shape)


_SHAPES = ((8,), (6, 3), (2, 4, 3))
_CLASS_SHAPES = ((8, 3), (6, 4), (2, 4, 3))  # the last axis holds the classes
_CLASS_DOMAINS = ("sparse", "logits")
_DOMAIN_SHAPES = {"cosines": ((8, 3), (6, 4), (5, 6)), "mining": ((6, 3), (8, 4), (9, 2)),
                  "views": ((6, 2, 3), (8, 2, 4), (4, 2, 5)),
                  # images: one value per sample needs axes
                  "mask": ((4, 6), (3, 4, 4), (2, 4, 4, 1))}
_LABEL_DOMAINS = ("sparse", "cosines", "mining", "views")  # y_true holds integer indices


def cases_for(exercise: Exercise, *, fixed: dict, vary) -> tuple[dict, list[Case]]:
    """The parameters of the fixed cases and every :class:`Case` of ``exercise``.

    ``fixed``: hyper-parameters pinned by the caller; ``vary``: those the student's function
    accepts and the caller did not pin (several grid values are then tried).
    """
    vary = [k for k in vary if k in exercise.grid]  # e.g. from_logits is fixed, not varied
    base = {**exercise.params, **{k: exercise.grid[k][0] for k in vary}, **fixed}
    labels = exercise.domain in _LABEL_DOMAINS
    cases = [Case("fixed", text, np.asarray(t, float), np.asarray(p, float), base,
                  integer_labels=labels) for text, t, p in exercise.fixed]
    rng = np.random.default_rng(zlib.crc32(exercise.name.encode()))
    shapes = _DOMAIN_SHAPES.get(exercise.domain,
                                _CLASS_SHAPES if exercise.domain in _CLASS_DOMAINS else _SHAPES)
    for index, shape in enumerate(shapes):
        params = {**base, **{k: exercise.grid[k][index % len(exercise.grid[k])] for k in vary}}
        shown = "".join(f", {k}={params[k]}" for k in vary)
        y_true, y_pred = _draw(exercise, rng, shape)
        cases.append(Case("random", f"inputs of shape {shape}{shown}",
                          y_true, y_pred, params, integer_labels=labels))
    for text, y_true, y_pred, hint, extra in exercise.extremes(base, set(vary)):
        cases.append(Case("extreme", text, np.asarray(y_true, float), np.asarray(y_pred, float),
                          {**base, **extra}, hint, atol=1e-12 if "tiny" in text else 1e-7,
                          integer_labels=labels))
    if exercise.gradient_points:
        y_true = np.zeros(len(exercise.gradient_points)) + (exercise.domain != "real")
        scale = base.get("delta", 1.0)
        y_pred = y_true + scale * np.asarray(exercise.gradient_points, float)
        cases.append(Case("gradient", f"residuals {np.round(y_pred - y_true, 8).tolist()}",
                          y_true, y_pred, base, exercise.hint))
    for text, y_true, y_pred in exercise.gradient_cases:
        cases.append(Case("gradient", text, np.asarray(y_true, float), np.asarray(y_pred, float),
                          base, exercise.hint, integer_labels=labels))
    shape = (4, 2, 3) if exercise.domain == "views" else (4, 3)
    y_true, y_pred = _draw(exercise, rng, shape)
    cases.append(Case("gradient", f"random inputs of shape {shape}", y_true, y_pred, base,
                      exercise.hint, integer_labels=labels))
    return base, cases


def residual(y_true, y_pred):
    return np.asarray(y_true, float) - np.asarray(y_pred, float)


def zeros_and(values) -> tuple:
    return np.zeros_like(values), np.asarray(values, float)


def simple_extremes(params, vary):
    return [("huge residuals ±1e8", *zeros_and([1e8, -1e8]),
             "large residuals should give large, finite values (float64 has room for 1e16).", {}),
            ("perfect predictions (all residuals 0)", [0.0, 1.5, -2.0], [0.0, 1.5, -2.0],
             "a perfect prediction has loss 0.", {})]
