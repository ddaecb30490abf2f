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

import functools
import importlib

import numpy as np

from lossbook._arrays import to_numpy
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


def per_sample(values):
    """Element-wise losses → one value per sample: the mean over the last axis (1-D: as is)."""
    return values if values.ndim < 2 else values.mean(dim=-1)


def torch_reduce(values, reduction: str, sample_weight=None):
    """The reference's reduction of per-sample torch values, each scaled by its
    ``sample_weight`` if given ("mean" divides by their count, not by the weights' sum)."""
    check_reduction(reduction)
    if sample_weight is not None:
        import torch

        values = values * torch.as_tensor(np.asarray(sample_weight), dtype=values.dtype)
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def torch_loss(path: str, *, combine="mean", own_reduction=False, labels=False,
               log_of_pred=False, signed_labels=False, class_axis_first=False,
               binary_smoothing=False, rename=None, drop=(), call_params=(), **fixed):
    """Adapter for a torch loss (an ``nn.Module`` class or a function) named by ``path``.

    Translations only (each optional):

    - ``reduction``: ``"mean"`` is torch's own ``"mean"`` (``"batchmean"`` for
      ``combine="sum"``), equal to the reference's; ``"none"`` and ``"sum"`` start from
      torch's ``"none"`` (torch's ``"sum"`` of an element-wise loss is D times the
      reference's, trap 6);
    - ``combine``: how torch's ``reduction="none"`` output becomes one value per sample:
      ``"mean"`` over the last axis (element-wise losses, as Keras), ``"sum"`` over it (the
      class axis of ``KLDivLoss``), ``None`` (already per sample);
    - ``own_reduction``: pass ``reduction`` to torch, whose semantics then match the
      reference's (``ignore_index`` means, lossbook.torch's RMSE); no per-sample weights then;
    - ``labels``: ``y_true`` holds class indices (int64);
    - ``log_of_pred``: torch wants log-probabilities (``KLDivLoss``, trap 5; probabilities fed
      to ``CrossEntropyLoss``, whose log-softmax leaves normalised log-probabilities as they
      are, trap 3);
    - ``signed_labels``: binary labels {0, 1} become {-1, 1} (Keras' rule for hinge losses);
    - ``class_axis_first``: ``[batch, time, classes]`` becomes ``[batch, classes, time]``;
    - ``binary_smoothing``: torch's binary losses have no ``label_smoothing``; the labels are
      smoothed as Keras documents: y (1 - smoothing) + smoothing / 2;
    - ``rename``: reference parameter names → torch's (a ``None`` value means torch's
      default and is left out); ``drop``: reference parameters that the choice of torch class
      already encodes (``from_logits``: ``BCELoss`` or ``BCEWithLogitsLoss``); ``call_params``:
      array parameters passed with the inputs at call time (a ``mask``), not to the
      constructor; ``fixed``: extra torch arguments.

    The adapter takes and returns NumPy (float32 tensors inside). Its ``call`` attribute is
    the same translation on tensors (any dtype, autograd flows), ``native`` builds the torch
    object itself, and ``rebuild(path)`` the same adapter for another torch loss.
    """
    # inputs the torch loss object itself cannot take as the reference gives them (the class
    # axis second only matters for [batch, time, classes], smoothing only when asked for)
    translates_inputs = log_of_pred or signed_labels

    def call(target, input, *, reduction="mean", sample_weight=None, **params):
        import torch

        check_reduction(reduction)
        if sample_weight is not None and own_reduction:
            raise ValueError(f"{path} reduces by itself and takes no per-sample weights here. "
                             "Received: sample_weight")
        if signed_labels and not bool((target == -1).any()):
            target = 2.0 * target - 1.0
        if binary_smoothing:
            smoothing = params.pop("label_smoothing", 0.0)
            target = target * (1.0 - smoothing) + 0.5 * smoothing
        input = input.log() if log_of_pred else input
        if class_axis_first:
            input = input.movedim(-1, 1)
        at_call = {key: torch.as_tensor(np.asarray(params.pop(key)), device=input.device)
                   for key in call_params if params.get(key) is not None}
        params = {key: value for key, value in params.items() if key not in call_params}
        kwargs = _torch_kwargs(params)
        torch_reduction = reduction if own_reduction else "none"
        # torch's own "mean" already equals the reference's (element-wise rows of equal size;
        # KLDivLoss needs "batchmean", trap 5), so the built-in reduction is used for it
        # (not with class weights: torch's weighted "mean" divides by their sum, trap 8)
        builtin_mean = (reduction == "mean" and sample_weight is None and not own_reduction
                        and "weight" not in kwargs)
        if builtin_mean:
            torch_reduction = "batchmean" if combine == "sum" else "mean"
        function = resolve(path)
        if isinstance(function, type):  # an nn.Module class: construct, then call
            # torch order: (input, target) = (y_pred, y_true)
            values = function(reduction=torch_reduction, **kwargs)(input, target, **at_call)
        else:
            values = function(input, target, reduction=torch_reduction, **kwargs, **at_call)
        if not (own_reduction or builtin_mean):
            if combine is not None and values.ndim >= 2:
                values = values.mean(dim=-1) if combine == "mean" else values.sum(dim=-1)
            if sample_weight is not None:  # one weight per sample; "mean" still divides by N
                values = values * torch.as_tensor(sample_weight, dtype=values.dtype,
                                                  device=values.device)
            values = torch_reduce(values, reduction)
        return values

    def _torch_kwargs(params):
        kwargs = {(rename or {}).get(key, key): value for key, value in params.items()
                  if value is not None and key not in drop}
        kwargs.update(fixed)
        return kwargs

    def adapter(y_true, y_pred, *, reduction="mean", sample_weight=None, **params):
        target = tensor(y_true, "int64") if labels else tensor(y_true)
        weights = None if sample_weight is None else tensor(sample_weight)
        return to_numpy(call(target, tensor(y_pred), reduction=reduction,
                             sample_weight=weights, **params))

    def native(reduction="mean", **params):
        if translates_inputs or call_params:
            raise ValueError(
                f"{path} needs its inputs translated for this loss (log-probabilities, labels "
                "in {-1, 1} or a mask at call time), so there is no drop-in torch object for "
                "it; call the adapter or the torch function as the book shows")
        if binary_smoothing and params.pop("label_smoothing", 0.0):
            raise ValueError(f"{path} has no label_smoothing: smooth the labels yourself, "
                             "y (1 - s) + s / 2 (Keras' rule). Received: label_smoothing")
        function = resolve(path)
        if not isinstance(function, type):  # a lossbook.torch function: its nn.Module twin
            twin = torch_twin(adapter)
            if twin is not None:
                return twin.native(reduction=reduction, **params)
        kwargs = _torch_kwargs(params)
        if isinstance(function, type):
            return function(reduction=reduction, **kwargs)
        return functools.partial(function, reduction=reduction, **kwargs)

    options = dict(combine=combine, own_reduction=own_reduction, labels=labels,
                   log_of_pred=log_of_pred, signed_labels=signed_labels,
                   class_axis_first=class_axis_first, binary_smoothing=binary_smoothing,
                   rename=rename, drop=drop, call_params=call_params, **fixed)
    adapter.__name__ = f"torch:{path}"
    adapter.path, adapter.call, adapter.native = path, call, native
    adapter.labels, adapter.weights = labels, not own_reduction
    adapter.native_ok = not (translates_inputs or call_params)
    adapter.rebuild = lambda new_path: torch_loss(new_path, **options)
    return adapter


