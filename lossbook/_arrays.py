"""Small array helpers shared by the catalogue, ``compare`` and ``exercises``: one copy each.

- :func:`to_numpy`: a torch, TensorFlow, JAX or Keras tensor (or anything array-like) as
  float64 NumPy;
- :func:`float32_exact`: floats rounded to the nearest float32, so that a framework running in
  float32 sees exactly the numbers the float64 reference sees;
- :func:`close`: element-wise ``|value - expected| <= atol + rtol * |expected|``, where equal
  infinities are close and NaN never is.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["close", "float32_exact", "to_numpy"]

_TENSOR_LIBRARIES = ("tensorflow", "keras", "jax", "jaxlib")


def to_numpy(value, *, scalar: bool = True):
    """``value`` as a float64 NumPy array; a 0-d result as a Python ``float`` when ``scalar``.

    Torch tensors are detached and moved to the CPU; TensorFlow, JAX and Keras tensors go
    through ``keras.ops.convert_to_numpy`` (Keras is already imported whenever such a tensor
    exists). A value that is not numeric is a ``TypeError`` naming its type.

    >>> to_numpy([1, 2])
    array([1., 2.])
    >>> to_numpy(np.float32(0.5))
    0.5
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch
        value = value.detach().cpu()
        value = value.double() if value.is_floating_point() else value
        value = value.numpy()
    elif type(value).__module__.split(".")[0] in _TENSOR_LIBRARIES:
        keras = sys.modules.get("keras")
        if keras is not None:
            value = keras.ops.convert_to_numpy(value)
        elif hasattr(value, "numpy"):
            value = value.numpy()
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == bool):
        raise TypeError("expected a number, an array of numbers or a tensor. "
                        f"Received: a value of type {type(value).__name__}")
    array = array.astype(np.float64)
    return float(array) if scalar and array.ndim == 0 else array


def float32_exact(array):
    """Floating ``array`` rounded to float32 and back to float64; other dtypes (labels), and
    ``None`` (the triplet loss's ``y_true``), unchanged."""
    if array is None:
        return None
    array = np.asarray(array)
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float32).astype(np.float64)
    return array


def close(value, expected, *, rtol: float, atol: float) -> np.ndarray:
    """Element-wise: is ``value`` within ``atol + rtol * |expected|`` of ``expected``?

    An infinite ``expected`` is matched only by the same infinity; NaN is never close.

    >>> close([1.0, np.inf, np.nan], [1.0 + 1e-9, np.inf, np.nan], rtol=1e-6, atol=0.0)
    array([ True,  True, False])
    """
    value, expected = np.asarray(value, np.float64), np.asarray(expected, np.float64)
    with np.errstate(invalid="ignore"):
        within = np.abs(value - expected) <= atol + rtol * np.abs(expected)
        return np.where(np.isfinite(expected), within, value == expected)
