"""Analytic gradients of the reference losses with respect to ``y_pred``.

:func:`gradient` returns :math:`\\partial L / \\partial \\hat y` for ``reduction="sum"``, or for
``"mean"`` the ``"sum"`` gradient divided by the number of per-sample values (a loss whose
``"mean"`` is something else, RMSE, registers a ``"mean"`` gradient of its own). One module per
task, as in :mod:`lossbook.reference`, registers its gradients in :mod:`._registry`; each
private ``_grad_*`` function states its formula in its docstring, and the tests hold every one
equal to central finite differences in float64 and to torch autograd.

Element-wise losses average the last axis (size :math:`D`, 1 for a 1-D input), hence the
factor :math:`1/D` in their gradients. Kinks use one fixed subgradient, said in the
docstring (``sign(0) = 0`` for MAE).
"""

from __future__ import annotations

from lossbook.reference.gradients import (  # noqa: F401  (importing registers the gradients)
    classification,
    margins,
    mining,
    pairs,
    preference,
    probabilistic,
    regression,
    segmentation,
    sequence,
)
from lossbook.reference.gradients._registry import gradient, names

__all__ = ["GRADIENT_NAMES", "gradient"]

GRADIENT_NAMES = names()
