"""Small readable training loops: the same model, data and optimiser in PyTorch and Keras.

``fit_torch`` is a plain loop (zero_grad, forward, loss, backward, step); ``fit_keras`` is
Keras' own ``compile``/``fit``. Both return the same :class:`History`, so their curves can
be drawn and compared together. With the same starting weights (:func:`copy_weights`),
the same data and full-batch gradient descent, the two trace the same loss curve::

    data = lb.data.linear(seed=0)
    torch_model = lb.train.linear_model("torch", weight=0.0, bias=0.0)
    keras_model = lb.train.linear_model("keras", weight=0.0, bias=0.0)
    h_torch = lb.train.fit(torch_model, data.x, data.y, loss="mse", epochs=100, lr=0.1)
    h_keras = lb.train.fit(keras_model, data.x, data.y, loss="mse", epochs=100, lr=0.1)

Loss callables follow each framework's own argument order: torch ``(input, target)``,
Keras ``(y_true, y_pred)``. A loss *name* (see :data:`LOSSES`) picks each framework's loss from the
catalogue (the built-in where one exists); classification names expect logits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from lossbook._models import (  # re-exported: lb.train.linear_model(...) etc.
    _framework,
    _keras,
    copy_weights,
    line,
    linear_model,
    mlp,
    predict,
    weights,
)
from lossbook._validation import (
    as_float_array,
    check_in_choices,
    check_int,
    check_nonnegative,
    check_positive,
    describe,
)

__all__ = [
    "ALIASES", "LOSSES", "OPTIMIZERS", "History", "class_weight_array", "copy_weights", "fit",
    "fit_keras", "fit_torch", "get_loss", "line", "linear_model", "mlp", "predict", "weights",
]

OPTIMIZERS = ("sgd", "adam", "adamw", "lbfgs")  # L-BFGS: torch only, full batch

#: Short names for training, and the catalogue names they stand for.
ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
           "bce": "binary_crossentropy", "sparse_ce": "sparse_categorical_crossentropy"}


def _training_entry(name):
    """The catalogue entry a training loss name stands for: aliases resolved, and a
    classification name trains on logits (its ``_from_logits`` entry), as a model's last
    layer is linear."""
    from lossbook import catalog

    canonical = ALIASES.get(name, name) if isinstance(name, str) else name
    names = catalog.names()
    if isinstance(canonical, str) and f"{canonical}_from_logits" in names:
        canonical = f"{canonical}_from_logits"
    if canonical not in names or not catalog.get(canonical).trainable:
        raise ValueError(f"`loss` must be a loss callable or one of {list(LOSSES)}. "
                         f"Received: loss={describe(name)}")
    return catalog.get(canonical)


def _loss_names() -> tuple[str, ...]:
    from lossbook import catalog

    trainable = [entry.name for entry in catalog.entries() if entry.trainable]
    short = [name.removesuffix("_from_logits") for name in trainable]
    return tuple(sorted(set(trainable) | set(short) | set(ALIASES)))


#: Every loss name :func:`fit` and :func:`get_loss` take: the catalogue's losses that have a
#: ready-made loss object in both frameworks, their short classification names, the aliases.
LOSSES = _loss_names()


@dataclass
class History:
    """What a training run recorded.

    Attributes:
        loss: training loss per epoch: the batch losses of the epoch averaged, each weighted
            by its batch size (what Keras reports); for full-batch training, the loss at the
            weights *before* that epoch's step.
        val_loss: loss on the validation data after each epoch (empty without validation).
        step_loss: the loss of every batch (one per optimiser step unless gradients are
            accumulated, then ``accumulation_steps`` per step).
        grad_norm: torch only: the global norm of the gradient of every optimiser step,
            before any clipping (empty for Keras, whose ``fit`` does not expose it).
        framework: ``"torch"`` or ``"keras"``.
        seconds: wall-clock time of the run.
    """

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    framework: str = ""
    seconds: float = 0.0

    def __repr__(self) -> str:
        text = f"History({self.framework}, {len(self.loss)} epochs"
        if self.loss:
            text += f", loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}"
        if self.val_loss:
            text += f", val_loss {self.val_loss[-1]:.4g}"
        return text + f", {self.seconds:.2f} s)"


# -- losses and data ----------------------------------------------------------------------------

def get_loss(name: str, framework: str, **params):
    """The framework's loss object for a loss ``name`` of :data:`LOSSES`, from the catalogue.

    torch objects take ``(input, target)``, Keras ones ``(y_true, y_pred)``; both average
    over the batch; the framework's built-in wherever one exists
    (:meth:`lossbook.catalog.Entry.framework_loss`). Classification names expect logits
    (``binary_crossentropy`` is ``BCEWithLogitsLoss`` / ``BinaryCrossentropy(from_logits=True)``);
    ``poisson`` expects the rate (torch ``PoissonNLLLoss(log_input=False, eps=1e-7)``, Keras
    ``Poisson``); hyper-parameters by their reference names (``delta=``, ``tau=``).

    >>> get_loss("huber", "torch", delta=2.0)
    HuberLoss()
    >>> get_loss("bce", "keras").get_config()["from_logits"]
    True
    """
    check_in_choices(framework, "framework", ("torch", "keras"))
    if framework == "keras":
        _keras()  # imported quietly, after lb.setup()
    return _training_entry(name).framework_loss(framework, **params)


def _arrays(x, y) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as float32 ``[n, features]``; ``y`` as float32, or int64 when it holds integer
    labels."""
    x_array = as_float_array(x, "x", min_ndim=2).astype(np.float32)
    y_raw = np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y)
    if np.issubdtype(y_raw.dtype, np.integer):
        y_array = y_raw.astype(np.int64)
    else:
        y_array = as_float_array(y_raw, "y").astype(np.float32)
    if len(x_array) != len(y_array):
        raise ValueError(f"`x` and `y` must have the same number of samples. "
                         f"Received: x.shape={x_array.shape}, y.shape={y_array.shape}")
    return x_array, y_array


