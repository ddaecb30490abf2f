"""``lossbook.setup()``: the first line of every notebook.

It seeds every random number generator the book uses, quiets TensorFlow before it is first
imported, lets TensorFlow and torch share one GPU, picks the torch device and reports the
Keras backend — in one line, so that a reader sees at a glance what ran where.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import numbers
import os
import random
import sys
import tempfile
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Env", "KERAS_BACKENDS", "device", "quiet_import", "setup"]

KERAS_BACKENDS = ("tensorflow", "torch", "jax")


@contextlib.contextmanager
def _stderr_fd_captured():
    """Send file descriptor 2 to a temporary file for the duration of the block.

    TensorFlow's C++ runtime writes start-up lines (oneDNN, CUDA stubs, absl) straight to
    fd 2 during ``import``; no environment variable of TF 2.21 silences all of them, and in
    a notebook they would land in the rendered book. What was written is re-raised with an
    import error, so nothing that matters is hidden.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield sink
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def quiet_import(name: str):
    """Import module ``name`` (``"tensorflow"``, ``"keras"``, ...) without its start-up log
    lines."""
    if name in sys.modules:
        return sys.modules[name]
    if name.split(".")[0] in ("tensorflow", "keras"):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _stderr_fd_captured() as sink:
        try:
            module = importlib.import_module(name)
        except Exception as error:
            sink.seek(0)
            detail = sink.read().decode(errors="replace").strip()
            if detail:
                raise ImportError(f"importing {name} failed; it wrote:\n{detail}") from error
            raise
    if name == "tensorflow":
        module.get_logger().setLevel(logging.ERROR)
        with contextlib.suppress(ImportError):
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
    return module


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def device():
    """The best ``torch.device`` here: CUDA, then Apple's MPS, then the CPU."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass(frozen=True)
class Env:
    """What :func:`setup` found: devices, backends and versions."""

    seed: int
    torch_device: object  # torch.device, or None without torch
    keras_backend: str | None
    keras_devices: tuple[str, ...]
    gpu: bool
    versions: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        v = self.versions
        parts = [f"lossbook {v.get('lossbook', '?')}", f"seed={self.seed}"]
        if self.torch_device is not None:
            parts.append(f"torch {v.get('torch')} on {self.torch_device}")
        if self.keras_backend is not None:
            backend_version = v.get(self.keras_backend, "")
            parts.append(
                f"keras {v.get('keras')} ({self.keras_backend} {backend_version}".rstrip()
                + f") on {', '.join(self.keras_devices) or 'cpu'}"
            )
        parts.append(f"numpy {v.get('numpy')}")
        parts.append("GPU: yes" if self.gpu else "GPU: none, running on the CPU")
        return " | ".join(parts)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`seed` must be a non-negative integer. "
                        f"Received: seed={seed!r} ({type(seed).__name__})")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"`seed` must be an integer in [0, 2**32). Received: seed={seed!r}")
    return int(seed)


def _choose_backend(keras_backend) -> str | None:
    if keras_backend is not None and keras_backend not in KERAS_BACKENDS:
        raise ValueError(
            f"`keras_backend` must be one of {KERAS_BACKENDS} or None (use $KERAS_BACKEND, else "
            f"tensorflow when installed, else torch). Received: keras_backend={keras_backend!r}"
        )
    if not _installed("keras"):
        return None
    requested = keras_backend or os.environ.get("KERAS_BACKEND")
    if requested is None:
        requested = "tensorflow" if _installed("tensorflow") else "torch"
    if requested not in KERAS_BACKENDS:
        raise ValueError(
            f"$KERAS_BACKEND must be one of {KERAS_BACKENDS}. Received: KERAS_BACKEND={requested!r}"
        )
    if "keras" in sys.modules:
        loaded = sys.modules["keras"].backend.backend()
        if loaded != requested and keras_backend is not None:
            raise ValueError(
                f"Keras is already running on the {loaded!r} backend, which cannot change inside "
                f"one process; restart the kernel. Received: keras_backend={keras_backend!r}"
            )
        return loaded
    os.environ["KERAS_BACKEND"] = requested
    return requested


def _tensorflow_gpus(tf) -> list:
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        # TF would otherwise reserve the whole GPU and leave torch nothing.
        with contextlib.suppress(RuntimeError):  # already initialised: setting is fixed
            tf.config.experimental.set_memory_growth(gpu, True)
    return gpus


def _keras_devices(backend: str, torch_device) -> tuple[str, ...]:
    if backend == "tensorflow":
        tf = sys.modules["tensorflow"]
        return tuple(d.name.split("device:")[-1].lower() for d in tf.config.list_logical_devices())
    if backend == "torch":
        return (str(torch_device),)
    import jax

    return tuple(str(d) for d in jax.devices())


def _setup_keras(backend: str, seed: int, torch_device, versions: dict, gpu: bool):
    """Import and seed Keras (and TensorFlow), record versions; return (devices, gpu)."""
    if backend == "tensorflow":
        tf = quiet_import("tensorflow")
        gpu = bool(_tensorflow_gpus(tf)) or gpu
        versions["tensorflow"] = tf.__version__
    if backend == "jax":
        # JAX computes in float32 even on float64 arrays unless x64 is on; the book's float64
        # checks (Keras in float64 against the reference) need it, as TF and torch have it
        import jax

        jax.config.update("jax_enable_x64", True)
    keras = quiet_import("keras")
    keras.utils.set_random_seed(seed)
    versions["keras"] = keras.__version__
    if backend == "jax":
        versions["jax"] = sys.modules["jax"].__version__
    keras_devices = _keras_devices(backend, torch_device)
    gpu = gpu or any(not d.lower().startswith("cpu") for d in keras_devices)
    return keras_devices, gpu


def setup(seed: int = 0, *, keras_backend: str | None = None, verbose: bool = True) -> Env:
    """Seed everything, quiet TensorFlow, pick devices and report them in one line.

    Args:
        seed: non-negative integer seeding Python, NumPy, torch and Keras.
        keras_backend: ``"tensorflow"``, ``"torch"`` or ``"jax"``; ``None`` keeps
            ``$KERAS_BACKEND``, else TensorFlow when installed, else torch. Keras cannot
            change backend once imported: asking for another one then is an error.
        verbose: print the one-line summary.

    Returns:
        An :class:`Env` with ``torch_device``, ``keras_backend``, ``gpu`` and versions.
        Calling ``setup`` again re-seeds and returns the same description.

    >>> env = setup(0, verbose=False)
    >>> env.seed
    0
    """
    seed = _check_seed(seed)
    backend = _choose_backend(keras_backend)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    warnings.filterwarnings("ignore", category=DeprecationWarning,
                            module=r"(tensorflow|keras|google|absl)")

    import lossbook

    versions = {"lossbook": lossbook.__version__, "numpy": np.__version__}
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- seeding the legacy global generator is the point

    gpu = False
    torch_device = None
    if _installed("torch"):
        import torch

        torch.manual_seed(seed)  # also seeds every CUDA device
        torch_device = device()
        gpu = torch_device.type in ("cuda", "mps")
        versions["torch"] = torch.__version__.split("+")[0]

    keras_devices: tuple[str, ...] = ()
    if backend is not None:
        with _stderr_fd_captured():  # TF also logs when it first initialises its devices
            keras_devices, gpu = _setup_keras(backend, seed, torch_device, versions, gpu)

    env = Env(seed=seed, torch_device=torch_device, keras_backend=backend,
              keras_devices=keras_devices, gpu=gpu, versions=versions)
    if verbose:
        print(env)
    return env
