"""The Gaussian negative log-likelihood for Keras, on a ``Dense(2 * d)`` head (means, then
variances), as torch ``GaussianNLLLoss`` computes it."""

from __future__ import annotations

import math

from lossbook.keras._base import _Loss, keras, ops

__all__ = ["GaussianNLL", "gaussian_nll"]


def gaussian_nll(y_true, y_pred, eps=1e-6, full=False):
    r"""Gaussian NLL, one value per sample: the mean over the ``d`` outputs of
    :math:`\frac12(\log \tilde v + (y - \mu)^2 / \tilde v)`, :math:`\tilde v = \max(v, \epsilon)`.

    ``y_true`` ``[batch, d]``; ``y_pred`` ``[batch, 2 d]``: the means, then the variances
    (make them positive in the model, e.g. with a softplus). ``full=True`` adds
    :math:`\frac12\log 2\pi`. The clamp is ``ops.maximum``: no gradient below ``eps``.

    >>> float(ops.convert_to_numpy(gaussian_nll([[1.0]], [[0.0, 1.0]]))[0])
    0.5
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    d = y_true.shape[-1]
    if y_pred.shape[-1] != 2 * d:
        raise ValueError(f"`y_pred` must have 2 * d = {2 * d} columns (means, then variances) "
                         f"for y_true with d = {d}. Received: y_pred.shape={y_pred.shape}")
    mean, variance = ops.split(y_pred, 2, axis=-1)  # a split's gradient is one concatenation
    variance = ops.maximum(variance, eps)
    loss = 0.5 * (ops.log(variance) + ops.square(y_true - mean) / variance)
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return ops.mean(loss, axis=-1)


@keras.saving.register_keras_serializable(package="lossbook")
class GaussianNLL(_Loss):
    """``GaussianNLL(eps=1e-6, full=False)``: the loss class of :func:`gaussian_nll`."""

    function = staticmethod(gaussian_nll)
    defaults = {"eps": 1e-6, "full": False}

    def __init__(self, eps=1e-6, full=False, reduction="sum_over_batch_size",
                 name="gaussian_nll", dtype=None):
        super().__init__(reduction, name, dtype, eps=eps, full=full)
