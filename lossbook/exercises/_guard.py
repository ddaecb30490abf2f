"""What a student's function may not call, and the time it may take (private to
:mod:`lossbook.exercises`).

An exercise asks for a loss written from basic operations, so :func:`~lossbook.exercises.check`
rejects a function that calls a ready-made implementation of that loss. The forbidden set comes
from the catalogue entry whose ``reference_name`` is the exercise's ``reference`` (a new
exercise bank needs no extra field):

- the framework objects the entry runs (``torch.nn.HuberLoss``, ``keras.losses.Huber``,
  ``lossbook.torch.log_cosh``, ``lossbook.keras.Quantile``, ...), their twins (a
  ``lossbook.torch`` / ``lossbook.keras`` class and its function, a Keras loss class and the
  function it wraps), lossbook's NumPy reference itself;
- the torch loss functionals the torch built-ins call (``HuberLoss`` calls
  ``torch.nn.functional.huber_loss``), found by running them once under a recording
  ``TorchFunctionMode``.

While the student's function runs, each forbidden function is replaced, wherever a module or
the student's own globals hold it, by a tripwire that raises :class:`ForbiddenCall`; each
forbidden class gets a tripwire ``forward`` / ``call``. So a call through any spelling
(``F.huber_loss``, ``from torch.nn.functional import huber_loss``, ``keras.losses.Huber()``,
``lb.torch.LogCoshLoss()``, an instance made before the check) is caught, and the originals are
back as soon as the call returns. A pure implementation never meets a tripwire.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading
import types

from lossbook.exercises._bank import Exercise

__all__ = ["CheckTimeout", "ForbiddenCall", "exempt", "forbidden_objects", "guarded",
           "patches_for", "refused", "time_limit"]

# torch.nn.functional's losses (the functions its loss classes call)
_TORCH_LOSS_FUNCTIONALS = {"cross_entropy", "binary_cross_entropy",
                           "binary_cross_entropy_with_logits", "kl_div"}
_ROOTS = ("torch", "keras", "lossbook", "tensorflow", "jax")


class ForbiddenCall(Exception):
    """The student's function called a ready-made implementation of the loss."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class CheckTimeout(Exception):
    """The student's function did not return in time."""


def _qualified(value) -> str:
    module = getattr(value, "__module__", "") or ""
    name = getattr(value, "__qualname__", getattr(value, "__name__", repr(value)))
    public = {"torch.nn.modules.loss": "torch.nn", "torch.nn.functional": "torch.nn.functional"}
    if module.startswith("keras.src.losses"):
        module = "keras.losses"
    for package in ("lossbook.reference", "lossbook.torch", "lossbook.keras"):
        if module.startswith(package + "."):
            module = package
    return f"{public.get(module, module)}.{name}"


