"""The registry of analytic gradients and :func:`gradient`, which looks them up.

A task module registers the gradient of each reference loss with :func:`register`; a loss whose
``"mean"`` is not the mean of its per-sample values (RMSE: the root of the overall MSE) also
registers the gradient of that ``"mean"``. :func:`gradient` itself knows no loss by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from lossbook._validation import as_float_array, check_in_choices

__all__ = ["gradient", "names", "register"]


class _Registered(NamedTuple):
    loss: Callable  # the reference function, called to validate the inputs
    sum_gradient: Callable  # (y_true, y_pred, **params) -> d(sum of per-sample values)/dŷ
    mean_gradient: Callable | None  # its own "mean" gradient, or None: the sum's divided by N
    weighted: bool = False  # sum_gradient takes sample_weight= itself (losses of a whole batch)


_GRADIENTS: dict[str, _Registered] = {}

# Losses without a closed-form gradient worth teaching: use autograd instead.
_AUTOGRAD_ONLY = {
    "ctc": "the CTC gradient needs the forward-backward algorithm; use torch autograd "
           "(torch.nn.functional.ctc_loss) or keras.ops.ctc_loss with a GradientTape",
}


def register(loss: Callable, *, mean: Callable | None = None, weighted: bool = False):
    """Decorator: the decorated function is the ``"sum"`` gradient of the reference ``loss``.

    ``mean``: the gradient of ``reduction="mean"``, for a loss whose ``"mean"`` is not the
    average of its per-sample values; it takes ``sample_weight=`` and the hyper-parameters.
    ``weighted``: the gradient takes ``sample_weight=`` itself — a loss whose per-sample value
    depends on the other samples of the batch (InfoNCE, mined triplets, Circle), where scaling
    each sample's row of the gradient by its weight would be wrong.
    """
    def decorator(function):
        if loss.__name__ in _GRADIENTS:
            raise RuntimeError(f"a gradient of {loss.__name__!r} is registered twice")
        _GRADIENTS[loss.__name__] = _Registered(loss, function, mean, weighted)
        return function
    return decorator


def names() -> tuple[str, ...]:
    """The reference losses with an analytic gradient, sorted."""
    return tuple(sorted(_GRADIENTS))


def gradient(name, y_true, y_pred, *, reduction="sum", sample_weight=None, **params):
    """Analytic gradient :math:`\\partial L / \\partial \\hat y` of a reference loss.

    Args:
        name: the reference function's name, e.g. ``"huber"`` (see ``GRADIENT_NAMES``).
        y_true, y_pred: as for the loss itself (validated by calling it).
        reduction: ``"sum"`` (default) or ``"mean"``: the gradient of that reduction.
        sample_weight: optional per-sample weights; the gradient of each sample is scaled by
            its weight.
        **params: the loss' hyper-parameters (``delta=``, ``from_logits=``, ...).

    Returns:
        An array of the shape of ``y_pred`` (float64).

    Raises:
        NotImplementedError: for losses without a closed form here (``"ctc"``), naming the
            alternative (autograd).
        ValueError: for an unknown ``name``, or any input the loss itself rejects.

    >>> gradient("huber", [0.0, 0.0], [0.5, 3.0])  # clip(ŷ - y, -1, 1)
    array([0.5, 1. ])
    """
    if name in _AUTOGRAD_ONLY:
        raise NotImplementedError(f"No closed-form gradient for {name!r}: {_AUTOGRAD_ONLY[name]}.")
    if name not in _GRADIENTS:
        raise ValueError(f"`name` must be one of {sorted(_GRADIENTS)}. Received: name={name!r}")
    check_in_choices(reduction, "reduction", ("sum", "mean"))
    registered = _GRADIENTS[name]
    per_sample = registered.loss(y_true, y_pred, reduction="none", sample_weight=sample_weight,
                                 **params)
    if reduction == "mean" and registered.mean_gradient is not None:
        return registered.mean_gradient(y_true, y_pred, sample_weight=sample_weight, **params)
    if registered.weighted:
        grad = registered.sum_gradient(y_true, y_pred, sample_weight=sample_weight, **params)
    else:
        grad = registered.sum_gradient(y_true, y_pred, **params)
    if sample_weight is not None and not registered.weighted:
        weights = as_float_array(sample_weight, "sample_weight", min_ndim=0)
        grad = grad * weights.reshape(weights.shape + (1,) * (grad.ndim - weights.ndim))
    return grad / np.size(per_sample) if reduction == "mean" else grad
