"""The checker behind :func:`lossbook.exercises.check`: calls the student's function in its
framework, compares it with the reference case by case, and words the feedback."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import html
from dataclasses import dataclass, field

import numpy as np

from lossbook import reference
from lossbook._arrays import close, to_numpy
from lossbook._validation import check_in_choices
from lossbook.exercises import classification as _classification
from lossbook.exercises import custom as _custom
from lossbook.exercises import imbalance as _imbalance
from lossbook.exercises import metric_learning as _metric_learning
from lossbook.exercises import regression as _regression
from lossbook.exercises import sequence as _sequence
from lossbook.exercises._bank import Case, Exercise, cases_for
from lossbook.exercises._calling import _accepted, _Call, _detect
from lossbook.exercises._guard import CheckTimeout, ForbiddenCall, patches_for, refused

__all__ = ["CheckResult", "Failure", "available", "check", "list"]

#: One bank of exercises per chapter; a new chapter adds its module here.
BANKS = (_regression, _classification, _imbalance, _sequence, _metric_learning, _custom)
EXERCISES: dict[str, Exercise] = {e.name: e for bank in BANKS for e in bank.EXERCISES}
EXERCISES.update({alias: EXERCISES[name] for bank in BANKS
                  for alias, name in bank.ALIASES.items()})

FRAMEWORKS = ("numpy", "torch", "keras")
ORDERS = ("keras", "torch")
_RTOL, _ATOL = 1e-5, 1e-7
_SHOWN_FAILURES = 3


@dataclass(frozen=True)
class Failure:
    """One failed check: the case, what was expected, what the function gave, and a hint."""

    case: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"✗ {self.case}\n    {self.message.replace(chr(10), chr(10) + '    ')}"
        return text + (f"\n    HINT: {self.hint}" if self.hint else "")


@dataclass
class CheckResult:
    """What :func:`check` found; print it, or display it in a notebook.

    Attributes:
        exercise: the exercise name; ``framework``: how the function was called.
        params: the hyper-parameters of the fixed and extreme cases.
        checked: one line per check that ran (its kind and description).
        failures: the :class:`Failure` list (empty when everything passed).
        total: how many checks the exercise has (some may not have run after an error).
    """

    exercise: str
    framework: str | None
    params: dict
    checked: builtins.list = field(default_factory=builtins.list)
    failures: builtins.list = field(default_factory=builtins.list)
    total: int = 0
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures and self.total > 0 and len(self.checked) == self.total

    def assert_passed(self) -> CheckResult:
        """Return ``self`` if every check passed; raise ``AssertionError`` with the report
        otherwise."""
        if not self.passed:
            raise AssertionError("\n" + str(self))
        return self

    def _title(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.exercise}" + (f" ({params})" if params else "") + (
            f", {self.framework}" if self.framework else "")

    def _summary(self) -> builtins.list[str]:
        """One line per kind of check: how many, and what they covered."""
        kinds: dict[str, builtins.list[str]] = {}
        for line in self.checked:
            kind, description = line[1:].split("] ", 1)
            kinds.setdefault(kind, []).append(description)
        return [f"  ✓ {len(items)} {kind}: " + "; ".join(dict.fromkeys(items))
                for kind, items in kinds.items()]

    def __str__(self) -> str:
        if self.passed:
            lines = [f"All {self.total} checks passed ✓  {self._title()}", *self._summary()]
        else:
            ran = len(self.checked)
            head = (f"{len(self.failures)} of {self.total} checks failed ✗  {self._title()}"
                    if ran == self.total else f"Checks could not run ✗  {self._title()}"
                    if self.failures[0].case == "setup" else
                    f"Checks stopped at check {ran + 1} of {self.total} ✗  {self._title()}")
            lines = [head]
            lines += [str(failure) for failure in self.failures[:_SHOWN_FAILURES]]
            if len(self.failures) > _SHOWN_FAILURES:
                lines.append(f"... and {len(self.failures) - _SHOWN_FAILURES} more failure(s); "
                             "fix these first.")
        if self.note:
            lines.append(f"  Note: {self.note}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        lines = str(self).split("\n")
        head, body = html.escape(lines[0]), html.escape("\n".join(lines[1:]))
        return (f'<div class="lossbook-check" style="border-left:4px solid {colour};'
                f'padding:0.3em 0.8em"><strong style="color:{colour}">{head}</strong>'
                f'<pre style="margin:0.3em 0;white-space:pre-wrap">{body}</pre></div>')


class _Catalogue(tuple):
    """The exercises as a printable table (what :func:`list` returns)."""

    def __repr__(self) -> str:
        rows = [f"{e.name:<10} {e.title}"
                + (f"  [{', '.join(f'{k}={v}' for k, v in e.params.items())}]" if e.params else "")
                for e in self]
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td><code>{e.name}</code></td><td>{html.escape(e.title)}</td>"
                       f"<td>{html.escape(', '.join(f'{k}={v}' for k, v in e.params.items()))}"
                       "</td></tr>"
                       for e in self)
        return f"<table><tr><th>name</th><th>loss</th><th>hyper-parameters</th></tr>{rows}</table>"


def available() -> tuple[str, ...]:
    """The exercise names :func:`check` accepts (aliases such as ``"pinball"`` included).

    >>> "huber" in available() and "pinball" in available()
    True
    """
    return tuple(sorted(EXERCISES))


def list() -> _Catalogue:  # noqa: A001  (the documented name: lb.exercises.list())
    """The exercises, one per loss, with their hyper-parameters (a printable table)."""
    unique = {id(e): e for e in EXERCISES.values()}
    return _Catalogue(sorted(unique.values(), key=lambda e: e.name))


def _get(name) -> Exercise:
    if not isinstance(name, str) or name not in EXERCISES:
        raise ValueError(f"`name` must be one of the exercises {available()}. "
                         f"Received: name={name!r}")
    return EXERCISES[name]


# ---------------------------------------------------------------------------------------
# Comparing and explaining


def _fmt(array) -> str:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.10g}"
    if array.size <= 6:
        return "[" + ", ".join(f"{v:.6g}" for v in array.ravel()) + "]"
    return f"an array of shape {array.shape}"


def _inputs(case: Case) -> str:
    if case.y_true.size <= 6:
        return f"y_true = {_fmt(case.y_true)}, y_pred = {_fmt(case.y_pred)}"
    return f"y_true, y_pred of shape {case.y_true.shape}"


def _difference(case: Case, expected, got, what: str = "") -> str:
    """Expected vs got; for a large array, the element where they differ most."""
    if expected.size <= 6:
        return f"{what}expected {_fmt(expected)}, got {_fmt(got)}"
    gap = np.abs(got - expected)
    index = np.unravel_index(int(np.argmax(np.where(np.isfinite(gap), gap, np.inf))), gap.shape)
    where = (f" (y_true = {case.y_true[index]:.6g}, y_pred = {case.y_pred[index]:.6g})"
             if gap.shape == case.y_true.shape else "")
    return (f"{what}largest difference at index {tuple(int(i) for i in index)}{where}: "
            f"expected {expected[index]:.10g}, got {got[index]:.10g}")


def _expected(exercise: Exercise, case: Case, reduction: str):
    function = getattr(reference, exercise.reference)
    return np.asarray(function(case.y_true, case.y_pred, reduction=reduction, **case.params))


def _close(got, expected, atol=_ATOL) -> bool:
    return bool(np.all(close(got, expected, rtol=_RTOL, atol=atol)))


def _diagnose(exercise: Exercise, case: Case, got, reduction: str) -> str:
    """A hint naming the known mistake whose value the function reproduces, else ''."""
    candidates = [(m.hint, lambda m=m: m.values(case.y_true, case.y_pred, **case.params))
                  for m in exercise.mistakes]
    for hint, values in candidates:
        with contextlib.suppress(Exception), np.errstate(all="ignore"):
            wrong = np.asarray(values(), dtype=np.float64)
            per_sample = wrong if wrong.ndim <= 1 else wrong.mean(axis=-1)
            wrong = {"none": per_sample, "sum": per_sample.sum(),
                     "mean": per_sample.mean()}[reduction]
            if wrong.shape == got.shape and _close(got, wrong) and not _close(wrong, _expected(
                    exercise, case, reduction)):
                return hint
    expected = _expected(exercise, case, reduction)
    if reduction == "mean" and case.y_true.size > 1:
        samples = case.y_true.size / (1 if case.y_true.ndim == 1 else case.y_true.shape[-1])
        if any(_close(got, expected * n) for n in {samples, case.y_true.size}):
            return ("your value is a sum; the exercise wants the mean over all elements "
                    "(divide by how many there are).")
    with contextlib.suppress(Exception):  # the reference may reject swapped inputs
        swapped = _expected(exercise, dataclasses.replace(case, y_true=case.y_pred,
                                                          y_pred=case.y_true), reduction)
        if _close(got, swapped) and not _close(swapped, expected):
            return ("your function seems to read its arguments as (y_pred, y_true); they come as "
                    "(y_true, y_pred). If it takes torch's (input, target), use order=\"torch\".")
    return ""


def _check_value(exercise, case, output, reduction) -> Failure | None:
    expected = _expected(exercise, case, reduction)
    where = f"{case.kind}: {case.description}"
    try:
        got = to_numpy(output, scalar=False)
    except TypeError:
        return Failure(where, f"your function returned a {type(output).__name__}, not a "
                       "number or tensor.",
                       "return the loss as a NumPy value or a tensor of the framework you use.")
    if got.size == 1 and expected.ndim == 0:
        got = got.reshape(())
    if got.shape != expected.shape:
        wanted = ("a single number (the mean loss over all elements)" if expected.ndim == 0
                  else f"one value per sample, shape {expected.shape}")
        hint = ("reduce it to its mean: average over every element." if expected.ndim == 0 else
                "average over the last axis only.")
        return Failure(where, f"{_inputs(case)}\nexpected {wanted}; got shape {got.shape}.", hint)
    if _close(got, expected, case.atol):
        return None
    message = f"{_inputs(case)}\n{_difference(case, expected, got)}"
    hint = _diagnose(exercise, case, got, reduction) or case.hint or exercise.hint
    if np.any(np.isnan(got)):
        message = f"{_inputs(case)}\nyour function returned NaN (expected {_fmt(expected)})"
        hint = case.hint or ("look for 0/0, inf − inf, or a log or square root of a negative "
                             "number. " + exercise.hint)
    elif np.any(np.isinf(got)):
        message = (f"{_inputs(case)}\nyour function returned inf — an overflow? "
                   f"(expected {_fmt(expected)})")
    return Failure(where, message, hint)


def _check_gradient(exercise, case, call: _Call, reduction) -> Failure | None:
    where = f"gradient: {case.description}"
    output, y_pred = call(case, requires_grad=True)
    if not getattr(output, "requires_grad", False):
        return Failure(where, "autograd cannot differentiate your loss: the tensor it returned "
                              "does not depend on y_pred.",
                       "stay in torch operations all the way (no .item(), .detach(), NumPy or "
                       "Python floats in between).")
    output.sum().backward()
    got = (to_numpy(y_pred.grad, scalar=False) if y_pred.grad is not None
           else np.zeros(case.y_pred.shape))
    # the student's output is summed before backward(): "none" has the gradient of "sum"
    expected = reference.gradient(exercise.reference, case.y_true, case.y_pred,
                                  reduction="mean" if reduction == "mean" else "sum", **case.params)
    if _close(got, expected, 1e-9):
        return None
    message = f"{_inputs(case)}\n{_difference(case, expected, got, 'd loss / d y_pred: ')}"
    ratio = got / np.where(expected == 0, np.nan, expected)
    hint = case.hint
    with np.errstate(invalid="ignore"):
        if np.all(np.isclose(ratio[np.isfinite(ratio)], 2.0)) and np.isfinite(ratio).any():
            hint = ("your gradient is twice the true one although the values are right: some "
                    "part of the loss is counted twice by autograd.")
    if np.any(~np.isfinite(got)):
        hint = ("your gradient is not finite here. " + (case.hint or exercise.hint)).strip()
    return Failure(where, message, hint or exercise.hint)


def _raised(error: BaseException, case: Case) -> Failure:
    where = f"{case.kind}: {case.description}"
    if isinstance(error, ForbiddenCall):
        return Failure(where, f"your function calls {error.name}, a ready-made implementation "
                       "of this loss; the exercise is to write the loss yourself, so this "
                       "earns no points.",
                       "build the loss from the framework's basic operations (arithmetic, "
                       "exp, log, abs, where, mean, ...), not from a loss function or class.")
    if isinstance(error, CheckTimeout):
        return Failure(where, f"{_inputs(case)}\nyour function did not return: {error} "
                       "(checks stopped here).",
                       "look for a loop that never ends, or work that grows with the size of "
                       "the values rather than the size of the arrays.")
    text = f"your function raised {type(error).__name__}: {error}".rstrip(": ")
    if isinstance(error, NotImplementedError):
        return Failure(f"{case.kind}: {case.description}", text + " — have you implemented it yet?",
                       "replace the `raise NotImplementedError` line with your code and re-run "
                       "the cell that defines the function.")
    return Failure(f"{case.kind}: {case.description}", f"{_inputs(case)}\n{text}",
                   "read the error above: it comes from your function, not from the checker.")


def check(name: str, student_fn, *, framework: str | None = None, order: str = "keras",
          reduction: str = "mean", strict: bool = False, timeout: float | None = 30.0,
          **params) -> CheckResult:
    """Check ``student_fn`` against the reference loss of exercise ``name``.

    Args:
        name: an exercise from :func:`available` (``"huber"``, ``"log_cosh"``, ``"quantile"``, ...).
        student_fn: the function to check, ``student_fn(y_true, y_pred[, **params])``.
        framework: ``"numpy"``, ``"torch"`` or ``"keras"`` (inputs are given as float64 arrays or
            tensors of that kind); ``None`` detects it from the names the function uses.
        order: ``"keras"`` for ``(y_true, y_pred)``, ``"torch"`` for ``(input, target)``.
        reduction: what the function returns: ``"mean"`` (default, one number), ``"sum"`` or
            ``"none"`` (one value per sample, the mean over the last axis).
        strict: raise ``AssertionError`` (with the report) when a check fails.
        timeout: seconds one call of the function may take (``None``: no limit); a function
            that takes longer fails that check, and the checks stop there.
        **params: hyper-parameters (``delta=``, ``tau=``, ``epsilon=``). If the function accepts
            one as a keyword and it is not fixed here, several values are tried.

    Returns:
        A :class:`CheckResult`. Something that is not callable, a function that raises, hangs
        or calls a ready-made implementation of the loss (the framework's built-in or
        lossbook's own, see ``_guard``) gives a failed result with a plain explanation (an
        ``AssertionError`` if ``strict``).

    >>> import numpy as np
    >>> def my_mse(y_true, y_pred):
    ...     return np.mean((y_true - y_pred) ** 2)
    >>> check("mse", my_mse).passed
    True
    >>> print(check("mae", my_mse).failures[0].case)
    fixed: small residuals of both signs
    """
    exercise = _get(name)
    if framework is not None:
        check_in_choices(framework, "framework", FRAMEWORKS)
    check_in_choices(order, "order", ORDERS)
    check_in_choices(reduction, "reduction", ("mean", "sum", "none"))
    unknown = set(params) - set(exercise.params)
    if unknown:
        raise ValueError(f"Exercise {exercise.name!r} takes the hyper-parameters "
                         f"{tuple(exercise.params)}. Received: {', '.join(sorted(unknown))}")
    accepted = _accepted(student_fn, exercise.params) if callable(student_fn) else frozenset()
    base, cases = cases_for(exercise, fixed=params, vary=accepted - set(params))
    framework = framework or (_detect(student_fn) if callable(student_fn) else None) or "numpy"
    result = CheckResult(name, framework, base, total=len(cases))
    if not callable(student_fn):
        result.failures.append(Failure(
            "setup", f"check() needs your function itself, but it was given "
                     f"{_short(student_fn)} (of type {type(student_fn).__name__}), which cannot be "
                     "called.",
            f"pass the function's name without calling it: check({name!r}, my_function)."))
        result.framework = None
        return result.assert_passed() if strict else result
    if framework != "torch":
        cases = [c for c in cases if c.kind != "gradient"]
        result.total = len(cases)
        result.note = "gradients are checked for torch functions only."
    ready_made = refused(exercise, student_fn)
    if ready_made is not None:  # the function *is* the built-in: no call needed to know
        result.failures.append(_raised(ForbiddenCall(ready_made), cases[0]))
        return result.assert_passed() if strict else result
    call = _Call(student_fn, framework, order, accepted,
                 patches=tuple(patches_for(exercise, student_fn)), timeout=timeout)
    for case in cases:
        try:
            if case.kind == "gradient":
                failure = _check_gradient(exercise, case, call, reduction)
            else:
                failure = _check_value(exercise, case, call(case)[0], reduction)
        except Exception as error:  # the student's code failed: report it, stop checking
            result.failures.append(_raised(error, case))
            break
        result.checked.append(f"[{case.kind}] {case.description}")
        if failure is not None:
            result.failures.append(failure)
    return result.assert_passed() if strict else result


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
