"""Step a of bench/gpu/run.sh: the machine, nvidia-smi and the versions, to stdout."""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import subprocess
import sys
import time

print(f"date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}  host: {platform.node()}  "
      f"cores: {os.cpu_count()}")
commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
print("commit:", commit.stdout.strip() or "not a git checkout (the device tool copies the tree)")
if shutil.which("nvidia-smi"):
    print(subprocess.run(["nvidia-smi"], capture_output=True, text=True).stdout)
else:
    print("nvidia-smi: not here")
print("python", platform.python_version(), sys.executable)
for name in ("numpy", "scipy", "matplotlib", "sklearn", "keras", "jax", "jaxlib", "nbclient",
             "ipykernel", "lossbook"):
    try:
        module = importlib.import_module(name)
        print(f"{name} {getattr(module, '__version__', '?')}  ({module.__file__})")
    except Exception as error:  # a missing package is a result here
        print(f"{name}: {type(error).__name__}: {error}")

import torch  # noqa: E402

print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn",
      torch.backends.cudnn.version(), "available", torch.cuda.is_available())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"cuda device: {p.name}, {p.total_memory / 2**30:.0f} GiB, capability "
          f"{p.major}.{p.minor}, {p.multi_processor_count} SMs")
print("F.linear_cross_entropy:", hasattr(torch.nn.functional, "linear_cross_entropy"),
      " nn.LinearCrossEntropyOptions:", hasattr(torch.nn, "LinearCrossEntropyOptions"))
try:
    import jax

    print("jax devices:", jax.devices())
except Exception as error:
    print("jax devices:", type(error).__name__, error)

import matplotlib.pyplot  # noqa: E402, F401  (builds the font cache once, before the kernels)

import lossbook as lb  # noqa: E402

start = time.perf_counter()
env = lb.setup(0, verbose=False)
print(f"lb.setup(): {env}  ({time.perf_counter() - start:.1f} s)")
