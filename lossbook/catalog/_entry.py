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
TASKS = ("regression", "classification", "sequence", "metric_learning", "preference")
INPUT_KINDS = ("value", "probability", "logit", "score", "distance", "embedding", "cosine",
               "mean_variance", "log_probability")


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
    grid: tuple[Mapping, ...] = ({},)
    also: Mapping[str, tuple[Callable, ...]] = field(default_factory=dict, repr=False)
    unbound: Mapping[str, Callable] = field(default_factory=dict, repr=False)  # before binding

    def sample(self, rng=None, shape=None, params=None) -> Sample:
        """Random valid ``(y_true, y_pred, params)``; float32-exact values.

        ``shape``: one of :attr:`shapes` (the first by default); ``params``: the
        hyper-parameters, a point of :attr:`grid` (the first by default); the sampler adds
        the data-shaped ones (a mask, class weights, CTC lengths). ``rng``: a
        ``numpy.random.Generator`` or a seed.
        """
        rng = np.random.default_rng(rng)
        shape = tuple(shape) if shape is not None else self.shapes[0]
        point = dict(self.grid[0] if params is None else params)
        y_true, y_pred, data_params = self.sampler(rng, shape, point)
        return Sample(float32_exact(y_true), float32_exact(y_pred), {**point, **data_params})

    def implementations(self, framework: str) -> tuple[Callable, ...]:
        """Every way the catalogue runs this loss in ``framework``, each on the reference's
        arguments: :attr:`torch` / :attr:`keras` first, then lossbook's own versions listed in
        ``also``, then the other form (``nn.Module`` class or function, Keras ``Loss`` class or
        function) of each :mod:`lossbook.torch` / :mod:`lossbook.keras` loss among them.
        Fixed parameters are bound; each callable's ``__name__`` says what it runs."""
        if framework not in FRAMEWORKS:
            raise ValueError(f"`framework` must be one of {FRAMEWORKS}. "
                             f"Received: framework={framework!r}")
        from lossbook.catalog._adapters import torch_twin

        found = []
        for adapter in (self.unbound[framework],) + tuple(self.also.get(framework, ())):
            found.append(adapter)
            twin = (torch_twin(adapter) if framework == "torch"
                    else getattr(adapter, "function_twin", lambda: None)())
            if twin is not None:
                found.append(twin)
        return tuple(self._bind(adapter) for adapter in found)

    def framework_loss(self, framework: str, *, reduction: str = "mean", **params):
        """The framework's own loss object for this entry, as a model is trained with it:
        a torch loss (``(input, target)``, torch's ``reduction``) or a ``keras.losses.Loss``
        (``(y_true, y_pred)``), built-in where one exists, with the entry's fixed parameters
        (``from_logits=True``...) and ``params``.

        >>> from lossbook import catalog
        >>> catalog.get("huber").framework_loss("torch", delta=2.0)
        HuberLoss()

        A ``ValueError`` when the framework's loss needs inputs the caller must translate
        (torch's ``KLDivLoss`` takes log-probabilities) or the catalogue runs it through a
        function of its own.
        """
        adapter = self.unbound.get(framework) if framework in FRAMEWORKS else None
        if adapter is None:
            raise ValueError(f"`framework` must be one of {FRAMEWORKS}. "
                             f"Received: framework={framework!r}")
        native = getattr(adapter, "native", None)
        if native is None or not getattr(adapter, "native_ok", False):
            raise ValueError(f"{self.name!r} has no ready-made {framework} loss object: the "
                             f"catalogue computes it with {adapter.__name__}")
        return native(reduction=reduction, **{**self.fixed_params, **params})

    @property
    def trainable(self) -> bool:
        """Whether :meth:`framework_loss` gives a ready-made loss object in both frameworks."""
        return all(getattr(self.unbound[framework], "native_ok", False)
                   for framework in FRAMEWORKS)

    def _bind(self, adapter):
        if not self.fixed_params:
            return adapter
        bound = functools.partial(adapter, **self.fixed_params)
        bound.__name__ = adapter.__name__
        for attribute in ("path", "labels", "weights", "call", "refuses"):
            if hasattr(adapter, attribute):
                setattr(bound, attribute, getattr(adapter, attribute))
        return bound


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
    unbound = {framework: fields[framework] for framework in FRAMEWORKS}
    fields["torch"] = bind(fields["torch"])
    fields["keras"] = bind(fields["keras"])
    fields["also"] = {framework: tuple(adapters) for framework, adapters
                      in (fields.get("also") or {}).items()}
    name = fields["name"]
    if fields["task"] not in TASKS or fields["input_kind"] not in INPUT_KINDS:
        raise ValueError(f"catalogue entry {name!r}: `task` must be one of {TASKS} and "
                         f"`input_kind` one of {INPUT_KINDS}. Received: task="
                         f"{fields['task']!r}, input_kind={fields['input_kind']!r}")
    empty = [key for key in ("title", "formula", "label_format", "properties") if not fields[key]]
    if empty or not all(d.text and d.framework in FRAMEWORKS for d in known_differences):
        raise ValueError(f"catalogue entry {name!r} must document every field and every "
                         f"known difference (text, framework). Empty: {empty}")
    return Entry(reference=bind(reference), fixed_params=fixed, known_differences=by_framework,
                 reference_name=reference.__name__, unbound=unbound, **fields)
