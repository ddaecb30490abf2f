"""Autograded exercises: check a student's loss function against :mod:`lossbook.reference`.

::

    def my_huber(y_true, y_pred, delta=1.0):
        ...                                   # NumPy, torch or keras.ops
    lb.exercises.check("huber", my_huber)     # prints what passed, or what failed and a hint

The contract for the student's function:

- it takes ``(y_true, y_pred)``, Keras' order (a torch-style ``(input, target)`` function is
  checked with ``order="torch"``), plus the exercise's hyper-parameters as keyword arguments
  if it accepts them (``delta=``, ``tau=``, ...) — then several values of them are tried;
- it is given NumPy float64 arrays, torch float64 tensors or Keras tensors, depending on
  ``framework=`` (``"numpy"``, ``"torch"`` or ``"keras"``; detected from the names the function
  uses when left out);
- it returns the **mean** loss over all elements, a single number (``reduction="sum"`` or
  ``"none"`` in :func:`check` ask for the sum or the per-sample values instead).

:func:`check` compares it on hand-picked, seeded random and extreme inputs and, for torch, its
autograd gradient with :func:`lossbook.reference.gradient`. It never raises for a wrong or
unfinished function (unless ``strict=True``): it returns a :class:`CheckResult` whose text says
which case failed, expected vs got, and a hint that points at the mistake without stating the
answer. It never shows the reference's code. A function that calls a ready-made implementation
of the loss (the framework's built-in, e.g. ``torch.nn.functional.huber_loss`` or
``keras.losses.Huber``, or lossbook's own) fails every check; so does one that does not return
within ``timeout`` seconds. A name that is not an exercise, or bad ``framework``/``order``, is a
``ValueError`` (a mistake in the notebook, not in the student's answer).

An assignment grades a part that uses an earlier answer with the reference in its place
(:func:`reference_in_place`), so that one mistake does not cost two parts.

The exercises live in one bank per chapter (:mod:`lossbook.exercises.regression`, ...);
the checker in ``_check``.
"""

from __future__ import annotations

from lossbook.exercises._check import CheckResult, Failure, available, check, list  # noqa: A004
from lossbook.exercises._reference import reference_function, reference_in_place

__all__ = ["CheckResult", "Failure", "available", "check", "list", "reference_function",
           "reference_in_place"]
