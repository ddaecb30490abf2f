"""Figures of the book: loss and gradient curves, fits, training histories, decision regions.

Every function returns a :class:`matplotlib.figure.Figure` with axis labels, a title and a
legend, in one style (:func:`use_style`, applied automatically). The figure is detached
from pyplot: in a notebook it appears once, when it is the value of a cell, and many
figures never pile up in memory. ``fig.savefig(...)`` or ``display(fig)`` work as usual::

    lb.plot.loss_curves(["mean_squared_error", "mean_absolute_error", "huber"])

Losses are named as in :mod:`lossbook.catalog` / :mod:`lossbook.reference`, or given as
callables ``fn(y_true, y_pred) -> per-sample values``.

One module per kind of figure (``curves``, ``training``); every function is re-exported
here: ``lossbook.plot.loss_curves``.
"""

from __future__ import annotations

from lossbook.plot._style import (
    KINDS,
    use_style,
)
from lossbook.plot.curves import (
    loss_curves,
    small_multiples,
)
from lossbook.plot.training import (
    decision_boundary,
    fits,
    histories,
    quantile_bands,
)

__all__ = [
    "KINDS",
    "decision_boundary",
    "fits",
    "histories",
    "loss_curves",
    "quantile_bands",
    "small_multiples",
    "use_style",
]