def _validation_arrays(validation):
    if validation is None:
        return None
    if hasattr(validation, "x") and hasattr(validation, "y"):  # a lossbook.data.Dataset
        return _arrays(validation.x, validation.y)
    if isinstance(validation, tuple | list) and len(validation) == 2:
        return _arrays(*validation)
    raise TypeError(f"`validation` must be a pair (x, y) or a lossbook.data.Dataset. "
                    f"Received: validation={describe(validation)}")


def _check_run(x, y, epochs, batch_size, lr, optimizer, seed):
    x, y = _arrays(x, y)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = (len(x) if batch_size is None
                  else min(check_int(batch_size, "batch_size", minimum=1), len(x)))
    check_positive(lr, "lr")
    check_in_choices(optimizer, "optimizer", OPTIMIZERS)
    check_int(seed, "seed", minimum=0)
    return x, y, epochs, batch_size


def _check_options(optimizer, clip_value, clip_norm, global_clip_norm, weight_decay,
                   accumulation_steps) -> tuple[dict, float, int]:
    """The clipping option as ``{keras argument: value}`` (at most one), the weight decay and
    the accumulation steps, checked (neither framework rejects a negative clip or decay)."""
    given = {key: check_positive(value, name) for key, value, name in (
        ("clipvalue", clip_value, "clip_value"), ("clipnorm", clip_norm, "clip_norm"),
        ("global_clipnorm", global_clip_norm, "global_clip_norm")) if value is not None}
    if len(given) > 1:
        raise ValueError("Give at most one of `clip_value`, `clip_norm`, `global_clip_norm`. "
                         f"Received: {sorted(given)}")
    weight_decay = check_nonnegative(weight_decay, "weight_decay")
    if weight_decay and optimizer not in ("sgd", "adamw"):
        raise ValueError("`weight_decay` needs optimizer='sgd' or 'adamw': torch Adam's "
                         "weight_decay is an L2 term, Keras Adam's a decoupled decay, so the "
                         "frameworks would differ (put an L2 penalty into the loss instead). "
                         f"Received: optimizer={optimizer!r}, weight_decay={weight_decay!r}")
    steps = check_int(accumulation_steps, "accumulation_steps", minimum=1)
    if steps > 1 and optimizer == "lbfgs":
        raise ValueError("`accumulation_steps` > 1 does not work with L-BFGS (its line search "
                         f"re-evaluates one batch). Received: accumulation_steps={steps}")
    return given, weight_decay, steps


