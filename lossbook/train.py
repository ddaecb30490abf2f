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
    check_positive,
    describe,
)

__all__ = [
    "ALIASES", "LOSSES", "OPTIMIZERS", "History", "copy_weights", "fit", "fit_keras", "fit_torch",
    "get_loss", "line", "linear_model", "mlp", "predict", "weights",
]

OPTIMIZERS = ("sgd", "adam", "lbfgs")  # L-BFGS: torch only, full batch

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
        step_loss: the loss of every optimiser step (one per batch).
        framework: ``"torch"`` or ``"keras"``.
        seconds: wall-clock time of the run.
    """

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
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


# -- training -----------------------------------------------------------------------------------

def fit_torch(model, x, y, *, loss, epochs: int = 100, batch_size: int | None = None,
              lr: float = 0.1, optimizer: str = "sgd", device=None, seed: int = 0,
              shuffle: bool = True, progress: bool = False, validation=None) -> History:
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
    """
    import torch

    from lossbook._env import device as best_device

    x, y, epochs, batch_size = _check_run(x, y, epochs, batch_size, lr, optimizer, seed)
    _framework(model)
    loss_fn = get_loss(loss, "torch") if isinstance(loss, str) else _check_callable(loss)
    device = best_device() if device is None else torch.device(device)
    model.to(device)
    x_all, y_all = torch.as_tensor(x, device=device), torch.as_tensor(y, device=device)
    val = _validation_arrays(validation)
    if val is not None:
        val = tuple(torch.as_tensor(a, device=device) for a in val)
    opt = _torch_optimizer(torch, model, optimizer, lr, full_batch=batch_size >= len(x))
    generator = torch.Generator().manual_seed(seed)
    history, start, n = History(framework="torch"), time.perf_counter(), len(x)
    for _ in _epochs(epochs, progress):
        model.train()
        full = batch_size >= n
        order = torch.randperm(n, generator=generator) if shuffle and not full else torch.arange(n)
        total = 0.0
        for first in range(0, n, batch_size):
            rows = order[first:first + batch_size].to(device)
            xb, yb = (x_all, y_all) if full else (x_all[rows], y_all[rows])

            def closure(xb=xb, yb=yb):
                opt.zero_grad()
                value = loss_fn(model(xb), yb)
                value.backward()
                return value

            value = opt.step(closure)  # the loss before the step (L-BFGS re-evaluates it)
            history.step_loss.append(value.item())
            total += value.item() * len(xb)
        history.loss.append(total / n)
        if val is not None:
            model.eval()
            with torch.no_grad():
                history.val_loss.append(loss_fn(model(val[0]), val[1]).item())
    history.seconds = time.perf_counter() - start
    return history


def _torch_optimizer(torch, model, optimizer: str, lr: float, *, full_batch: bool):
    if optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    if optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
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
              progress: bool = False, validation=None, jit_compile="auto") -> History:
    """Train a Keras model with ``compile`` and ``fit``; return a :class:`History`.

    The arguments mean what they mean for :func:`fit_torch`; ``loss`` callables take
    ``(y_true, y_pred)`` (a ``keras.losses.Loss`` or a function). ``batch_size=None`` is
    full-batch (Keras' own default would be 32). ``"adam"`` uses torch's ``epsilon=1e-8``
    so that both frameworks run the same update. ``progress=True`` shows Keras' bar
    (``verbose=1``); ``seed`` seeds Keras and the shuffling (``keras.utils.set_random_seed``).
    """
    keras = _keras()
    x, y, epochs, batch_size = _check_run(x, y, epochs, batch_size, lr, optimizer, seed)
    _framework(model)
    loss_fn = get_loss(loss, "keras") if isinstance(loss, str) else _check_callable(loss)
    keras.utils.set_random_seed(seed)
    if optimizer == "lbfgs":
        raise ValueError("Keras has no L-BFGS optimiser; use 'sgd' or 'adam' (or fit_torch). "
                         "Received: optimizer='lbfgs'")
    opt = (keras.optimizers.SGD(learning_rate=lr) if optimizer == "sgd"
           else keras.optimizers.Adam(learning_rate=lr, epsilon=1e-8))
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
