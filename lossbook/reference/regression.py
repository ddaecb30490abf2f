"""Regression losses: the NumPy float64 reference (exact math, no silent clipping).

Shapes: ``y_true`` and ``y_pred`` have exactly the same shape, either ``[batch]`` (one value
per sample) or ``[batch, ..., features]``. ``reduction="none"`` returns one value per sample:
the mean over the last axis (Keras' functional form), shape ``[batch, ...]``; a 1-D input
returns its ``[batch]`` values unchanged. ``"mean"`` averages the per-sample values (weighted
by ``sample_weight``, divided by their count, not by the sum of weights); ``"sum"`` adds them.

The residual is written :math:`r = y - \\hat y` throughout (the sign only matters for
:func:`quantile`).
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    check_array_min,
    check_nonnegative,
    check_nonzero,
    check_open_unit_interval,
    check_positive,
    reduce,
)
from lossbook.reference._common import LOG2, mean_last, pair, xlogy

__all__ = [
    "huber",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "quantile",
    "root_mean_squared_error",
]


def mean_squared_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Mean squared error (MSE, the Gaussian negative log-likelihood up to constants).

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} (y_{ij} - \\hat y_{ij})^2

    with :math:`y` the targets, :math:`\\hat y` the predictions and :math:`D` the size of the
    last axis (:math:`D = 1` for a 1-D input).

    Args:
        y_true: targets, ``[batch]`` or ``[batch, ..., features]``.
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (per-sample values ``[batch, ...]``).
        sample_weight: optional weights of the per-sample values' shape.

    Returns:
        A float, or an array ``[batch, ...]`` for ``reduction="none"``.

    Reference: Gauss, *Theoria motus corporum coelestium*, 1809 (least squares).

    >>> mean_squared_error([0.0, 0.0], [1.0, 3.0])  # (1 + 9) / 2
    5.0
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    return reduce(mean_last((y_true - y_pred) ** 2), reduction, sample_weight)


def mean_absolute_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Mean absolute error (MAE, L1 loss; the Laplace negative log-likelihood).

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} |y_{ij} - \\hat y_{ij}|

    Symbols and shapes as in :func:`mean_squared_error`. Its gradient at a zero residual is
    a subgradient; :func:`lossbook.reference.gradient` uses ``sign(0) = 0``.

    Reference: Laplace, *Mémoire sur la probabilité des causes par les événements*, 1774.

    >>> mean_absolute_error([0.0, 0.0], [1.0, -3.0])  # (1 + 3) / 2
    2.0
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    return reduce(mean_last(np.abs(y_true - y_pred)), reduction, sample_weight)


def root_mean_squared_error(y_true, y_pred, *, epsilon=0.0, reduction="mean",
                            sample_weight=None):
    """Root mean squared error (RMSE), optionally smoothed by ``epsilon`` inside the root.

    .. math::
        \\ell_i = \\sqrt{\\frac{1}{D} \\sum_{j=1}^{D} (y_{ij} - \\hat y_{ij})^2 + \\epsilon},
        \\qquad
        L_{\\text{mean}} = \\sqrt{\\frac{1}{N} \\sum_{i=1}^{N} w_i\\, \\text{MSE}_i + \\epsilon}

    Reductions (the one loss where ``"mean"`` is *not* the mean of ``"none"``):

    - ``"none"``: per-sample RMSE over the last axis, :math:`\\ell_i` (for a 1-D input,
      :math:`\\sqrt{r_i^2 + \\epsilon} = |r_i|` when :math:`\\epsilon = 0`);
    - ``"mean"``: the square root of the overall (weighted) MSE, the root of
      ``keras.losses.MeanSquaredError`` — the semantics of ``keras.metrics.RootMeanSquaredError``
      and of "RMSE" as usually reported;
    - ``"sum"``: the sum of the per-sample values :math:`\\sum_i w_i \\ell_i`.

    ``epsilon`` (>= 0) smooths the root: with ``epsilon=0`` the gradient at a perfect fit is
    0/0 (NaN in autograd), the reason neither torch nor Keras ships RMSE as a loss
    (trap 21); a training loss uses a small ``epsilon`` such as 1e-8.

    Symbols and shapes as in :func:`mean_squared_error`.

    Reference: Hyndman and Koehler, *Another look at measures of forecast accuracy*, 2006.

    >>> root_mean_squared_error([0.0, 0.0], [3.0, 5.0])  # sqrt((9 + 25) / 2) = sqrt(17)
    4.123105625617661
    >>> root_mean_squared_error([[0.0, 0.0]], [[3.0, 4.0]], reduction="none")  # sqrt(12.5)
    array([3.53553391])
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    epsilon = check_nonnegative(epsilon, "epsilon")
    mse = mean_last((y_true - y_pred) ** 2)
    if reduction == "mean":
        return float(np.sqrt(reduce(mse, "mean", sample_weight) + epsilon))
    return reduce(np.sqrt(mse + epsilon), reduction, sample_weight)


