"""lossbook: the helper package of the runnable textbook on loss functions.

Every notebook of the book starts with::

    import lossbook as lb
    env = lb.setup()

Submodules are imported on first use (``lb.reference``, ``lb.catalog``, ``lb.compare``,
``lb.data``, ``lb.plot``, ``lb.train``, ``lb.metrics``, ``lb.exercises``, ``lb.torch``,
``lb.keras``, ``lb.select``), so that
``import lossbook`` stays cheap and TensorFlow is configured by :func:`setup` *before* it is
first imported.
"""

from __future__ import annotations

import importlib

from lossbook._env import Env, device, setup

__version__ = "0.1.0"
__all__ = ["Env", "device", "setup", "__version__"]

_SUBMODULES = (
    "catalog", "compare", "data", "exercises", "keras", "metrics", "plot", "reference", "select",
    "torch", "train",
)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"lossbook.{name}")
    raise AttributeError(f"module 'lossbook' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
