"""The catalogue: one :class:`Entry` per loss of the book.

Each entry names the loss, its task, label format and input kind, its formula (LaTeX,
written once here), its properties, the NumPy reference, and adapters that run the torch and
Keras versions — the frameworks' built-ins wherever one exists — on the *same*
``(y_true, y_pred, **params)``, plus a sampler of valid random inputs, a float32 tolerance and
the documented differences between each framework and the reference (by trap number of the
"Framework traps" appendix).

Variants that differ by a fixed hyper-parameter are separate entries (e.g.
``binary_crossentropy`` on probabilities and ``binary_crossentropy_from_logits``): the
entry's ``reference_name`` is the reference function, ``fixed_params`` what it binds.

>>> from lossbook import catalog
>>> catalog.get("huber").task
'regression'
>>> "log_cosh" in catalog.names(task="regression")
True
"""

from __future__ import annotations

import difflib

from lossbook.catalog._entry import FRAMEWORKS, Entry, KnownDifference, Sample, Tolerance

__all__ = ["FRAMEWORKS", "Entry", "KnownDifference", "Sample", "Tolerance", "entries", "get",
           "names"]

_REGISTRY: dict[str, Entry] = {}


def _load() -> dict[str, Entry]:
    if not _REGISTRY:
        from lossbook.catalog import (
            classification,
            margins,
            noisy,
            overlap,
            pairs,
            preference,
            probabilistic,
            regression,
            sequence,
        )

        for module in (regression, classification, noisy, margins, overlap, sequence, pairs,
                       probabilistic, preference):
            for entry in module.ENTRIES:
                if entry.name in _REGISTRY:
                    raise RuntimeError(f"duplicate catalogue entry {entry.name!r}")
                _REGISTRY[entry.name] = entry
    return _REGISTRY


def get(name: str) -> Entry:
    """The entry called ``name``; a ``ValueError`` listing close matches otherwise."""
    registry = _load()
    if name in registry:
        return registry[name]
    close = difflib.get_close_matches(str(name), list(registry), n=5, cutoff=0.5)
    hint = f"Did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    raise ValueError(f"`name` must be a loss of the catalogue. {hint}"
                     f"Available: {', '.join(sorted(registry))}. Received: name={name!r}")


def entries(task: str | None = None) -> list[Entry]:
    """Every entry, in book order, or those of one ``task``."""
    from lossbook.catalog._entry import TASKS

    if task is not None and task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS} or None. Received: task={task!r}")
    return [entry for entry in _load().values() if task is None or entry.task == task]


def names(task: str | None = None) -> list[str]:
    """The names of :func:`entries`."""
    return [entry.name for entry in entries(task)]
