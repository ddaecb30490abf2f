"""Execute the book's notebooks, several at a time, each in a fresh kernel; record the results.

Not a test: it is step b of ``bench/gpu/run.sh``. Every notebook of ``_toc.yml`` (in book
order, ``tools/list_notebooks.py``) runs in its own child process with nbclient, in a fresh
``python3`` kernel whose working folder is the notebook's folder, ``--jobs`` at a time. Each
has ``--timeout`` seconds (the child is killed with its kernel when over); after
``--deadline`` seconds no new notebook starts and those still running are stopped, so that the
steps after this one still get their time. For every notebook it records the wall time,
passed / failed / timed out / not run, the first error line, and the torch device that
``lb.setup`` reported in the notebook's first output ("torch X on cuda"), to ``--json`` and a
Markdown table ``--markdown`` (both rewritten after each notebook, so a killed run keeps what
finished). ``--label`` names the run (e.g. the Keras backend); a second run with another label
is added to the same files.

    python3 bench/gpu/run_notebooks.py --jobs 8 --timeout 180 --json out/notebooks.json \
        --markdown out/notebooks.md --label "keras torch"
    python3 bench/gpu/run_notebooks.py --one book/foundations/02_likelihood.ipynb  # a child
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

SETUP_LINE = re.compile(r"torch \S+ on (\w+)")


def _first_error(notebook) -> tuple[int | None, str]:
    """(cell index, "Ename: evalue" first line) of the first error output, if any."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = (output.get("evalue") or "").strip().splitlines()
                return index, f"{output.get('ename')}: {value[0] if value else ''}".strip()
    return None, ""


def _torch_device(notebook) -> str:
    """The device ``lb.setup`` printed ("... torch 2.11.0 on cuda | ..."), or ''."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            found = SETUP_LINE.search("".join(text) if isinstance(text, list) else str(text))
            if found:
                return found.group(1)
    return ""


def run_one(path: Path, timeout: float, kernel: str) -> dict:
    """Execute one notebook in this process (a child of the parent runner)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=int(timeout), kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    status, error = "passed", ""
    try:
        client.execute()
    except Exception as exc:  # every failure is a result: record it
        status = "timeout" if "Timeout" in type(exc).__name__ else "failed"
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    seconds = time.perf_counter() - start
    cell, first = _first_error(notebook)
    return {"status": status, "seconds": round(seconds, 2),
            "error": first or error[:300], "error_cell": cell,
            "torch_device": _torch_device(notebook)}


def _markdown(runs: list[dict]) -> str:
    parts = []
    for run in runs:
        rows = run["notebooks"]
        counts = {s: sum(r["status"] == s for r in rows) for s in
                  ("passed", "failed", "timeout", "not run")}
        parts.append(
            f"### {run['label']}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['timeout']} timed out, {counts['not run']} not run; "
            f"{run['jobs']} at a time, wall {run['wall_s']:.0f} s\n")
        parts.append("| notebook | status | seconds | torch device | first error |")
        parts.append("|---|---|---|---|---|")
        for r in rows:
            error = r["error"].replace("|", "\\|")[:160]
            cell = f" (cell {r['error_cell']})" if r.get("error_cell") is not None else ""
            seconds = "" if r["seconds"] is None else f"{r['seconds']:.1f}"
            parts.append(f"| {r['notebook']} | {r['status']} | {seconds} | "
                         f"{r['torch_device'] or '?'} | {error}{cell} |")
        parts.append("")
    return "\n".join(parts) + "\n"


def _write(args, runs: list[dict]) -> None:
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(_markdown(runs))


def _load(path: str | None) -> list[dict]:
    if path and Path(path).is_file():
        try:
            return json.loads(Path(path).read_text())["runs"]
        except (ValueError, KeyError):
            return []
    return []


def _read(file) -> str:
    file.seek(0)
    return file.read()


