"""Benchmark (not a test): how long each notebook of the book and the whole build take.

Budget: every notebook <= 60 s on a 2-core CPU, including its kernel start and imports.
Run with ``make bench`` or ``.venv/bin/python bench/bench_notebooks.py [--no-build]``;
exit status 1 when a notebook is over budget or fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from list_notebooks import toc_notebooks  # noqa: E402

BUDGET_S = 60.0


def time_notebook(path: Path) -> float:
    """Execute ``path`` in a fresh kernel, in its own folder; return the wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip timing the book build")
    args = parser.parse_args()
    notebooks = toc_notebooks() + sorted((ROOT / "assignments").glob("*.ipynb"))
    print(f"{os.cpu_count()} CPU cores; budget {BUDGET_S:.0f} s per notebook")
    print(f"{'notebook':60s} {'seconds':>8s}")
    over, total = [], 0.0
    for path in notebooks:
        name = str(path.relative_to(ROOT))
        try:
            seconds = time_notebook(path)
        except Exception as error:  # report every notebook, then fail
            print(f"{name:60s} {'FAILED':>8s}  {type(error).__name__}: {str(error)[:200]}")
            over.append(name)
            continue
        total += seconds
        flag = "  OVER BUDGET" if seconds > BUDGET_S else ""
        print(f"{name:60s} {seconds:8.1f}{flag}")
        if seconds > BUDGET_S:
            over.append(name)
    print(f"{'all notebooks':60s} {total:8.1f}")
    if not args.no_build:
        start = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT), "--all", "-W",
                        "--keep-going", "--builder", "html"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        print(f"{'jupyter-book build (all notebooks executed)':60s} {time.perf_counter() - start:8.1f}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