def class_weight_array(class_weight: dict, num_classes: int) -> np.ndarray:
    """A Keras ``class_weight`` dict as the float32 vector torch's ``weight=`` takes.

    Classes missing from the dict get weight 1, as in Keras' ``fit``; a key that is not a
    class in ``0 .. num_classes - 1`` is an error (Keras ignores it silently).

    >>> class_weight_array({0: 1.0, 2: 5.0}, 3).tolist()
    [1.0, 1.0, 5.0]
    """
    num_classes = check_int(num_classes, "num_classes", minimum=1)
    if not isinstance(class_weight, dict):
        raise TypeError("`class_weight` must be a dict {class index: weight}. "
                        f"Received: class_weight={describe(class_weight)}")
    unknown = [key for key in class_weight if isinstance(key, bool)
               or not isinstance(key, int | np.integer) or not 0 <= key < num_classes]
    if unknown:
        raise ValueError(f"`class_weight` keys must be class indices 0..{num_classes - 1}. "
                         f"Received: unknown keys {unknown}")
    vector = np.ones(num_classes, dtype=np.float32)
    for key, value in class_weight.items():
        vector[key] = check_nonnegative(value, f"class_weight[{key}]")
    return vector


# -- training -----------------------------------------------------------------------------------

def fit_torch(model, x, y, *, loss, epochs: int = 100, batch_size: int | None = None,
              lr: float = 0.1, optimizer: str = "sgd", device=None, seed: int = 0,
              shuffle: bool = True, progress: bool = False, validation=None,
              clip_value: float | None = None, clip_norm: float | None = None,
              global_clip_norm: float | None = None, weight_decay: float = 0.0,
              accumulation_steps: int = 1) -> History:
    """Train a torch model with a plain loop; return its :class:`History`.

    Args:
        model: a ``torch.nn.Module`` (moved to ``device``).
        x, y: NumPy arrays ``[n, features]`` and ``[n, outputs]`` (or int labels ``[n]``).
        loss: a callable ``(input, target) -> scalar tensor`` (a torch loss module, a closure
            such as ``functools.partial(lb.torch.quantile, tau=0.9)``), or a name of :data:`LOSSES`.
        epochs: passes over the data. batch_size: ``None`` is full-batch gradient descent,
            1 is stochastic gradient descent, anything between mini-batch.
        lr: learning rate; optimizer: ``"sgd"`` (plain, no momentum), ``"adam"``, or
            ``"lbfgs"`` (full batch only; each epoch is one L-BFGS step of up to 20 iterations
            with a strong-Wolfe line search: reaches the optimum of a convex loss tightly).
        device: a ``torch.device`` or string; ``None`` picks :func:`lossbook.device`.
        seed: seeds the shuffling of the batches (each epoch a new order when ``shuffle``).
        progress: show a tqdm bar over the epochs.
        validation: ``(x_val, y_val)`` or a :class:`lossbook.data.Dataset`, evaluated each epoch.
        clip_value, clip_norm, global_clip_norm: at most one, each > 0, applied between
            ``backward()`` and ``step()``, with Keras' meanings: every gradient entry clamped
            to ``[-clip_value, clip_value]``; each parameter's gradient rescaled to norm
            ``<= clip_norm``; all gradients rescaled together to a global norm
            ``<= global_clip_norm`` (``torch.nn.utils.clip_grad_norm_``).
        weight_decay: ``>= 0``; with ``"sgd"`` torch's ``SGD(weight_decay=)``, with
            ``"adamw"`` ``AdamW`` (decoupled); refused with ``"adam"`` (see the Advanced
            chapter: torch and Keras disagree there).
        accumulation_steps: ``>= 1``; the optimiser steps once every ``accumulation_steps``
            batches on the **mean** of their gradients (Keras' ``gradient_accumulation_steps``;
            equal to one large batch only when the batches have equal sizes and the loss is
            a mean). The count runs on across epochs, as in Keras.
    """
    import torch

    from lossbook._env import device as best_device

    x, y, epochs, batch_size = _check_run(x, y, epochs, batch_size, lr, optimizer, seed)
    clip, weight_decay, steps = _check_options(optimizer, clip_value, clip_norm,
                                               global_clip_norm, weight_decay, accumulation_steps)
    _framework(model)
    loss_fn = get_loss(loss, "torch") if isinstance(loss, str) else _check_callable(loss)
    device = best_device() if device is None else torch.device(device)
    model.to(device)
    x_all, y_all = torch.as_tensor(x, device=device), torch.as_tensor(y, device=device)
    val = _validation_arrays(validation)
    if val is not None:
        val = tuple(torch.as_tensor(a, device=device) for a in val)
    opt = _torch_optimizer(torch, model, optimizer, lr, weight_decay,
                           full_batch=batch_size >= len(x))
    generator = torch.Generator().manual_seed(seed)
    history, start, n = History(framework="torch"), time.perf_counter(), len(x)
    batches = 0
    for _ in _epochs(epochs, progress):
        model.train()
        full = batch_size >= n
        order = torch.randperm(n, generator=generator) if shuffle and not full else torch.arange(n)
        total = 0.0
        for first in range(0, n, batch_size):
            rows = order[first:first + batch_size].to(device)
            xb, yb = (x_all, y_all) if full else (x_all[rows], y_all[rows])

            if optimizer == "lbfgs":
                def closure(xb=xb, yb=yb):
                    opt.zero_grad()
                    value = loss_fn(model(xb), yb)
                    value.backward()
                    return value

                value = opt.step(closure)  # the loss before the step (L-BFGS re-evaluates it)
            else:
                value = loss_fn(model(xb), yb)
                (value / steps).backward()  # gradients add up: the mean of `steps` batches
                batches += 1
                if batches % steps == 0:
                    _clip_and_step(torch, model, opt, clip, history)
            history.step_loss.append(value.item())
            total += value.item() * len(xb)
        history.loss.append(total / n)
        if val is not None:
            model.eval()
            with torch.no_grad():
                history.val_loss.append(loss_fn(model(val[0]), val[1]).item())
    history.seconds = time.perf_counter() - start
    return history