def _stop(process: subprocess.Popen) -> None:
    """Kill a child and its kernel (the child leads its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8, help="notebooks at a time (8)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per notebook")
    parser.add_argument("--deadline", type=float, default=None,
                        help="seconds for the whole run: then stop (default: none)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="these notebooks (paths from the repo root) instead of the book's")
    parser.add_argument("--kernel", default="python3")
    parser.add_argument("--label", default=os.environ.get("KERAS_BACKEND", "default"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--markdown", default=None)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a child's notebook
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(Path(args.one), args.timeout, args.kernel)), flush=True)
        return 0

    from list_notebooks import toc_notebooks

    paths = ([ROOT / p for p in args.only] if args.only else toc_notebooks(ROOT))
    names = [str(p.relative_to(ROOT)) for p in paths]
    rows = {n: {"notebook": n, "status": "not run", "seconds": None, "error": "",
                "error_cell": None, "torch_device": ""} for n in names}
    runs = [r for r in _load(args.json) if r.get("label") != args.label]
    run = {"label": args.label, "jobs": args.jobs, "timeout_s": args.timeout, "wall_s": 0.0,
           "notebooks": [rows[n] for n in names]}
    runs.append(run)
    start = time.perf_counter()
    pending, running = list(names), {}  # name -> (process, started)

    def stopped(signum, frame):  # timeout(1) stops us: kill the kernels too, keep the results
        for name, (process, started) in running.items():
            _stop(process)
            rows[name].update(status="timeout", seconds=round(time.perf_counter() - started, 2),
                              error=f"killed: the runner got signal {signum}")
        run["wall_s"] = round(time.perf_counter() - start, 1)
        _write(args, runs)
        sys.exit(1)

    signal.signal(signal.SIGTERM, stopped)
    print(f"{len(names)} notebooks, {args.jobs} at a time, {args.timeout:.0f} s each"
          + (f", deadline {args.deadline:.0f} s" if args.deadline else ""), flush=True)
    while pending or running:
        over = args.deadline is not None and time.perf_counter() - start > args.deadline
        while pending and len(running) < args.jobs and not over:
            name = pending.pop(0)
            command = [sys.executable, __file__, "--one", name, "--timeout", str(args.timeout),
                       "--kernel", args.kernel]
            # files, not pipes: a chatty kernel cannot fill a pipe and stall the child
            out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
            process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, text=True,
                                       start_new_session=True)
            process.files = (out, err)
            running[name] = (process, time.perf_counter())
        if over and pending:
            for name in pending:
                rows[name]["error"] = f"not started: the run's deadline ({args.deadline:.0f} s)"
            pending = []
        time.sleep(0.2)
        for name, (process, started) in list(running.items()):
            elapsed = time.perf_counter() - started
            row = rows[name]
            if process.poll() is None:
                if elapsed > args.timeout + 30 or over:
                    _stop(process)
                    row.update(status="timeout", seconds=round(elapsed, 2),
                               error="killed: " + ("the run's deadline" if over else
                                                   f"over {args.timeout:.0f} s"))
                else:
                    continue
            else:
                out, err = (_read(f) for f in process.files)
                lines = out.strip().splitlines()
                try:
                    row.update(json.loads(lines[-1]))
                except (IndexError, ValueError):
                    tail = err.strip().splitlines()
                    row.update(status="failed", seconds=round(elapsed, 2),
                               error=f"runner exited {process.returncode}: "
                                     + (tail[-1] if tail else ""))
            for f in process.files:
                f.close()
            del running[name]
            run["wall_s"] = round(time.perf_counter() - start, 1)
            _write(args, runs)
            print(f"{row['status']:>8} {row['seconds'] or 0:7.1f} s  {name}  "
                  f"[{row['torch_device'] or '?'}] {row['error'][:120]}", flush=True)
    run["wall_s"] = round(time.perf_counter() - start, 1)
    _write(args, runs)
    counts = {s: sum(r["status"] == s for r in run["notebooks"]) for s in
              ("passed", "failed", "timeout", "not run")}
    print(f"{args.label}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
          + f"; wall {run['wall_s']:.0f} s", flush=True)
    return 0 if counts["passed"] == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
