"""NumPy, torch and Keras numbers side by side, and checks that fail loudly.

Two entry points:

- :func:`compare` / :func:`assert_agree` run one catalogue loss through the reference and both
  frameworks on the same inputs and tabulate the values, their differences and a status per
  framework: ``agrees`` (within the entry's float32 tolerance), ``explained`` (outside it, but
  exactly what a documented framework difference gives on *these* inputs — the "Framework
  traps" appendix row is named), ``DIFFERS`` or ``error``.
- :func:`check` is for notebooks that call framework code themselves::

      lb.compare.check(lb.reference.huber(y, y_hat, delta=2.0), torch=t_value, keras=k_value)

  It converts tensors to NumPy, shows one line per framework and raises :class:`Disagreement`
  naming the framework that disagrees.

A gap is never hidden by a wider tolerance: ``explained`` requires that the documented rule
(e.g. Keras clipping probabilities to ``[1e-7, 1 - 1e-7]``) changes the value on these inputs
and that the framework's value matches the rule's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from lossbook import catalog
from lossbook._arrays import float32_exact, to_numpy
from lossbook.catalog import FRAMEWORKS, KnownDifference, Tolerance

__all__ = ["Check", "Comparison", "Disagreement", "Row", "assert_agree", "check", "compare"]

_FLOAT32 = KnownDifference(
    "any", 20, "computed in float32: the inputs are rounded to float32 first",
    rule=None,  # the reference itself on float32-rounded inputs (see float32_exact)
)


class Disagreement(AssertionError):
    """A framework's value differs from the reference (the message holds the table)."""


@dataclass
class Row:
    """One framework's result in a :class:`Comparison` or a :class:`Check`."""

    framework: str
    value: object = None  # float, float64 array, or None after an error
    abs_diff: float = float("nan")
    rel_diff: float = float("nan")
    status: str = "agrees"  # agrees | explained | DIFFERS | error
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("agrees", "explained")


def _differences(value, expected) -> tuple[float, float]:
    value, expected = np.asarray(value, np.float64), np.asarray(expected, np.float64)
    if value.shape != expected.shape:
        return float("nan"), float("nan")
    if value.size == 0:
        return 0.0, 0.0
    with np.errstate(invalid="ignore"):
        gap = np.where(value == expected, 0.0, np.abs(value - expected))  # inf == inf: no gap
        absolute = float(np.max(gap))
        scale = float(np.max(np.abs(expected)))
    return absolute, (absolute / scale if scale > 0 else (0.0 if absolute == 0 else np.inf))


def _close(value, expected, tolerance: Tolerance) -> bool:
    value, expected = np.asarray(value, np.float64), np.asarray(expected, np.float64)
    return value.shape == expected.shape and bool(np.all(tolerance.close(value, expected)))


def _show(value, digits: int = 8) -> str:
    if value is None:
        return "—"
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{float(array):.{digits}g}"
    text = np.array2string(array.ravel()[:4], precision=5, separator=", ",
                           formatter={"float_kind": lambda x: f"{x:.6g}"})
    more = ", ...]" if array.size > 4 else "]"
    return f"{text[:-1]}{more} {array.shape}"


def _number(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.2g}"


@dataclass
class Comparison:
    """Result of :func:`compare`: the reference, each framework's row, and :attr:`ok`."""

    name: str
    params: dict
    reference: object
    rows: list = field(default_factory=list)
    reference_error: str = ""
    tolerance: Tolerance = field(default_factory=Tolerance)

    @property
    def ok(self) -> bool:
        """True when the reference ran and every framework agrees or is explained."""
        return not self.reference_error and all(row.ok for row in self.rows)

    @property
    def explained(self) -> list:
        """The rows whose gap a documented difference explains."""
        return [row for row in self.rows if row.status == "explained"]

    def __getitem__(self, framework: str) -> Row:
        for row in self.rows:
            if row.framework == framework:
                return row
        raise KeyError(framework)

    def _title(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"

    def _table(self):
        head = ("", "value", "|Δ|", "rel. Δ", "status")
        reference = "raised (below)" if self.reference_error else _show(self.reference)
        lines = [("reference (float64)", reference, "", "", "")]
        for row in self.rows:
            status = row.status + (f": {row.note}" if row.note else "")
            lines.append((row.framework, _show(row.value), _number(row.abs_diff),
                          _number(row.rel_diff), status))
        return head, lines

    def __str__(self) -> str:
        head, lines = self._table()
        widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(4)]
        out = [self._title() + f"  [tolerance rtol={self.tolerance.rtol:g}, "
               f"atol={self.tolerance.atol:g}]"]
        for row in [head, *lines]:
            out.append("  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths, strict=True))
                       + "  " + row[4])
        if self.reference_error:
            out.append(f"reference raised {self.reference_error}")
        return "\n".join(line.rstrip() for line in out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, lines = self._table()
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in line) + "</tr>"
            for line in lines)
        note = (f"<p>reference raised {html.escape(self.reference_error)}</p>"
                if self.reference_error else "")
        return (f"<table><caption><code>{html.escape(self._title())}</code></caption>"
                f"<tr>{cells}</tr>{body}</table>{note}")


