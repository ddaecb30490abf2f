"""Model builders for :mod:`lossbook.train`: the same small networks in PyTorch and Keras.

``linear_model`` and ``mlp`` build a torch ``nn.Sequential`` or a Keras ``Sequential`` with the
same layers; :func:`weights`, :func:`copy_weights`, :func:`line` and :func:`predict` read, copy
and use their parameters the same way for both, so that a torch and a Keras model can start from
identical weights. Everything here is re-exported by :mod:`lossbook.train`.
"""

from __future__ import annotations

import sys

import numpy as np

from lossbook._validation import as_float_array, check_in_choices, check_int, describe

__all__ = ["OUTPUTS", "copy_weights", "line", "linear_model", "mlp", "predict", "weights"]


def _framework(model) -> str:
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model):  # first: on Keras' torch backend
        return "keras"                                         # a Keras model is an nn.Module too
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "torch"
    raise TypeError(f"`model` must be a torch.nn.Module or a keras.Model. "
                    f"Received: model={describe(model)}")


def _keras():
    from lossbook._env import quiet_import

    return quiet_import("keras")


OUTPUTS = (None, "exponential", "sigmoid")


def _torch_output(torch, output):
    """The torch module of an output activation (torch has no ``Exp`` layer)."""
    if output == "sigmoid":
        return torch.nn.Sigmoid()

    class Exponential(torch.nn.Module):
        def forward(self, x):
            return torch.exp(x)

    return Exponential()


def mlp(framework: str, in_features: int = 1, hidden=(32,), out_features: int = 1, *,
        activation: str = "tanh", output: str | None = None, seed: int = 0):
    """A small fully connected network: ``Linear`` layers of widths ``hidden`` with ``activation``.

    ``framework`` is ``"torch"`` or ``"keras"``; initial weights are seeded by ``seed``
    (each framework with its own default initialiser; use :func:`copy_weights` to start
    both from the same point). The last layer outputs values or logits, or, with
    ``output="exponential"``, a positive rate (the log link of Poisson regression) and with
    ``output="sigmoid"`` a probability.

    >>> mlp("torch", 2, hidden=(8,), out_features=3)
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=3, bias=True)
    )
    """
    check_in_choices(framework, "framework", ("torch", "keras"))
    check_in_choices(activation, "activation", ("tanh", "relu"))
    check_in_choices(output, "output", OUTPUTS)
    widths = [check_int(in_features, "in_features", minimum=1)]
    widths += [check_int(h, "hidden", minimum=1) for h in hidden]
    widths.append(check_int(out_features, "out_features", minimum=1))
    seed = check_int(seed, "seed", minimum=0)
    if framework == "torch":
        import torch

        with torch.random.fork_rng(devices=[]):  # seed this model only, not the global stream
            torch.manual_seed(seed)
            layers = []
            for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
                layers.append(torch.nn.Linear(n_in, n_out))
                if i < len(widths) - 2:
                    layers.append(torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU())
            if output is not None:
                layers.append(_torch_output(torch, output))
            return torch.nn.Sequential(*layers)
    keras = _keras()
    layers = [keras.Input((widths[0],))]
    for i, width in enumerate(widths[1:]):
        last = i == len(widths) - 2
        layers.append(keras.layers.Dense(
            width, activation=output if last else activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed + i)))
    return keras.Sequential(layers)


