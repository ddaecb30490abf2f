"""Regression losses Keras lacks: the quantile (pinball) loss and RMSE as a loss."""

from __future__ import annotations

from lossbook.keras._base import _MEAN_REDUCTIONS, _Loss, keras, ops

__all__ = ["Quantile", "RootMeanSquaredError", "quantile"]


def quantile(y_true, y_pred, tau=0.5):
    r"""Quantile (pinball) loss :math:`\max(\tau r, (\tau - 1) r)`, :math:`r = y - \hat y`.

    Averaged over the last axis: one value per sample, like ``keras.losses.mean_absolute_error``.

    >>> round(float(ops.convert_to_numpy(quantile([[2.0]], [[0.0]], tau=0.9))[0]), 6)  # 0.9 * 2
    1.8
    """
    y_pred = ops.convert_to_tensor(y_pred)
    residual = ops.cast(y_true, y_pred.dtype) - y_pred
    if not isinstance(tau, (int, float)):  # one level per column: a tensor of y_pred's dtype
        tau = ops.convert_to_tensor(tau, dtype=y_pred.dtype)
    # max(tau r, (tau - 1) r) = |r| / 2 + (tau - 1/2) r: one abs and no comparison, whose
    # gradient is cheap on every backend (maximum's is a comparison and two selections); a
    # float32 rounding of eps / (2 min(tau, 1 - tau)) at most, a few ulps unless tau is extreme
    return ops.mean(0.5 * ops.abs(residual) + (tau - 0.5) * residual, axis=-1)


@keras.saving.register_keras_serializable(package="lossbook")
class Quantile(_Loss):
    """``Quantile(tau=0.5)``: the loss class of :func:`quantile`.

    >>> round(float(ops.convert_to_numpy(Quantile(tau=0.9)([[2.0], [0.0]], [[0.0], [2.0]]))), 6)
    1.0
    """

    function = staticmethod(quantile)
    defaults = {"tau": 0.5}

    def __init__(self, tau=0.5, reduction="sum_over_batch_size", name="quantile", dtype=None):
        super().__init__(reduction, name, dtype, tau=tau)


def _mean_squared_per_sample(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.mean(ops.square(ops.cast(y_true, y_pred.dtype) - y_pred), axis=-1)


@keras.saving.register_keras_serializable(package="lossbook")
class RootMeanSquaredError(_Loss):
    r"""RMSE as a loss, :math:`\sqrt{\mathrm{MSE} + \epsilon}` (``epsilon`` keeps the gradient
    at a perfect fit finite, trap 21).

    With the mean reductions (the default ``"sum_over_batch_size"``) it is the root of
    ``MeanSquaredError()`` (plus ``epsilon``): RMSE as usually reported, not the mean of
    per-sample roots. With ``reduction=None`` or ``"sum"`` the per-sample values are
    :math:`\sqrt{\frac1d\sum_j r_j^2 + \epsilon}`.

    >>> loss = RootMeanSquaredError()([[0.0], [0.0]], [[3.0], [5.0]])  # sqrt((9 + 25) / 2)
    >>> round(float(ops.convert_to_numpy(loss)), 5)
    4.12311
    """

    function = staticmethod(_mean_squared_per_sample)
    defaults = {"epsilon": 0.0}

    def __init__(self, epsilon=0.0, reduction="sum_over_batch_size",
                 name="root_mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype, epsilon=epsilon)

    def call(self, y_true, y_pred):
        return ops.sqrt(_mean_squared_per_sample(y_true, y_pred) + self.params["epsilon"])

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.reduction not in _MEAN_REDUCTIONS:
            return super().__call__(y_true, y_pred, sample_weight)
        mean_squared = keras.losses.MeanSquaredError(reduction=self.reduction, dtype=self.dtype)
        return ops.sqrt(mean_squared(y_true, y_pred, sample_weight) + self.params["epsilon"])