def _clip_and_step(torch, model, opt, clip: dict, history: History) -> None:
    """Record the global gradient norm, clip as asked, step, and zero the gradients."""
    params = [p for p in model.parameters() if p.grad is not None]
    history.grad_norm.append(torch.nn.utils.get_total_norm([p.grad for p in params]).item())
    if "clipvalue" in clip:
        torch.nn.utils.clip_grad_value_(params, clip["clipvalue"])
    elif "clipnorm" in clip:  # Keras' clipnorm: each parameter tensor on its own
        for param in params:
            torch.nn.utils.clip_grad_norm_([param], clip["clipnorm"])
    elif "global_clipnorm" in clip:
        torch.nn.utils.clip_grad_norm_(params, clip["global_clipnorm"])
    opt.step()
    opt.zero_grad()


def _torch_optimizer(torch, model, optimizer: str, lr: float, weight_decay: float = 0.0, *,
                     full_batch: bool):
    if optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    if optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    if optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    if not full_batch:
        raise ValueError("`optimizer='lbfgs'` needs full-batch training (its line search assumes "
                         "the same loss at every evaluation). Received: a batch_size below len(x)")
    return torch.optim.LBFGS(model.parameters(), lr=lr, max_iter=20, tolerance_grad=1e-10,
                             tolerance_change=1e-12, line_search_fn="strong_wolfe")


def _check_callable(loss):
    if not callable(loss):
        raise TypeError(f"`loss` must be a callable or a loss name. "
                        f"Received: loss={describe(loss)}")
    return loss


def _epochs(epochs, progress):
    if not progress:
        return range(epochs)
    from tqdm.auto import tqdm

    return tqdm(range(epochs), desc="epochs")