def mean_absolute_percentage_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Mean absolute percentage error (MAPE), in percent, with an exact division by :math:`|y|`.

    .. math::
        \\ell_i = \\frac{100}{D} \\sum_{j=1}^{D} \\frac{|y_{ij} - \\hat y_{ij}|}{|y_{ij}|}

    A target equal to zero makes the loss undefined, so it is a ``ValueError`` here; Keras
    divides by :math:`\\max(|y|, 10^{-7})` instead (trap 22: a difference the compare layer
    documents). Symbols and shapes as in :func:`mean_squared_error`.

    Reference: Hyndman and Koehler, *Another look at measures of forecast accuracy*, 2006.

    >>> mean_absolute_percentage_error([2.0], [1.0])  # 100 * |2 - 1| / 2
    50.0
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_nonzero(y_true, "y_true", hint="MAPE divides by |y_true|; the reference does not clip.")
    return reduce(mean_last(100.0 * np.abs(y_true - y_pred) / np.abs(y_true)),
                  reduction, sample_weight)


def mean_squared_logarithmic_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Mean squared logarithmic error (MSLE) for non-negative targets and predictions.

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D}
        \\bigl(\\log(1 + \\hat y_{ij}) - \\log(1 + y_{ij})\\bigr)^2

    computed with ``log1p`` (exact for small values). The loss is meant for non-negative
    quantities (counts, prices), so the reference refuses negative ``y_true`` or ``y_pred``
    with a ``ValueError``; Keras silently clips them to :math:`10^{-7}` (trap 22), torch has no
    MSLE. Symbols and shapes as in :func:`mean_squared_error`.

    Reference: Hyndman and Koehler, *Another look at measures of forecast accuracy*, 2006.

    >>> round(mean_squared_logarithmic_error([0.0], [np.e - 1.0]), 12)  # (log e - log 1)^2
    1.0
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    for array, name in ((y_true, "y_true"), (y_pred, "y_pred")):
        check_array_min(array, name, 0.0, hint="MSLE is defined here for non-negative values.")
    return reduce(mean_last((np.log1p(y_pred) - np.log1p(y_true)) ** 2), reduction, sample_weight)