def _torch_functionals(entry) -> set:
    """The torch loss functionals the entry's *torch built-in* implementations call (outermost
    calls): ``HuberLoss`` → ``huber_loss``. Not those that lossbook's own implementations call:
    ``lb.torch.arcface`` ends in ``cross_entropy``, which a student's ArcFace may use too."""
    import torch
    from torch.overrides import TorchFunctionMode

    seen = set()

    class _Record(TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            name = getattr(func, "__name__", "")
            if getattr(func, "__module__", "") == "torch.nn.functional" and (
                    name.endswith("_loss") or name in _TORCH_LOSS_FUNCTIONALS):
                seen.add(func)
            return func(*args, **(kwargs or {}))

    sample = entry.sample(0)
    for implementation in entry.implementations("torch"):
        if not str(getattr(implementation, "path", "")).startswith("torch."):
            continue
        with contextlib.suppress(Exception), _Record(), torch.no_grad():
            implementation(sample.y_true, sample.y_pred, **sample.params)
    return seen


def _keras_function_of(cls):
    """The function a Keras loss class wraps (``keras.losses.Huber`` → ``huber``), if any."""
    with contextlib.suppress(Exception):
        return getattr(cls(), "fn", None)
    return None


def forbidden_objects(reference_name: str) -> tuple:
    """The callables (functions and classes) that implement ``reference_name`` ready-made.

    Only frameworks that are imported count (a function cannot call a torch loss without
    torch being imported), so checking a NumPy answer does not import torch and Keras.

    >>> import keras, torch
    >>> names = {_qualified(o) for o in forbidden_objects("huber")}
    >>> {"torch.nn.HuberLoss", "torch.nn.functional.huber_loss", "keras.losses.Huber",
    ...  "keras.losses.huber", "lossbook.reference.huber"} <= names
    True
    """
    loaded = frozenset(fw for fw in ("torch", "keras") if fw in sys.modules)
    return _forbidden(reference_name, loaded)


@functools.cache
def _forbidden(reference_name: str, frameworks: frozenset) -> tuple:
    from lossbook import catalog, reference
    from lossbook.catalog._adapters import resolve

    found = [getattr(reference, reference_name)]
    for entry in catalog.entries():
        if entry.reference_name != reference_name:
            continue
        adapters = [entry.unbound[fw] for fw in sorted(frameworks) if fw in entry.unbound]
        adapters += [a for fw in sorted(frameworks) for a in entry.also.get(fw, ())]
        for adapter in adapters:
            path = getattr(adapter, "path", "")
            if not path:
                continue
            with contextlib.suppress(ImportError, AttributeError):
                found.append(resolve(path))
        for value in list(found):
            twin = getattr(value, "function", None)  # lossbook.torch / lossbook.keras classes
            if callable(twin):
                found.append(twin)
            if isinstance(value, type) and _qualified(value).startswith("keras."):
                found.append(_keras_function_of(value))
        for module_name in ("lossbook.torch", "lossbook.keras"):  # a function's class twin
            module = sys.modules.get(module_name)
            for name in getattr(module, "__all__", ()):
                candidate = getattr(module, name)
                if isinstance(candidate, type) and getattr(candidate, "function", None) in found:
                    found.append(candidate)
        if "torch" in frameworks:
            found += sorted(_torch_functionals(entry), key=_qualified)
    unique = {id(value): value for value in found if callable(value)}
    return tuple(unique.values())


_EXEMPT = [0]  # > 0 while a reference answer runs (``exempt``): the tripwires stand aside


@contextlib.contextmanager
def exempt():
    """Inside the block the tripwires call what they replaced: the grader's own reference
    answer, standing in for a student's earlier part, may use the ready-made loss."""
    _EXEMPT[0] += 1
    try:
        yield
    finally:
        _EXEMPT[0] -= 1


def _tripwire(value):
    name = _qualified(value)

    def tripwire(*args, **kwargs):
        if _EXEMPT[0]:
            return value(*args, **kwargs)
        raise ForbiddenCall(name)

    tripwire.__name__ = getattr(value, "__name__", "tripwire")
    return tripwire


def _method_tripwire(cls, method: str):
    """A ``forward`` / ``call`` of a forbidden class that raises, or runs the original (the
    class's own or the inherited one) inside :func:`exempt`."""
    name = _qualified(cls)
    original = next((base.__dict__[method] for base in cls.__mro__ if method in base.__dict__),
                    None)

    def tripwire(self, *args, **kwargs):
        if _EXEMPT[0] and original is not None:
            return original(self, *args, **kwargs)
        raise ForbiddenCall(name)

    tripwire.__name__ = method
    return tripwire


def _namespaces(student_fn) -> tuple[list[dict], list]:
    """The global dictionaries and the closure cells of the student's function and of the
    helpers it calls."""
    found, cells, stack, seen = [], [], [student_fn], set()
    while stack:
        function = stack.pop()
        if id(function) in seen or not isinstance(function, types.FunctionType):
            continue
        seen.add(id(function))
        found.append(function.__globals__)
        for value in function.__globals__.values():
            if isinstance(value, types.FunctionType) and value.__globals__ is not \
                    function.__globals__ and value.__module__ in (None, "__main__"):
                stack.append(value)
        for cell in function.__closure__ or ():
            with contextlib.suppress(ValueError):
                cells.append(cell)
                stack.append(cell.cell_contents)
    return list({id(d): d for d in found}.values()), cells


class _Cell:
    """A closure cell as a one-entry mapping, so that it is patched like a namespace."""

    def __init__(self, cell):
        self.cell = cell

    def __setitem__(self, key, value):
        self.cell.cell_contents = value


def refused(exercise: Exercise, student_fn) -> str | None:
    """The name of the ready-made implementation ``student_fn`` *is* (or wraps with
    ``functools.partial``), else None."""
    forbidden = {id(v): v for v in forbidden_objects(exercise.reference)}
    for value in (student_fn, getattr(student_fn, "func", None),
                  getattr(student_fn, "__func__", None), type(student_fn)):
        if value is not None and id(value) in forbidden and forbidden[id(value)] is value:
            return _qualified(value)
    return None


def patches_for(exercise: Exercise, student_fn) -> list[tuple]:
    """``(owner, attribute, original, replacement)`` for every place where a ready-made
    implementation of the exercise's loss sits (modules, the student's globals, classes)."""
    forbidden = forbidden_objects(exercise.reference)
    functions = {id(v): v for v in forbidden if not isinstance(v, type)}
    patches = []
    modules = [m for name, m in list(sys.modules.items())
               if name.split(".")[0] in _ROOTS and isinstance(m, types.ModuleType)]
    namespaces, cells = _namespaces(student_fn)
    for owner in [vars(m) for m in modules] + namespaces:
        for attribute, value in list(owner.items()):
            if id(value) in functions and value is functions[id(value)]:
                patches.append((owner, attribute, value, _tripwire(value)))
    for cell in cells:
        with contextlib.suppress(ValueError):
            value = cell.cell_contents
            if id(value) in functions and value is functions[id(value)]:
                patches.append((_Cell(cell), "", value, _tripwire(value)))
    for cls in (v for v in forbidden if isinstance(v, type)):
        for method in ("forward", "call"):
            if callable(getattr(cls, method, None)):
                patches.append((cls, method, cls.__dict__.get(method),
                                _method_tripwire(cls, method)))
    return patches


@contextlib.contextmanager
def guarded(patches):
    """While inside, a call to a ready-made implementation (:func:`patches_for`) raises
    :class:`ForbiddenCall`; everything is restored on exit."""
    applied = []
    try:
        for owner, attribute, original, replacement in patches:
            if isinstance(owner, (dict, _Cell)):
                owner[attribute] = replacement
            else:
                setattr(owner, attribute, replacement)
            applied.append((owner, attribute, original))
        yield
    finally:
        for owner, attribute, original in reversed(applied):
            if isinstance(owner, (dict, _Cell)):
                owner[attribute] = original
            elif original is None:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`CheckTimeout` in the block after ``seconds`` (main thread only, where
    ``SIGALRM`` exists; elsewhere no limit)."""
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise CheckTimeout(f"no result after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