def linear_model(framework: str, in_features: int = 1, out_features: int = 1, *,
                 weight=None, bias=None, output: str | None = None, seed: int = 0):
    """A linear model ``y = x @ weight + bias`` in ``"torch"`` (``nn.Linear``) or ``"keras"``
    (``Dense``).

    ``weight`` (a number or ``[in_features, out_features]``) and ``bias`` (a number or
    ``[out_features]``) set the starting point; otherwise it is random, seeded by ``seed``.
    ``output="exponential"`` gives ``exp(x @ weight + bias)`` (Poisson regression's log
    link), ``"sigmoid"`` logistic regression's probabilities.

    >>> model = linear_model("torch", weight=2.0, bias=-1.0)
    >>> line(model)
    (2.0, -1.0)
    """
    model = mlp(framework, in_features, (), out_features, output=output, seed=seed)
    if weight is not None or bias is not None:
        (kernel, offset), = weights(model)
        if weight is not None:
            kernel = np.broadcast_to(as_float_array(weight, "weight", min_ndim=0), kernel.shape)
        if bias is not None:
            offset = np.broadcast_to(as_float_array(bias, "bias", min_ndim=0), offset.shape)
        _set_weights(model, [(kernel, offset)])
    return model


def weights(model) -> list:
    """``[(kernel, bias), ...]`` of every dense layer as float64 NumPy, kernels ``[in, out]``.

    >>> [w.shape for w in weights(mlp("torch", 2, hidden=(4,), out_features=1))[0]]
    [(2, 4), (4,)]
    """
    if _framework(model) == "torch":
        import torch

        return [(m.weight.detach().cpu().double().numpy().T.copy(),
                 m.bias.detach().cpu().double().numpy().copy())
                for m in model.modules() if isinstance(m, torch.nn.Linear)]
    return [tuple(np.asarray(w, dtype=np.float64) for w in layer.get_weights())
            for layer in model.layers if getattr(layer, "kernel", None) is not None]


def _set_weights(model, pairs) -> None:
    current = weights(model)
    if len(current) != len(pairs) or any(
            np.shape(a) != np.shape(b) for old, new in zip(current, pairs, strict=True)
            for a, b in zip(old, new, strict=True)):
        raise ValueError(
            "The two models must have the same dense layers (kernel and bias shapes). "
            f"Received: {[tuple(np.shape(a) for a in p) for p in pairs]} for a model with "
            f"{[tuple(a.shape for a in p) for p in current]}"
        )
    if _framework(model) == "torch":
        import torch

        layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for layer, (kernel, bias) in zip(layers, pairs, strict=True):
                layer.weight.copy_(torch.tensor(np.asarray(kernel).T, dtype=layer.weight.dtype))
                layer.bias.copy_(torch.tensor(np.asarray(bias), dtype=layer.bias.dtype))
        return
    layers = [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]
    for layer, (kernel, bias) in zip(layers, pairs, strict=True):
        layer.set_weights([np.asarray(kernel, dtype=np.float32),
                           np.asarray(bias, dtype=np.float32)])


def copy_weights(source, target):
    """Copy every dense layer's weights from ``source`` to ``target`` (torch or Keras, either way).

    Returns ``target``, which then computes the same function as ``source``.

    >>> a, b = linear_model("torch", seed=1), linear_model("torch", seed=2)
    >>> line(copy_weights(a, b)) == line(a)
    True
    """
    _set_weights(target, weights(source))
    return target


def line(model) -> tuple[float, float]:
    """``(slope, intercept)`` of a one-input, one-output linear model, as floats."""
    pairs = weights(model)
    if len(pairs) != 1 or pairs[0][0].shape != (1, 1):
        raise ValueError(f"`model` must be a linear model with one input and one output. Received: "
                         f"layers of shapes {[p[0].shape for p in pairs]}")
    kernel, bias = pairs[0]
    return float(kernel[0, 0]), float(bias[0])


def predict(model, x) -> np.ndarray:
    """The model's outputs on ``x`` as a float32 NumPy array, for torch and Keras models alike."""
    x = as_float_array(x, "x", min_ndim=2).astype(np.float32)
    if _framework(model) == "torch":
        import torch

        parameter = next(model.parameters(), None)
        device = parameter.device if parameter is not None else "cpu"
        was_training = model.training
        model.eval()
        with torch.no_grad():
            out = model(torch.as_tensor(x, device=device)).cpu().numpy()
        model.train(was_training)
        return out
    keras = _keras()
    return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), dtype=np.float32)
