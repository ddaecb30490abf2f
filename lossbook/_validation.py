"""Input validation shared by every module of lossbook.

One place for shape, dtype, range and reduction checks, so that every error reads the
same way: it names the argument, says what was expected and ends with what was received,
in the style of Keras' own messages::

  ValueError: `y_pred` must contain probabilities in [0, 1]. Received: y_pred with min=-0.2, max=1.3

Nothing here reshapes, broadcasts or clips silently; user input is never checked with
``assert`` (which ``python -O`` removes).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

__all__ = [
    "REDUCTIONS",
    "as_float_array",
    "as_label_array",
    "check_array_in_range",
    "check_array_min",
    "check_binary_labels",
    "check_distribution",
    "check_in_choices",
    "check_int",
    "check_nonnegative",
    "check_nonzero",
    "check_open_unit_interval",
    "check_positive",
    "check_probabilities",
    "check_reduction",
    "check_same_shape",
    "check_unit_interval",
    "describe",
    "reduce",
]

REDUCTIONS = ("none", "mean", "sum")


def describe(value) -> str:
    """A short description of ``value`` for an error message (arrays by shape and range)."""
    if isinstance(value, np.ndarray):
        if value.size == 0:
            return f"an empty array of shape {value.shape}"
        if value.size <= 6:
            return f"array({value.tolist()!r}) of shape {value.shape}"
        if (np.issubdtype(value.dtype, np.number)
                and not np.issubdtype(value.dtype, np.complexfloating)):
            with np.errstate(invalid="ignore"):
                return (f"an array of shape {value.shape}, dtype {value.dtype}, "
                        f"min={np.nanmin(value):.6g}, max={np.nanmax(value):.6g}")
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _received(name: str, value) -> str:
    return f"Received: {name}={describe(value)}"


def as_float_array(value, name: str, *, allow_nonfinite: bool = False,
                   min_ndim: int = 1) -> np.ndarray:
    """``value`` as a float64 array; a clear ``TypeError``/``ValueError`` otherwise.

    Rejects non-numeric input (strings, objects, complex), booleans are accepted as 0/1,
    arrays with fewer than ``min_ndim`` dimensions, and NaN or infinity unless
    ``allow_nonfinite``.
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # a TF/Keras tensor
        value = value.numpy()
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists and other non-arrays
        raise TypeError(f"`{name}` must be an array of numbers. "
                        f"{_received(name, value)}") from error
    if array.dtype == bool:
        array = array.astype(np.float64)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(
            f"`{name}` must be an array of real numbers, not dtype {array.dtype}. "
            f"{_received(name, value)}"
        )
    array = array.astype(np.float64, copy=False)
    if array.ndim < min_ndim:
        raise ValueError(
            f"`{name}` must have at least {min_ndim} dimension(s) (samples first). "
            f"Received: {name} with shape {array.shape}"
        )
    if not allow_nonfinite and not np.all(np.isfinite(array)):
        bad = "NaN" if np.any(np.isnan(array)) else "infinity"
        raise ValueError(f"`{name}` must be finite, but it contains {bad}. "
                         f"{_received(name, array)}")
    return array


def as_label_array(value, name: str, *, num_classes: int | None = None) -> np.ndarray:
    """Integer class labels as an int64 array, each in ``[0, num_classes)`` when given.

    Floats are accepted only when they are whole numbers (``2.0``), never rounded.
    """
    array = (as_float_array(value, name, min_ndim=1) if not _is_int_array(value)
             else np.asarray(value))
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(array == np.round(array)):
            raise ValueError(f"`{name}` must contain integer class labels. "
                             f"{_received(name, array)}")
    labels = array.astype(np.int64)
    if num_classes is not None:
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"`{name}` must contain class labels in [0, {num_classes}) "
                f"(C={num_classes} classes). {_received(name, labels)}"
            )
    return labels


def _is_int_array(value) -> bool:
    try:
        return np.issubdtype(np.asarray(value).dtype, np.integer)
    except Exception:
        return False


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str = "y_true",
                     name_b: str = "y_pred") -> None:
    """Raise unless ``a`` and ``b`` have exactly the same shape (nothing is broadcast)."""
    if a.shape != b.shape:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same shape; nothing is broadcast. "
            f"Received: {name_a}.shape={a.shape}, {name_b}.shape={b.shape}"
        )


def check_probabilities(p: np.ndarray, name: str) -> None:
    """Raise unless every entry of ``p`` lies in [0, 1]."""
    if p.size and (p.min() < 0.0 or p.max() > 1.0):
        raise ValueError(
            f"`{name}` must contain probabilities in [0, 1] (pass logits with from_logits=True). "
            f"{_received(name, p)}"
        )


def check_distribution(p: np.ndarray, name: str, *, atol: float = 1e-6) -> None:
    """Raise unless ``p`` holds probabilities whose rows (last axis) sum to 1."""
    check_probabilities(p, name)
    sums = p.sum(axis=-1)
    if sums.size and np.max(np.abs(sums - 1.0)) > atol:
        worst = sums.flat[int(np.argmax(np.abs(sums - 1.0)))]
        raise ValueError(
            f"`{name}` must be a probability distribution over the last axis (rows summing to 1). "
            f"Received: {name} with a row summing to {worst:.6g}"
        )


