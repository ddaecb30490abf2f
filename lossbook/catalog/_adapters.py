"""Adapters: run a framework's loss on the reference's ``(y_true, y_pred, **params)``.

Adapters hold **no formula**. They only translate what differs between the reference's
conventions and the framework's: argument order (torch wants ``(input, target)``), reduction
(torch's ``"none"`` is element-wise, the reference's is per sample: the adapter averages the
last axis, as Keras does; Keras names ``"mean"`` ``"sum_over_batch_size"``), label format
(one-hot ↔ index, ``(N, T, C)`` ↔ ``(N, C, T)``), shape (Keras wants ``(N, 1)`` for a 1-D
batch, trap 9) and dtype (frameworks run in float32, trap 20). Frameworks are imported on
first use, so ``import lossbook.catalog`` stays cheap.
"""

from __future__ import annotations

import importlib

import numpy as np

from lossbook._env import quiet_import
from lossbook._validation import check_reduction

KERAS_REDUCTION = {"none": None, "mean": "sum_over_batch_size", "sum": "sum"}


def resolve(path: str):
    """``"keras.losses.Huber"`` or ``"lossbook.torch.log_cosh"`` → the object, imported quietly."""
    module_name, _, attribute = path.rpartition(".")
    root = module_name.split(".")[0]
    if root in ("keras", "tensorflow"):
        quiet_import("keras")
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


# --------------------------------------------------------------------------------- torch


def tensor(array, dtype="float32"):
    """A torch tensor of ``array`` (float32 by default, ``"int64"`` for class indices)."""
    import torch

    return torch.as_tensor(np.asarray(array).astype(dtype))


def to_numpy(value):
    """A torch or Keras tensor as a float (0-d) or a float64 NumPy array."""
    if hasattr(value, "detach"):
        array = value.detach().cpu().numpy()
    else:
        array = np.asarray(resolve("keras.ops.convert_to_numpy")(value))
    array = np.asarray(array, dtype=np.float64)
    return float(array) if array.ndim == 0 else array


def per_sample(values):
    """Element-wise losses → one value per sample: the mean over the last axis (1-D: as is)."""
    return values if values.ndim < 2 else values.mean(dim=-1)


def torch_reduce(values, reduction: str):
    """The reference's reduction of per-sample torch values (mean divides by their count)."""
    check_reduction(reduction)
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def torch_elementwise(path: str, *, rename=None, **fixed):
    """Adapter for a torch loss that returns element-wise values with ``reduction="none"``.

    ``path`` names a module class (``"torch.nn.HuberLoss"``) or a function
    (``"lossbook.torch.log_cosh"``); ``rename`` maps reference parameter names to torch's.
    """
    return _torch_adapter(path, rename, fixed, elementwise=True)


def torch_per_sample(path: str, *, rename=None, **fixed):
    """Adapter for a torch loss that already returns one value per sample (``"none"``)."""
    return _torch_adapter(path, rename, fixed, elementwise=False)


def _torch_call(path, rename, fixed, params, input, target):
    function = resolve(path)
    params = {(rename or {}).get(key, key): value for key, value in params.items()}
    params.update(fixed)
    if isinstance(function, type):  # an nn.Module class: construct, then call
        return function(reduction="none", **params)(input, target)
    return function(input, target, reduction="none", **params)


def _torch_adapter(path, rename, fixed, *, elementwise):
    def adapter(y_true, y_pred, *, reduction="mean", **params):
        check_reduction(reduction)
        # torch order: (input, target) = (y_pred, y_true)
        values = _torch_call(path, rename, fixed, params, tensor(y_pred), tensor(y_true))
        values = per_sample(values) if elementwise else values
        return to_numpy(torch_reduce(values, reduction))

    adapter.__name__ = f"torch:{path}"
    return adapter


# --------------------------------------------------------------------------------- keras


def keras_array(array, dtype="float32", *, expand_1d=False):
    """``array`` as a NumPy array of ``dtype``; a 1-D batch becomes ``(N, 1)`` (trap 9)."""
    array = np.asarray(array).astype(dtype)
    return array.reshape(-1, 1) if expand_1d and array.ndim == 1 else array


def keras_loss(path: str, *, rename=None, expand_1d=True, labels=False, **fixed):
    """Adapter for a ``keras.losses.Loss`` class (built-in or :mod:`lossbook.keras`).

    Keras computes the per-sample values and reduces them itself (``"mean"`` is
    ``"sum_over_batch_size"``). ``labels=True``: ``y_true`` holds integer class indices.
    """

    def adapter(y_true, y_pred, *, reduction="mean", **params):
        check_reduction(reduction)
        params = {(rename or {}).get(key, key): value for key, value in params.items()}
        loss = resolve(path)(reduction=KERAS_REDUCTION[reduction], **params, **fixed)
        y_true = keras_array(y_true, "int32" if labels else "float32", expand_1d=expand_1d)
        return to_numpy(loss(y_true, keras_array(y_pred, expand_1d=expand_1d)))

    adapter.__name__ = f"keras:{path}"
    return adapter


def torch_reducing(path: str, **fixed):
    """Adapter for a :mod:`lossbook.torch` function that implements the reference's own
    reductions (``root_mean_squared_error``: ``"mean"`` is not the mean of ``"none"``)."""

    def adapter(y_true, y_pred, *, reduction="mean", **params):
        check_reduction(reduction)
        # torch order: (input, target) = (y_pred, y_true)
        value = resolve(path)(tensor(y_pred), tensor(y_true), reduction=reduction, **params,
                              **fixed)
        return to_numpy(value)

    adapter.__name__ = f"torch:{path}"
    return adapter
