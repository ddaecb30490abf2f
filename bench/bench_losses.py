"""lossbook's losses beside the nearest built-in composite: forward + backward, side by side.

Not a test: it prints, for every ``lossbook.torch`` function and every ``lossbook.keras`` loss
class, the median microseconds of one forward + backward call of lossbook's loss and of what a
reader would otherwise write from the framework's built-ins, on the same inputs, timed
alternately (ours, built-in, ours, ...) so a busy machine slows both alike, and their ratio.
A ratio over 1.25 is marked with ``*``; a pair that is not like for like says why below its
table. The cases live in :mod:`lossbook.perf` (the book's performance appendix runs them too).

torch runs on the CPU and, when ``torch.cuda.is_available()``, on CUDA; Keras runs in one
subprocess per backend (``--keras-backends``), each as ``fit`` runs it: ``tf.function`` on
TensorFlow, ``jax.jit`` on JAX, eager on torch.

    .venv/bin/python bench/bench_losses.py                 # everything, one thread
    .venv/bin/python bench/bench_losses.py --quick         # a smoke run (~1 min)
    .venv/bin/python bench/bench_losses.py --only torch --device cuda --budget 2
    .venv/bin/python bench/bench_losses.py --markdown out.md   # the tables for a note
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from lossbook import perf  # noqa: E402

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
              "TF_NUM_INTEROP_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


def _keras_rows(backend: str, budget: float, threads: int | None) -> list[perf.Row]:
    """Run the Keras cases in a fresh process on ``backend`` (Keras picks it at import)."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if threads == 1:
        env.update(ONE_THREAD)
    code = ("import json, sys; from dataclasses import asdict; from lossbook import perf; "
            f"print(json.dumps([asdict(r) for r in perf.time_keras_cases(budget_s={budget})]))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True,
                            cwd=os.path.join(os.path.dirname(__file__), ".."))
    return [perf.Row(**row) for row in json.loads(result.stdout.strip().splitlines()[-1])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.1 s per case (a smoke run)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per case")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads (default 1: steady numbers on a shared machine)")
    parser.add_argument("--only", choices=("torch", "keras"), default=None)
    parser.add_argument("--device", default=None, help="torch device (default: cpu, and cuda "
                        "when available)")
    parser.add_argument("--keras-backends", default="tensorflow,jax,torch")
    parser.add_argument("--markdown", default=None, help="also write the tables here")
    args = parser.parse_args(argv)
    budget = 0.1 if args.quick else args.budget

    import torch

    torch.set_num_threads(args.threads)
    print(f"forward + backward; {perf.environment()}; {budget:g} s per case, interleaved")
    rows: list[perf.Row] = []
    if args.only in (None, "torch"):
        devices = [args.device] if args.device else (
            ["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
        for device in devices:
            rows += perf.time_torch_cases(device=device, budget_s=budget)
            print(perf.format_rows([r for r in rows if r.where == f"torch/{device}"]), "\n")
    if args.only in (None, "keras"):
        for backend in args.keras_backends.split(","):
            found = _keras_rows(backend, budget, args.threads)
            rows += found
            print(perf.format_rows(found), "\n")
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(perf.markdown_table(rows))
    over = [r for r in rows if r.ratio > perf.LIMIT and not r.note]
    print(f"{len(rows)} pairs; over {perf.LIMIT}x without a stated reason: "
          + (", ".join(f"{r.where} {r.loss} {r.ratio:.2f}" for r in over) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
