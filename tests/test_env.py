"""lossbook.setup(): seeding, devices, backends, errors — the first line of every notebook."""

import os
import subprocess
import sys

import numpy as np
import pytest

import lossbook as lb


def _run(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (Keras' backend is fixed once imported)."""
    environment = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment, timeout=300)


def test_setup_reports_devices_and_backend_in_one_line():
    env = lb.setup(0, verbose=False)
    assert env.seed == 0
    assert env.torch_device.type in ("cpu", "cuda", "mps")
    assert env.keras_backend in ("tensorflow", "torch", "jax")
    assert isinstance(env.gpu, bool)
    text = repr(env)
    assert "\n" not in text and "seed=0" in text and "keras" in text and "torch" in text


def test_setup_seeds_numpy_and_torch_and_is_harmless_twice():
    import torch

    lb.setup(7, verbose=False)
    first = (np.random.rand(3), torch.rand(3))  # noqa: NPY002 (the global state setup seeds)
    again = lb.setup(7, verbose=False)
    second = (np.random.rand(3), torch.rand(3))  # noqa: NPY002 (the global state setup seeds)
    np.testing.assert_array_equal(first[0], second[0])
    assert torch.equal(first[1], second[1])
    assert repr(again) == repr(lb.setup(7, verbose=False))


def test_setup_prints_its_summary(capsys):
    env = lb.setup(1)
    assert capsys.readouterr().out.strip() == repr(env)


@pytest.mark.parametrize("seed, error, words", [
    ("0", TypeError, "`seed` must be a non-negative integer. Received: seed='0'"),
    (1.5, TypeError, "Received: seed=1.5"),
    (True, TypeError, "Received: seed=True"),
    (-1, ValueError, r"\[0, 2\*\*32\). Received: seed=-1"),
], ids=["string", "float", "bool", "negative"])
def test_bad_seed_names_the_argument(seed, error, words):
    with pytest.raises(error, match=words):
        lb.setup(seed)


def test_unknown_backend_names_the_choices():
    with pytest.raises(ValueError, match=r"`keras_backend` must be one of .*Received: keras_backend='theano'"):
        lb.setup(keras_backend="theano")


def test_backend_cannot_change_after_keras_is_imported():
    env = lb.setup(verbose=False)
    other = "torch" if env.keras_backend != "torch" else "tensorflow"
    with pytest.raises(ValueError, match="restart the kernel"):
        lb.setup(keras_backend=other)


def test_keras_on_the_torch_backend():
    result = _run("import lossbook as lb; env = lb.setup(); print(env.keras_backend)",
                  KERAS_BACKEND="torch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "torch"


def test_without_tensorflow_keras_runs_on_torch():
    # sys.modules[name] = None makes `import tensorflow` fail, as on a machine without it
    code = ("import sys; sys.modules['tensorflow'] = None\n"
            "import lossbook as lb; env = lb.setup(verbose=False)\n"
            "assert 'tensorflow' not in env.versions, env.versions\n"
            "print(env.keras_backend)")
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "torch"


def test_tensorflow_start_up_lines_do_not_reach_stderr():
    result = _run("import lossbook as lb; lb.setup()", KERAS_BACKEND="tensorflow")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"setup() leaked to stderr: {result.stderr[:300]!r}"
