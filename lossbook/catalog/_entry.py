"""The catalogue's record types: :class:`Entry`, :class:`Tolerance`, :class:`KnownDifference`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lossbook._arrays import close, float32_exact

__all__ = ["FRAMEWORKS", "Entry", "KnownDifference", "Sample", "Tolerance", "make_entry"]

FRAMEWORKS = ("torch", "keras")
TASKS = ("regression", "classification", "sequence", "metric_learning")
INPUT_KINDS = ("value", "probability", "logit", "score", "distance", "embedding", "cosine")


@dataclass(frozen=True)
class Tolerance:
    """How close a float32 framework value must be to the float64 reference.

    ``|framework - reference| <= atol + rtol * |reference|``, element by element.
    """

    rtol: float = 1e-5
    atol: float = 1e-6

    def close(self, value, expected) -> np.ndarray:
        """Element-wise: is ``value`` within tolerance of ``expected``? (NaN never is.)"""
        return close(value, expected, rtol=self.rtol, atol=self.atol)


@dataclass(frozen=True)
class KnownDifference:
    """A documented, by-design difference between a framework and the reference.

    ``rule(y_true, y_pred, reduction=..., **params)`` recomputes, in float64, what the
    framework's documented behaviour gives (e.g. the reference on probabilities clipped to
    ``[1e-7, 1 - 1e-7]``). :mod:`lossbook.compare` calls a gap "explained" only when this
    rule's value differs from the reference on the given inputs (the difference is
    triggered) and the framework's value matches the rule.
    """

    framework: str
    trap: int | None  # the row of the "Framework traps" appendix (TRAPS.md), if it has one
    text: str
    rule: Callable | None = None

    def __str__(self) -> str:
        prefix = f"trap {self.trap}" if self.trap is not None else "documented"
        return f"{prefix}: {self.text}"


class Sample(NamedTuple):
    """Valid random inputs for one loss: ``loss(y_true, y_pred, **params)``."""

    y_true: np.ndarray
    y_pred: np.ndarray
    params: dict


@dataclass(frozen=True, eq=False)
class Entry:
    """One loss of the book: what it is, its formula, and how each framework computes it.

    ``reference``, ``torch`` and ``keras`` all take the reference's arguments
    ``(y_true, y_pred, *, **params, reduction="mean")`` and return a float or a float64 NumPy
    array; ``torch`` and ``keras`` run the framework (built-in where one exists) in float32.
    The hyper-parameters in ``fixed_params`` (e.g. ``from_logits=True``) are already bound.
    """

    name: str
    title: str
    task: str
    label_format: str
    input_kind: str
    formula: str
    properties: tuple[str, ...]
    reference: Callable
    torch: Callable
    keras: Callable
    sampler: Callable = field(repr=False)
    shapes: tuple[tuple[int, ...], ...] = ((8,), (4, 5))
    tolerance: Tolerance = Tolerance()
    known_differences: Mapping[str, tuple[KnownDifference, ...]] = field(default_factory=dict)
    reference_name: str = ""
    fixed_params: Mapping = field(default_factory=dict)
    reductions: tuple[str, ...] = ("none", "mean", "sum")

    def sample(self, rng=None, shape=None) -> Sample:
        """Random valid ``(y_true, y_pred, params)``; float32-exact values, ``shape`` from
        :attr:`shapes` (the first by default). ``rng``: a ``numpy.random.Generator`` or seed."""
        rng = np.random.default_rng(rng)
        shape = tuple(shape) if shape is not None else self.shapes[0]
        y_true, y_pred, params = self.sampler(rng, shape)
        return Sample(float32_exact(y_true), float32_exact(y_pred), params)

    def run(self, framework: str, y_true, y_pred, **params):
        """``self.reference``, ``self.torch`` or ``self.keras`` by name (``"reference"``...)."""
        if framework not in ("reference",) + FRAMEWORKS:
            raise ValueError(f"`framework` must be one of {('reference',) + FRAMEWORKS}. "
                             f"Received: framework={framework!r}")
        return getattr(self, framework)(y_true, y_pred, **params)

    def differences(self, framework: str) -> tuple[KnownDifference, ...]:
        """The documented differences of ``framework`` from the reference."""
        return tuple(self.known_differences.get(framework, ()))

    def _repr_markdown_(self) -> str:
        props = ", ".join(self.properties)
        return (f"**{self.title}** (`{self.name}`, {self.task})\n\n$${self.formula}$$\n\n"
                f"- labels: {self.label_format}\n- input: {self.input_kind}\n"
                f"- properties: {props}")


def make_entry(*, reference, fixed_params=None, known_differences=(), **fields) -> Entry:
    """Build an :class:`Entry`, binding ``fixed_params`` into the three callables and
    grouping ``known_differences`` by framework."""
    fixed = dict(fixed_params or {})

    def bind(function):
        return functools.partial(function, **fixed) if fixed else function

    by_framework: dict[str, tuple] = {}
    for difference in known_differences:
        by_framework[difference.framework] = by_framework.get(difference.framework, ()) + (
            difference,)
    fields["torch"] = bind(fields["torch"])
    fields["keras"] = bind(fields["keras"])
    if fields["task"] not in TASKS or fields["input_kind"] not in INPUT_KINDS:
        raise ValueError(f"bad task or input_kind in catalogue entry {fields['name']!r}")
    return Entry(reference=bind(reference), fixed_params=fixed, known_differences=by_framework,
                 reference_name=reference.__name__, **fields)
