"""Calling a student's loss function in its framework (private to :mod:`lossbook.exercises`):
which framework it uses, its inputs as that framework's tensors, and which keyword arguments
it accepts."""

from __future__ import annotations

import contextlib
import inspect
import types
import warnings
from dataclasses import dataclass

import numpy as np

from lossbook.exercises._bank import Case
from lossbook.exercises._guard import guarded, time_limit


def _module_of(value) -> str:
    if isinstance(value, types.ModuleType):
        return value.__name__
    return getattr(value, "__module__", "") or ""


def _global_names(function, depth: int = 0) -> set[str]:
    """Module roots of the globals ``function`` uses, following helper functions it calls."""
    code = getattr(function, "__code__", None)
    if code is None or depth > 3:
        return set()
    names, stack = set(), [code]
    while stack:  # nested functions and lambdas too
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    cells = {}  # the closure's variables (a helper defined inside another function)
    for variable, cell in zip(code.co_freevars, function.__closure__ or (), strict=False):
        with contextlib.suppress(ValueError):  # an empty cell
            cells[variable] = cell.cell_contents
    roots = set()
    for name in names | set(cells):
        value = cells[name] if name in cells else function.__globals__.get(name)
        if isinstance(value, types.FunctionType) and value is not function:
            roots |= _global_names(value, depth + 1)
        elif value is not None:
            roots.add(_module_of(value).split(".")[0])
    return roots


def _detect(student_fn) -> str | None:
    """The framework the function's global names point to (torch > keras > numpy), or None."""
    roots = _global_names(inspect.unwrap(student_fn))
    for framework, modules in (("torch", {"torch"}), ("keras", {"keras", "tensorflow", "jax"}),
                               ("numpy", {"numpy"})):
        if roots & modules:
            return framework
    return None


def _to_framework(array: np.ndarray, framework: str, requires_grad: bool = False,
                  integer: bool = False):
    """``array`` as float64 (class indices: int64) in ``framework``."""
    if framework == "torch":
        import torch

        if integer:
            return torch.as_tensor(np.asarray(array).astype(np.int64))
        return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)
    if framework == "keras":
        from lossbook._env import quiet_import

        return quiet_import("keras").ops.convert_to_tensor(
            array, dtype="int64" if integer else "float64")
    return np.asarray(array).astype(np.int64) if integer else array.copy()


@dataclass
class _Call:
    student_fn: object
    framework: str
    order: str
    accepted: frozenset  # hyper-parameter names the function takes as keywords
    patches: tuple = ()  # where the ready-made implementations are replaced by tripwires
    timeout: float | None = None  # seconds per call

    def __call__(self, case: Case, requires_grad: bool = False):
        y_true = _to_framework(case.y_true, self.framework, integer=case.integer_labels)
        y_pred = _to_framework(case.y_pred, self.framework, requires_grad)
        kwargs = {k: v for k, v in case.params.items() if k in self.accepted}
        args = (y_true, y_pred) if self.order == "keras" else (y_pred, y_true)
        with warnings.catch_warnings(), np.errstate(all="ignore"), guarded(self.patches), \
                time_limit(self.timeout):
            warnings.simplefilter("ignore")  # an overflow is reported as a failure instead
            return self.student_fn(*args, **kwargs), y_pred


def _accepted(student_fn, names) -> frozenset:
    try:
        parameters = inspect.signature(student_fn).parameters
    except (TypeError, ValueError):
        return frozenset()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return frozenset(names)
    return frozenset(n for n in names if n in parameters)