def _classify(row: Row, entry, reference, y_true, y_pred, params) -> Row:
    """Set ``row.status`` from the value, the reference and the documented differences."""
    tolerance = entry.tolerance
    if reference is not None and _close(row.value, reference, tolerance):
        row.status = "agrees"
        return row
    rounded_true, rounded_pred = float32_exact(y_true), float32_exact(y_pred)
    candidates = [_FLOAT32, *entry.differences(row.framework)]
    for difference in candidates:
        rule = difference.rule or entry.reference
        try:
            expected = rule(rounded_true, rounded_pred, **params)
        except (ValueError, TypeError, FloatingPointError):
            continue
        triggered = reference is None or not _close(expected, reference, tolerance)
        if triggered and _close(row.value, expected, tolerance):
            row.status, row.note = "explained", str(difference)
            return row
    row.status = "DIFFERS"
    return row


def compare(name: str, y_true, y_pred, *, frameworks=FRAMEWORKS, **params) -> Comparison:
    """Run catalogue loss ``name`` in the reference, torch and Keras on the same inputs.

    ``params`` are the loss's hyper-parameters and ``reduction`` (default ``"mean"``).
    Returns a :class:`Comparison`; printing it (or leaving it last in a notebook cell) shows
    the table.
    """
    entry = catalog.get(name)
    params = {"reduction": "mean", **params}
    full_params = {**entry.fixed_params, **params}
    try:
        reference = entry.reference(y_true, y_pred, **params)
        reference_error = ""
    except (ValueError, TypeError) as error:
        reference, reference_error = None, f"{type(error).__name__}: {error}"
    result = Comparison(name, params, reference, reference_error=reference_error,
                        tolerance=entry.tolerance)
    for framework in frameworks:
        row = Row(framework)
        try:
            row.value = to_numpy(entry.run(framework, y_true, y_pred, **params))
        except Exception as error:  # a framework's own error is a result to show
            row.status, row.note = "error", f"{type(error).__name__}: {error}"[:200]
            result.rows.append(row)
            continue
        if reference is not None:
            row.abs_diff, row.rel_diff = _differences(row.value, reference)
        result.rows.append(_classify(row, entry, reference, y_true, y_pred, full_params))
    return result


def assert_agree(name: str, y_true, y_pred, *, allow_explained: bool = True, **params):
    """:func:`compare`, raising :class:`Disagreement` (with the table) unless every framework
    agrees with the reference (or, with ``allow_explained``, differs only as documented)."""
    result = compare(name, y_true, y_pred, **params)
    bad = [row.framework for row in result.rows
           if not row.ok or (row.status == "explained" and not allow_explained)]
    if result.reference_error or bad:
        who = ", ".join(bad) or "reference"
        raise Disagreement(f"{who} disagree(s) with the reference for {name}:\n{result}")
    return result


# ----------------------------------------------------------------------------------- check


@dataclass
class Check:
    """Result of :func:`check`: the expected value and one row per framework."""

    expected: object
    rows: list
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def _lines(self):
        lines = [("expected", _show(self.expected), "")]
        for row in self.rows:
            mark = "✓" if row.ok else "✗ DIFFERS"
            lines.append((row.framework, _show(row.value), f"{mark}  |Δ| = {row.abs_diff:.1e}"))
        return lines

    def __repr__(self) -> str:
        lines = self._lines()
        widths = [max(len(line[i]) for line in lines) for i in range(2)]
        return "\n".join(f"{a.ljust(widths[0])}  {b.ljust(widths[1])}  {c}".rstrip()
                         for a, b, c in lines)

    def _repr_html_(self) -> str:
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in line) + "</tr>"
                       for line in self._lines())
        return f"<table>{body}</table>"


def check(expected, *, rtol: float = 1e-5, atol: float = 1e-7, **values) -> Check:
    """Check framework values against an expected (reference) value; raise if one differs.

    ``values``: one keyword per framework (``torch=...``, ``keras=...``, any name), each a
    torch / TensorFlow / JAX tensor, NumPy array or number. Passes when
    ``|value - expected| <= atol + rtol * |expected|`` everywhere (shapes must match).
    Returns a :class:`Check` whose display is a small table of numbers.

    >>> check(2.5, torch=2.5000001, keras=2.4999999)
    expected  2.5
    torch     2.5000001  ✓  |Δ| = 1.0e-07
    keras     2.4999999  ✓  |Δ| = 1.0e-07
    """
    if not values:
        raise TypeError("`check` needs at least one value to check, e.g. torch=..., keras=... "
                        "Received: no keyword arguments")
    expected_array = to_numpy(expected)
    tolerance = Tolerance(rtol=rtol, atol=atol)
    rows = []
    for framework, value in values.items():
        row = Row(framework, to_numpy(value))
        row.abs_diff, row.rel_diff = _differences(row.value, expected_array)
        if not _close(row.value, expected_array, tolerance):
            row.status = "DIFFERS"
            if np.shape(row.value) != np.shape(expected_array):
                row.note = f"shape {np.shape(row.value)} != expected {np.shape(expected_array)}"
        rows.append(row)
    result = Check(expected_array, rows, rtol, atol)
    bad = [row for row in rows if not row.ok]
    if bad:
        details = "; ".join(
            f"{row.framework}: expected {_show(expected_array)}, got {_show(row.value)}"
            + (f" ({row.note})" if row.note else f" (|Δ| = {row.abs_diff:.3g})") for row in bad)
        raise Disagreement(f"{', '.join(r.framework for r in bad)} disagree(s) with the "
                           f"expected value (rtol={rtol:g}, atol={atol:g}): {details}\n{result!r}")
    return result