def torch_elementwise(path: str, **options):
    """:func:`torch_loss` for an element-wise loss (per sample: the mean of the last axis)."""
    return torch_loss(path, combine="mean", **options)


def torch_per_sample(path: str, **options):
    """:func:`torch_loss` for a loss whose ``"none"`` is already one value per sample."""
    return torch_loss(path, combine=None, **options)


def torch_reducing(path: str, **options):
    """:func:`torch_loss` for a torch loss whose reductions match the reference's."""
    return torch_loss(path, own_reduction=True, **options)


# --------------------------------------------------------------------------------- keras


def keras_array(array, dtype="float32", *, expand_1d=False):
    """``array`` as a NumPy array of ``dtype``; a 1-D batch becomes ``(N, 1)`` (trap 9)."""
    array = np.asarray(array).astype(dtype)
    return array.reshape(-1, 1) if expand_1d and array.ndim == 1 else array


def keras_loss(path: str, *, rename=None, expand_1d=True, labels=False, per_sample_axes=False,
               **fixed):
    """Adapter for a ``keras.losses.Loss`` class (built-in or :mod:`lossbook.keras`).

    Keras computes the per-sample values and reduces them itself (``"mean"`` is
    ``"sum_over_batch_size"``). ``labels=True``: ``y_true`` holds integer class indices;
    ``y_true=None`` (triplet) becomes a dummy array, as Keras requires one;
    ``per_sample_axes``: pass ``axis`` = every axis but the batch (Keras ``Dice``/``Tversky``
    pool the whole batch otherwise, trap 26). ``sample_weight`` (one weight per sample) goes
    to the Loss call, where "mean" divides by N, not by the sum of weights (trap 7).
    ``native`` builds the Keras object itself; ``function_twin()`` the adapter of the
    class's functional form when :mod:`lossbook.keras` exports one.
    """

    def _kwargs(params):
        return {(rename or {}).get(key, key): value for key, value in params.items()}

    def adapter(y_true, y_pred, *, reduction="mean", sample_weight=None, **params):
        check_reduction(reduction)
        params = _kwargs(params)
        if per_sample_axes:
            params["axis"] = tuple(range(1, np.ndim(y_pred)))
        loss = resolve(path)(reduction=KERAS_REDUCTION[reduction], **params, **fixed)
        y_true, weights = _keras_inputs(y_true, y_pred, sample_weight, labels, expand_1d)
        return to_numpy(loss(y_true, keras_array(y_pred, expand_1d=expand_1d),
                             sample_weight=weights))

    def native(reduction="mean", **params):
        return resolve(path)(reduction=KERAS_REDUCTION[reduction], **_kwargs(params), **fixed)

    def function_twin():
        function = getattr(resolve(path), "function", None)
        name = getattr(function, "__name__", "")
        if not path.startswith("lossbook.keras.") or name not in resolve("lossbook.keras.__all__"):
            return None
        return keras_function(f"lossbook.keras.{name}", rename=rename, expand_1d=expand_1d,
                              labels=labels, **fixed)

    adapter.__name__ = f"keras:{path}"
    adapter.path, adapter.native, adapter.function_twin = path, native, function_twin
    adapter.labels, adapter.weights, adapter.native_ok = labels, True, True
    return adapter


