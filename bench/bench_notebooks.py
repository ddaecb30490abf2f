"""Benchmark (not a test): how long each notebook of the book and the whole build take.

1. Every notebook alone, one at a time, in a fresh kernel. Budget: <= 60 s on a 2-core CPU,
   including its kernel start and imports.
2. The book build as ``make book`` runs it (``tools/build_book.py --jobs N``: N notebooks
   execute at a time), with ``--compare-serial`` also the serial build (``--jobs 1``, what
   ``jupyter-book build`` does), and the same build with notebook execution off: what a build
   costs besides the notebooks.
3. From these: the execution part of the build (build - build without executing), compared
   with the sum of the book's notebook times from 1 (ideal with N processes: 1/N of it), and
   the marginal cost of one more notebook (execution part / number of notebooks).

The builds go to a temporary folder, not ``_build/``. On a shared or loaded machine every
number grows; the load average is printed with them. ``make bench`` gives the kernels the
thread settings of ``make book`` (``KERNEL_ENV`` in the Makefile: one thread per kernel when
two notebooks share two cores), so step 1 times each notebook on the share of the CPU that
it gets in the build.

Run with ``make bench`` or ``.venv/bin/python bench/bench_notebooks.py [--no-build]
[--no-notebooks] [--jobs N] [--compare-serial]``; exit status 1 when a notebook is over
budget or fails, or a build fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from list_notebooks import toc_notebooks  # noqa: E402

BUDGET_S = 60.0
ROW = "{:60s} {:>8s}"


def time_notebook(path: Path) -> float:
    """Execute ``path`` in a fresh kernel, in its own folder; return the wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def time_build(jobs: int, execute: bool = True) -> tuple[float, bool, list[float]]:
    """Build the book into a temporary folder; return (wall seconds, succeeded, the build's
    own per-notebook execution times)."""
    command = [sys.executable, str(ROOT / "tools" / "build_book.py"), "--jobs", str(jobs)]
    if not execute:
        command += ["--execution-mode", "off"]
    with tempfile.TemporaryDirectory(prefix="lossbook-bench-") as output:
        command += ["build", str(ROOT), "--all", "--keep-going", "--builder", "html",
                    "--path-output", output]
        if execute:
            command.append("-W")  # without outputs, pages may warn: the fixed cost is all we want
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    executed = [float(s) for s in re.findall(r"Executed notebook in ([0-9.]+) seconds", log)]
    if result.returncode:
        print(log[-3000:], file=sys.stderr)
    return seconds, result.returncode == 0, executed


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip timing the book build")
    parser.add_argument("--no-notebooks", action="store_true",
                        help="skip timing the notebooks one at a time")
    parser.add_argument("--jobs", type=int, default=2, help="build processes, as make's JOBS (2)")
    parser.add_argument("--compare-serial", action="store_true",
                        help="also time the serial build (--jobs 1)")
    args = parser.parse_args()
    book = toc_notebooks()
    notebooks = book + sorted((ROOT / "assignments").glob("*.ipynb"))
    threads = os.environ.get("OMP_NUM_THREADS", "the libraries' default")
    print(f"{len(os.sched_getaffinity(0))} CPU cores, {load()}; threads per kernel: {threads} "
          f"(make bench sets them as make book does); budget {BUDGET_S:.0f} s per notebook")
    failed, times = [], {}
    if not args.no_notebooks:
        print(ROW.format("notebook, alone", "seconds"))
        for path in notebooks:
            name = str(path.relative_to(ROOT))
            try:
                seconds = time_notebook(path)
            except Exception as error:  # report every notebook, then fail
                print(f"{name:60s} {'FAILED':>8s}  {type(error).__name__}: {str(error)[:200]}")
                failed.append(name)
                continue
            times[path] = seconds
            flag = "  OVER BUDGET" if seconds > BUDGET_S else ""
            print(f"{name:60s} {seconds:8.1f}{flag}")
            if seconds > BUDGET_S:
                failed.append(name)
        print(f"{'all notebooks, one at a time':60s} {sum(times.values()):8.1f}")
    if args.no_build:
        return 1 if failed else 0

    builds = [args.jobs] + ([1] if args.compare_serial and args.jobs != 1 else [])
    walls, counts = {}, {}
    for jobs in builds:
        seconds, ok, executed = time_build(jobs)
        walls[jobs], counts[jobs] = seconds, len(executed)
        label = f"book build, --jobs {jobs}" + (" (make book)" if jobs == args.jobs else " (serial)")
        print(f"{label:60s} {seconds:8.1f}{'' if ok else '  FAILED'}   "
              f"[{len(executed)} notebooks, {sum(executed):.1f} s of execution in it; {load()}]")
        if not ok:
            failed.append(label)
    fixed, ok, _ = time_build(args.jobs, execute=False)
    print(f"{'book build without executing (the fixed cost)':60s} {fixed:8.1f}"
          f"{'' if ok else '  (built with warnings)'}")
    executing = walls[args.jobs] - fixed
    print(f"{'executing the notebooks, in the build':60s} {executing:8.1f}")
    n = counts[args.jobs]  # the notebooks of _toc.yml when the build ran
    print(f"{'marginal cost of one notebook (mean)':60s} {executing / max(n, 1):8.1f}   [{n} notebooks]")
    book_sum = sum(times.get(path, 0.0) for path in book)
    if book_sum and len([p for p in book if p in times]) == n:  # same notebooks timed alone
        print(f"{'the book notebooks one at a time, sum':60s} {book_sum:8.1f}   "
              f"[mean {book_sum / n:.1f} s; ideal marginal cost with {args.jobs} processes: "
              f"{book_sum / n / args.jobs:.1f} s]")
        print(f"{'execution part / serial sum (ideal 1/' + str(args.jobs) + ')':60s} "
              f"{executing / book_sum:8.2f}")
    if 1 in walls and args.jobs != 1:
        print(f"{'speed-up of the build, --jobs 1 / --jobs ' + str(args.jobs):60s} "
              f"{walls[1] / walls[args.jobs]:8.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