def _step_loss_callback(keras, history: History, n: int, batch_size: int):
    """Recover each step's loss from Keras' running (batch-size weighted) epoch average."""

    class StepLoss(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.seen, self.running = 0, 0.0

        def on_train_batch_end(self, batch, logs=None):
            size = min(batch_size, n - self.seen)
            mean = float(logs["loss"])
            history.step_loss.append((mean * (self.seen + size) - self.running * self.seen) / size)
            self.seen, self.running = self.seen + size, mean

    return StepLoss()


def _keras_inputs(keras, x, y, batch_size: int, shuffle: bool, seed: int) -> dict:
    """``fit`` arguments for the data. On TensorFlow, one repeated ``tf.data`` pipeline:
    handing NumPy arrays to ``fit`` builds a new iterator every epoch (~30 ms each)."""
    steps = -(-len(x) // batch_size)
    if keras.backend.backend() != "tensorflow":
        return dict(x=x, y=y, batch_size=batch_size, shuffle=shuffle)
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle and batch_size < len(x):
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dict(x=dataset.batch(batch_size).repeat(), steps_per_epoch=steps, shuffle=False)


def _val_loss_callback(keras, history: History, loss_fn, validation):
    """Evaluate the loss on the validation data after each epoch (cheaper than Keras' own)."""
    x_val, y_val = validation

    class ValLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            y_pred = self.model(x_val, training=False)
            history.val_loss.append(float(keras.ops.convert_to_numpy(loss_fn(y_val, y_pred))))

    return ValLoss()


def fit_keras(model, x, y, *, loss, epochs: int = 100, batch_size: int | None = None,
              lr: float = 0.1, optimizer: str = "sgd", seed: int = 0, shuffle: bool = True,
              progress: bool = False, validation=None, jit_compile="auto",
              clip_value: float | None = None, clip_norm: float | None = None,
              global_clip_norm: float | None = None, weight_decay: float = 0.0,
              accumulation_steps: int = 1) -> History:
    """Train a Keras model with ``compile`` and ``fit``; return a :class:`History`.

    The arguments mean what they mean for :func:`fit_torch`; ``loss`` callables take
    ``(y_true, y_pred)`` (a ``keras.losses.Loss`` or a function). ``batch_size=None`` is
    full-batch (Keras' own default would be 32). ``"adam"`` and ``"adamw"`` use torch's
    ``epsilon=1e-8`` so that both frameworks run the same update. Clipping, weight decay and
    accumulation go to the optimiser's constructor (``clipvalue``, ``clipnorm``,
    ``global_clipnorm``, ``weight_decay``, ``gradient_accumulation_steps``).
    ``progress=True`` shows Keras' bar (``verbose=1``); ``seed`` seeds Keras and the
    shuffling (``keras.utils.set_random_seed``).
    """
    keras = _keras()
    x, y, epochs, batch_size = _check_run(x, y, epochs, batch_size, lr, optimizer, seed)
    clip, weight_decay, steps = _check_options(optimizer, clip_value, clip_norm,
                                               global_clip_norm, weight_decay, accumulation_steps)
    _framework(model)
    loss_fn = get_loss(loss, "keras") if isinstance(loss, str) else _check_callable(loss)
    keras.utils.set_random_seed(seed)
    if optimizer == "lbfgs":
        raise ValueError("Keras has no L-BFGS optimiser; use 'sgd', 'adam' or 'adamw' (or "
                         "fit_torch). Received: optimizer='lbfgs'")
    options = dict(learning_rate=lr, **clip,
                   gradient_accumulation_steps=steps if steps > 1 else None)
    if weight_decay or optimizer == "adamw":  # AdamW's own default decay is 0.004 (torch 0.01)
        options["weight_decay"] = weight_decay
    opt = (keras.optimizers.SGD(**options) if optimizer == "sgd"
           else keras.optimizers.Adam(epsilon=1e-8, **options) if optimizer == "adam"
           else keras.optimizers.AdamW(epsilon=1e-8, **options))
    model.compile(optimizer=opt, loss=loss_fn, jit_compile=jit_compile)
    history, start = History(framework="keras"), time.perf_counter()
    callbacks = [_step_loss_callback(keras, history, len(x), batch_size)]
    val = _validation_arrays(validation)
    if val is not None:
        callbacks.append(_val_loss_callback(keras, history, loss_fn, val))
    result = model.fit(**_keras_inputs(keras, x, y, batch_size, shuffle, seed), epochs=epochs,
                       verbose=1 if progress else 0, callbacks=callbacks)
    history.loss = [float(v) for v in result.history["loss"]]
    history.seconds = time.perf_counter() - start
    return history


def fit(model, x, y, **kwargs) -> History:
    """:func:`fit_torch` or :func:`fit_keras`, whichever ``model`` needs (same arguments)."""
    return (fit_torch if _framework(model) == "torch" else fit_keras)(model, x, y, **kwargs)