def keras_function(path: str, *, rename=None, expand_1d=True, labels=False, **fixed):
    """Adapter for a per-sample Keras function ``fn(y_true, y_pred, **params)`` of
    :mod:`lossbook.keras`: the reduction (weighted sum, divided by N for ``"mean"`` as
    Keras' ``"sum_over_batch_size"``) is done here in ``keras.ops``."""

    def adapter(y_true, y_pred, *, reduction="mean", sample_weight=None, **params):
        check_reduction(reduction)
        ops = quiet_import("keras").ops
        params = {(rename or {}).get(key, key): value for key, value in params.items()}
        y_true, weights = _keras_inputs(y_true, y_pred, sample_weight, labels, expand_1d)
        values = resolve(path)(y_true, keras_array(y_pred, expand_1d=expand_1d), **params,
                               **fixed)
        if weights is not None:
            values = values * ops.convert_to_tensor(weights.reshape(-1))
        if reduction != "none":
            total = ops.sum(values)
            values = total if reduction == "sum" else total / values.shape[0]
        return to_numpy(values)

    adapter.__name__ = f"keras:{path}"
    adapter.path, adapter.labels, adapter.weights = path, labels, True
    return adapter


def _keras_inputs(y_true, y_pred, sample_weight, labels, expand_1d):
    if y_true is None:
        y_true = np.zeros(len(y_pred))
    y_true = keras_array(y_true, "int32" if labels else "float32", expand_1d=expand_1d)
    return y_true, None if sample_weight is None else keras_array(sample_weight)


def torch_twin(adapter):
    """The adapter of the other form of a :mod:`lossbook.torch` loss: the ``nn.Module``
    class of a function, or the function of a class; ``None`` for a torch built-in."""
    path = getattr(adapter, "path", "")
    if not path.startswith("lossbook.torch."):
        return None
    import lossbook.torch as lt

    target = resolve(path)
    for name in lt.__all__:
        candidate = getattr(lt, name)
        if isinstance(target, type) and candidate is target.function:
            return adapter.rebuild(f"lossbook.torch.{name}")
        if isinstance(candidate, type) and getattr(candidate, "function", None) is target:
            return adapter.rebuild(f"lossbook.torch.{name}")
    return None