def check_array_min(a: np.ndarray, name: str, minimum: float, *, strict: bool = False,
                    hint: str = "") -> None:
    """Raise unless every entry of ``a`` is ``>= minimum`` (``> minimum`` when ``strict``).

    ``hint`` (optional) is one sentence appended to the message, e.g. why the bound exists.
    """
    bad = (a <= minimum) if strict else (a < minimum)
    if a.size and np.any(bad):
        relation = ">" if strict else ">="
        extra = f" {hint}" if hint else ""
        raise ValueError(
            f"`{name}` must contain only values {relation} {minimum:g}.{extra} "
            f"{_received(name, a)}"
        )


def check_array_in_range(a: np.ndarray, name: str, low: float, high: float, *,
                         hint: str = "") -> None:
    """Raise unless every entry of ``a`` lies in the closed interval ``[low, high]``."""
    if a.size and (a.min() < low or a.max() > high):
        extra = f" {hint}" if hint else ""
        raise ValueError(
            f"`{name}` must contain only values in [{low:g}, {high:g}].{extra} {_received(name, a)}"
        )


def check_nonzero(a: np.ndarray, name: str, *, hint: str = "") -> None:
    """Raise if any entry of ``a`` is exactly zero (e.g. before dividing by it)."""
    if a.size and np.any(a == 0):
        extra = f" {hint}" if hint else ""
        raise ValueError(
            f"`{name}` must not contain zeros.{extra} "
            f"Received: {name} with {int(np.sum(a == 0))} zero(s), {describe(a)}"
        )


def check_binary_labels(y: np.ndarray, name: str, allowed: Iterable[float] = (0.0, 1.0)) -> None:
    """Raise unless every entry of ``y`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if y.size and not np.all(np.isin(y, allowed)):
        shown = ", ".join(f"{a:g}" for a in allowed)
        bad = np.unique(y[~np.isin(y, allowed)])[:5]
        raise ValueError(
            f"`{name}` must contain only labels in {{{shown}}}. "
            f"Received: {name} with values such as {bad.tolist()}"
        )


def _check_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number. Received: {name}={describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"`{name}` must be finite. Received: {name}={value!r}")
    return value


def check_positive(value, name: str) -> float:
    """``value`` as a float, if it is a finite number > 0."""
    value = _check_number(value, name)
    if value <= 0:
        raise ValueError(f"`{name}` must be > 0. Received: {name}={value!r}")
    return value


def check_nonnegative(value, name: str) -> float:
    """``value`` as a float, if it is a finite number >= 0."""
    value = _check_number(value, name)
    if value < 0:
        raise ValueError(f"`{name}` must be >= 0. Received: {name}={value!r}")
    return value


def check_open_unit_interval(value, name: str) -> float:
    """``value`` as a float, if it lies strictly between 0 and 1."""
    value = _check_number(value, name)
    if not 0.0 < value < 1.0:
        raise ValueError(f"`{name}` must lie in the open interval (0, 1). "
                         f"Received: {name}={value!r}")
    return value


def check_unit_interval(value, name: str) -> float:
    """``value`` as a float, if it lies in [0, 1]."""
    value = _check_number(value, name)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"`{name}` must lie in [0, 1]. Received: {name}={value!r}")
    return value


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """``value`` as an int (bools and floats rejected), optionally ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer. Received: {name}={describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}. Received: {name}={value!r}")
    return value


def check_in_choices(value, name: str, choices: Iterable) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}. Received: {name}={describe(value)}")


def check_reduction(reduction) -> str:
    """Return ``reduction`` if it is one of ``"none"``, ``"mean"``, ``"sum"``."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"`reduction` must be one of {REDUCTIONS}. "
                         f"Received: reduction={describe(reduction)}")
    return reduction


def reduce(values: np.ndarray, reduction: str = "mean", sample_weight=None):
    """Reduce per-sample loss ``values`` (shape ``[batch, ...]``) the way Keras does.

    ``"none"`` returns the (weighted) values unchanged; ``"sum"`` adds them up; ``"mean"``
    divides that sum by the number of values, **not** by the sum of the weights — Keras'
    default ``"sum_over_batch_size"`` (see the "Framework traps" appendix, trap 7).

    ``sample_weight``, when given, must have the shape of ``values``.
    """
    check_reduction(reduction)
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is not None:
        weights = as_float_array(sample_weight, "sample_weight", min_ndim=0)
        if weights.shape != values.shape:
            raise ValueError(
                "`sample_weight` must have one weight per sample, the shape of the per-sample "
                f"losses. Received: sample_weight.shape={weights.shape}, expected {values.shape}"
            )
        values = values * weights
    if reduction == "none":
        return values
    total = float(np.sum(values))
    return total if reduction == "sum" else total / max(values.size, 1)
