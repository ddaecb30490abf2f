"""The reference answer of an exercise as a function, for grading a later part of an assignment
on its own (private to :mod:`lossbook.exercises`).

A part that *uses* an earlier answer (train a model with your pinball loss) would otherwise fail
whenever the earlier part did: the grader runs it with the reference in place of the student's
function::

    with lb.exercises.reference_in_place(globals(), "torch", pinball_torch="pinball"):
        low_model = fit_quantile(0.1)      # fit_quantile calls pinball_torch: the reference

The reference is lossbook's own implementation (or the framework's built-in) from the
catalogue entry of the exercise, called as the exercise's contract says: ``(y_true, y_pred,
**params)`` in Keras' order, the mean loss, differentiable in its framework.
"""

from __future__ import annotations

import contextlib

from lossbook._validation import check_in_choices
from lossbook.exercises._bank import Exercise
from lossbook.exercises._guard import exempt, forbidden_objects

__all__ = ["reference_function", "reference_in_place"]

_FRAMEWORKS = ("torch", "keras")


def _entry(exercise: Exercise):
    from lossbook import catalog

    candidates = [e for e in catalog.entries() if e.reference_name == exercise.reference]
    for entry in candidates:  # the entry whose fixed parameters the exercise shares
        if all(exercise.params.get(k, v) == v for k, v in entry.fixed_params.items()):
            return entry
    if candidates:
        return candidates[0]
    raise ValueError(f"no catalogue entry has reference_name={exercise.reference!r}")


def _lossbook_function(exercise: Exercise, framework: str):
    """lossbook's own function for the loss in ``framework``, or None."""
    for value in forbidden_objects(exercise.reference):
        if not isinstance(value, type) and not value.__name__.startswith("_") and (
                getattr(value, "__module__", "") or "").startswith(f"lossbook.{framework}."):
            return value
    return None


def reference_function(name: str, framework: str):
    """``f(y_true, y_pred, **params)``: the mean loss of exercise ``name`` in ``framework``
    (``"torch"`` or ``"keras"``), with the exercise's default hyper-parameters.

    >>> import torch
    >>> pinball = reference_function("pinball", "torch")
    >>> y_true, y_pred = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0])
    >>> round(float(pinball(y_true, y_pred, tau=0.9)), 6)  # under-predicting 1 costs 0.9
    0.45
    """
    from lossbook.exercises._check import _get

    return _reference_of(_get(name), framework)


def _reference_of(exercise: Exercise, framework: str):
    check_in_choices(framework, "framework", _FRAMEWORKS)
    entry = _entry(exercise)

    def params_of(params):
        return {k: v for k, v in {**exercise.params, **params}.items()
                if k not in entry.fixed_params}

    own = _lossbook_function(exercise, framework)
    if own is not None and framework == "torch":
        def function(y_true, y_pred, **params):
            return own(y_pred, y_true, **{**exercise.params, **params})
    elif own is not None:
        def function(y_true, y_pred, **params):
            from keras import ops

            return ops.mean(own(y_true, y_pred, **{**exercise.params, **params}))
    elif framework == "torch" and callable(getattr(entry.unbound["torch"], "call", None)):
        # the catalogue's torch loss with its translations, on tensors: the class axis moved
        # to dim 1 for (N, T, C) scores, GaussianNLLLoss's means and variances apart, ...
        call = entry.unbound["torch"].call

        def function(y_true, y_pred, **params):
            return call(y_true, y_pred, **{**entry.fixed_params, **params_of(params)})
    elif framework == "torch":
        def function(y_true, y_pred, **params):
            return entry.framework_loss("torch", **params_of(params))(y_pred, y_true)
    else:
        def function(y_true, y_pred, **params):
            return entry.framework_loss("keras", **params_of(params))(y_true, y_pred)
    def reference(y_true, y_pred, **params):
        with exempt():  # the grader's stand-in may use the ready-made loss a check forbids
            return function(y_true, y_pred, **params)

    reference.__name__ = f"reference_{exercise.name}_{framework}"
    reference.__doc__ = f"The reference {exercise.title} in {framework} (mean over all elements)."
    return reference


@contextlib.contextmanager
def reference_in_place(namespace: dict, framework: str, **names):
    """Inside the block, ``namespace[name]`` is the reference function of exercise
    ``names[name]`` in ``framework``; the previous values (or their absence) come back after.

    ``namespace`` is usually the notebook's ``globals()``; a name that is not an exercise is a
    ``ValueError`` naming it.
    """
    from lossbook.exercises._check import _get

    check_in_choices(framework, "framework", _FRAMEWORKS)
    if not isinstance(namespace, dict):
        raise TypeError(f"`namespace` must be a dict such as globals(). Received: "
                        f"{type(namespace).__name__}")
    functions = {name: _reference_of(_get(exercise), framework)
                 for name, exercise in names.items()}
    missing = object()
    saved = {name: namespace.get(name, missing) for name in functions}
    namespace.update(functions)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value