def huber(y_true, y_pred, *, delta=1.0, reduction="mean", sample_weight=None):
    """Huber loss: quadratic for small residuals, linear (slope ``delta``) for large ones.

    .. math::
        h_\\delta(r) = \\begin{cases} \\tfrac12 r^2 & |r| \\le \\delta \\\\
        \\delta\\,(|r| - \\tfrac12 \\delta) & |r| > \\delta \\end{cases},
        \\qquad \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} h_\\delta(y_{ij} - \\hat y_{ij})

    with :math:`\\delta > 0` the threshold. This is Keras ``Huber(delta)`` and torch
    ``HuberLoss(delta)``; torch ``SmoothL1Loss(beta)`` is :math:`h_\\beta / \\beta` (trap 14).
    Symbols and shapes as in :func:`mean_squared_error`.

    Reference: Huber, *Robust Estimation of a Location Parameter*, 1964.

    >>> huber([0.0, 0.0], [0.5, 3.0])  # (0.5 * 0.5**2 + 1 * (3 - 0.5)) / 2
    1.3125
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    delta = check_positive(delta, "delta")
    abs_residual = np.abs(y_true - y_pred)
    # minimum(|r|, delta) splits |r| into a quadratic and a linear part (as optax does), so
    # no branch is evaluated where it does not apply and the gradient is not doubled.
    quadratic = np.minimum(abs_residual, delta)
    linear = abs_residual - quadratic
    return reduce(mean_last(0.5 * quadratic**2 + delta * linear), reduction, sample_weight)


def log_cosh(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Log-cosh loss: about ½r² for small residuals and :math:`|r| - \\log 2` for large ones.

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} \\log\\cosh(\\hat y_{ij} - y_{ij})

    evaluated as :math:`|r| + \\log(1 + e^{-2|r|}) - \\log 2`, which never overflows (the naive
    ``log(cosh(r))`` is inf from :math:`|r| \\approx 710`). Symbols and shapes as in
    :func:`mean_squared_error`.

    Reference: Chen et al., *Log Hyperbolic Cosine Loss Improves Variational Auto-Encoder*, 2019.

    >>> round(log_cosh([0.0], [1e8]), 6)  # 1e8 - log 2
    99999999.306853
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    abs_residual = np.abs(y_pred - y_true)
    # log cosh r = |r| + log1p(exp(-2|r|)) - log 2: exp of a non-positive number only.
    values = abs_residual + np.log1p(np.exp(-2.0 * abs_residual)) - LOG2
    return reduce(mean_last(values), reduction, sample_weight)


def quantile(y_true, y_pred, *, tau=0.5, reduction="mean", sample_weight=None):
    """Quantile (pinball) loss: its minimiser is the ``tau``-quantile of the target.

    .. math::
        \\rho_\\tau(r) = \\max(\\tau r, (\\tau - 1) r), \\quad r = y - \\hat y,
        \\qquad \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D} \\rho_\\tau(r_{ij})

    with :math:`\\tau \\in (0, 1)`: under-prediction (:math:`r > 0`) costs :math:`\\tau` per
    unit, over-prediction :math:`1 - \\tau`. :math:`\\tau = 0.5` gives half the MAE.
    Symbols and shapes as in :func:`mean_squared_error`.

    Reference: Koenker and Bassett, *Regression Quantiles*, 1978.

    >>> quantile([1.0, 1.0], [0.0, 2.0], tau=0.9)  # (0.9 * 1 + 0.1 * 1) / 2
    0.5
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    tau = check_open_unit_interval(tau, "tau")
    residual = y_true - y_pred
    return reduce(mean_last(np.maximum(tau * residual, (tau - 1.0) * residual)),
                  reduction, sample_weight)


def poisson(y_true, y_pred, *, reduction="mean", sample_weight=None):
    """Poisson negative log-likelihood (without the constant log y!) for counts.

    .. math::
        \\ell_i = \\frac{1}{D} \\sum_{j=1}^{D}
        \\bigl(\\hat y_{ij} - y_{ij} \\log \\hat y_{ij}\\bigr)

    with :math:`y \\ge 0` the observed counts and :math:`\\hat y \\ge 0` the predicted **rate**
    (not its logarithm). :math:`0 \\log 0 = 0`, so :math:`\\hat y = 0` with :math:`y = 0`
    gives 0; :math:`\\hat y = 0` with :math:`y > 0` is an impossible observation and gives
    ``inf`` (returned, not raised: the math's answer, like cross-entropy at p = 0). A negative
    rate or count is a ``ValueError``. Keras ``Poisson`` adds :math:`10^{-7}` inside the log;
    torch ``PoissonNLLLoss`` expects the log-rate unless ``log_input=False`` (trap 13).

    Shapes as in :func:`mean_squared_error`.

    Reference: McCullagh and Nelder, *Generalized Linear Models*, 1989.

    >>> poisson([0.0, 2.0], [1.0, 1.0])  # (1 - 0 + 1 - 2 log 1) / 2
    1.0
    """
    y_true, y_pred = pair(y_true, y_pred, reduction)
    check_array_min(y_true, "y_true", 0.0, hint="Poisson targets are counts.")
    check_array_min(y_pred, "y_pred", 0.0, hint="`y_pred` is the Poisson rate (not log-rate).")
    return reduce(mean_last(y_pred - xlogy(y_true, y_pred)), reduction, sample_weight)
