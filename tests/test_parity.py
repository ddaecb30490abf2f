"""One parity test: every catalogue loss in torch and Keras equals the NumPy reference.

Parametrised over catalogue entry x input shape x reduction x framework, on random valid
inputs from each entry's sampler (float32-exact values, so only the frameworks' float32
arithmetic separates them from the float64 reference), within the entry's tolerance.
Runs on whichever Keras backend ``$KERAS_BACKEND`` selects (tensorflow or torch).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from lossbook import catalog


def _cases():
    for entry in catalog.entries():
        for shape in entry.shapes:
            for reduction in entry.reductions:
                for framework in catalog.FRAMEWORKS:
                    shape_id = "x".join(str(size) for size in shape)
                    yield pytest.param(entry.name, shape, reduction, framework,
                                       id=f"{entry.name}-{shape_id}-{reduction}-{framework}")


@pytest.mark.parametrize(("name", "shape", "reduction", "framework"), list(_cases()))
def test_framework_matches_reference(name, shape, reduction, framework):
    entry = catalog.get(name)
    # a fixed seed per loss and shape: both frameworks and all reductions see the same inputs
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    y_true, y_pred, params = entry.sample(rng, shape)

    expected = entry.reference(y_true, y_pred, reduction=reduction, **params)
    value = entry.run(framework, y_true, y_pred, reduction=reduction, **params)

    assert np.shape(value) == np.shape(expected), f"{framework} returned shape {np.shape(value)}"
    np.testing.assert_allclose(
        value, expected, rtol=entry.tolerance.rtol, atol=entry.tolerance.atol,
        err_msg=f"{framework} vs reference for {name} with {params}, reduction={reduction!r}")

