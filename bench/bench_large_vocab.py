"""Large-vocabulary cross-entropy: peak memory and time of forward + backward, three ways.

Not a test. For a linear output layer ``logits = hidden @ weight.T`` over a vocabulary of V
classes and T tokens (hidden size H), it compares

- ``naive``: ``F.cross_entropy(F.linear(hidden, weight), target)``, the whole ``[T, V]``
  logits (and their gradient) in memory;
- ``chunked``: :func:`lossbook.torch.chunked_linear_crossentropy`, a custom autograd
  function that holds ``chunk_size`` rows of logits at a time and recomputes them backward;
- ``torch_fused``: torch 2.13's ``F.linear_cross_entropy`` with
  ``options=LinearCrossEntropyOptions()`` (its chunked path; ``options=None``, the default of
  ``nn.LinearCrossEntropyLoss``, is the plain reference path and is ``torch_reference`` here).
  An older torch without them (2.11 has neither) skips these two methods with a note.

``--dtype bfloat16`` makes ``hidden`` and ``weight`` bfloat16 (the target stays int64), as in
an LLM's training step; each method's loss and gradients are then checked against the naive
float32 loss of the same (bfloat16-rounded) inputs, to bfloat16 tolerances.

Each case runs in a fresh subprocess. Peak memory is the extra memory above what the inputs
already take: on CUDA ``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``;
on the CPU the process's peak resident set (``VmHWM``, reset through
``/proc/self/clear_refs``) minus its resident set before the call. Time: the median of
``--repeats`` forward + backward passes after one warm-up; on the CPU the table shows the
process's CPU time (``time.process_time``, all threads), which a busy shared machine does not
inflate the way it inflates wall time (both are in ``--json``). Every method's loss and gradient
is checked against the naive one in the same process (on a smaller slice on the CPU).

    .venv/bin/python bench/bench_large_vocab.py                       # the issue's grid
    .venv/bin/python bench/bench_large_vocab.py --vocab 32768 --tokens 1024 2048
    .venv/bin/python bench/bench_large_vocab.py --max-logits-gb 2     # skip bigger cases
    .venv/bin/python bench/bench_large_vocab.py --threads 1           # a busy, shared CPU
    python3 bench/bench_large_vocab.py --device cuda --dtype bfloat16 --hidden 2048 \
        --tokens 8192 --vocab 131072 262144 --methods naive chunked torch_fused
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from lossbook.torch import chunked_linear_crossentropy  # noqa: E402

METHODS = ("naive", "chunked", "torch_fused", "torch_reference")
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def missing(method: str) -> str:
    """Why this torch cannot run ``method`` ('' when it can)."""
    if method in ("torch_fused", "torch_reference"):
        if not hasattr(F, "linear_cross_entropy"):
            return f"torch {torch.__version__} has no F.linear_cross_entropy"
        if method == "torch_fused" and not hasattr(torch.nn, "LinearCrossEntropyOptions"):
            return f"torch {torch.__version__} has no nn.LinearCrossEntropyOptions"
    return ""


def chunk_rows(tokens: int) -> int:
    """Rows per chunk: a sixteenth of the tokens (at least 64)."""
    return max(64, tokens // 16)


def loss_of(method: str, hidden, weight, target):
    if method == "naive":
        return F.cross_entropy(F.linear(hidden, weight), target)
    if method == "chunked":
        return chunked_linear_crossentropy(hidden, weight, target,
                                           chunk_size=chunk_rows(len(hidden)))
    if method == "torch_fused":
        return F.linear_cross_entropy(hidden, weight, target,
                                      options=torch.nn.LinearCrossEntropyOptions())
    return F.linear_cross_entropy(hidden, weight, target)


def _rss(key: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"{key}:\s+(\d+)", status.read()).group(1)) * 1024


def _problem(tokens, vocab, hidden_size, device, seed=0, dtype=torch.float32):
    generator = torch.Generator(device=device).manual_seed(seed)
    hidden = torch.randn(tokens, hidden_size, device=device, generator=generator)
    weight = torch.randn(vocab, hidden_size, device=device, generator=generator) / 16
    target = torch.randint(0, vocab, (tokens,), device=device, generator=generator)
    hidden, weight = hidden.to(dtype), weight.to(dtype)
    return hidden.requires_grad_(), weight.requires_grad_(), target


def _step(method, hidden, weight, target):
    hidden.grad = weight.grad = None
    loss = loss_of(method, hidden, weight, target)
    loss.backward()
    return loss.detach()


def _check(method, device, vocab, hidden_size, dtype=torch.float32):
    """Loss and gradients of ``method`` equal the naive ones: float32 tolerances in float32;
    in bfloat16, against the naive loss in float32 of the same inputs, within 2 % of each
    tensor's largest entry (bfloat16 keeps 8 bits of mantissa)."""
    tokens = 512 if device == "cpu" else 2048
    hidden, weight, target = _problem(tokens, vocab, hidden_size, device, seed=1, dtype=dtype)
    results = []
    if dtype == torch.float32:
        reference = (hidden, weight)
    else:
        reference = (hidden.detach().float().requires_grad_(),
                     weight.detach().float().requires_grad_())
    for name, (h, w) in (("naive", reference), (method, (hidden, weight))):
        loss = _step(name, h, w, target)
        results.append((loss, h.grad.clone(), w.grad.clone()))
    for ours, naive in zip(results[1], results[0], strict=True):
        if dtype == torch.float32:
            torch.testing.assert_close(ours, naive, rtol=1e-4, atol=1e-6)
        else:
            scale = float(naive.abs().max())
            torch.testing.assert_close(ours.float(), naive, rtol=2e-2, atol=2e-2 * scale)


def run_case(method, tokens, vocab, hidden_size, device, repeats, threads=None,
             dtype="float32") -> dict:
    """One measurement, in this process: peak extra memory (bytes) and median seconds."""
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    _check(method, device, vocab, hidden_size, DTYPES[dtype])
    hidden, weight, target = _problem(tokens, vocab, hidden_size, device, dtype=DTYPES[dtype])
    _step(method, hidden, weight, target)  # warm-up: allocator, kernels, thread pool
    hidden.grad = weight.grad = None
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # peak resident set := current resident set
        before = _rss("VmRSS")
    times, cpu_times = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        _step(method, hidden, weight, target)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    peak = (torch.cuda.max_memory_allocated() if device == "cuda" else _rss("VmHWM")) - before
    return {"method": method, "tokens": tokens, "vocab": vocab, "hidden": hidden_size,
            "device": device, "dtype": dtype, "peak_bytes": peak, "seconds": statistics.median(times),
            "cpu_seconds": statistics.median(cpu_times)}


def _in_subprocess(args, method, tokens, vocab) -> dict:
    command = [sys.executable, __file__, "--one", method, str(tokens), str(vocab),
               "--hidden", str(args.hidden), "--device", args.device,
               "--repeats", str(args.repeats), "--threads", str(args.threads),
               "--dtype", args.dtype]
    # glibc: a fixed mmap threshold, so every freed block over 64 KiB goes back to the system
    # and a later allocation shows in the resident set (the CPU's peak measure)
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{method} T={tokens} V={vocab} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(row) -> float:
    """The time the table shows: CPU time on the CPU, wall time on CUDA (milliseconds)."""
    return 1e3 * (row["cpu_seconds"] if row["device"] == "cpu" else row["seconds"])


def table(rows) -> str:
    """A Markdown table: one row per (V, T), each method's peak MiB and ms, and the ratios of
    chunked to naive."""
    lines = ["| V | T | " + " | ".join(f"{m} MiB | {m} ms" for m in METHODS)
             + " | chunked/naive memory | chunked/naive time |",
             "|" + "---|" * (2 + 2 * len(METHODS) + 2)]
    rows = [r for r in rows if "skipped" not in r]
    keyed = {(r["vocab"], r["tokens"], r["method"]): r for r in rows}
    for vocab, tokens in sorted({(r["vocab"], r["tokens"]) for r in rows}):
        cells = [str(vocab), str(tokens)]
        for method in METHODS:
            row = keyed.get((vocab, tokens, method))
            cells += (["–", "–"] if row is None else
                      [f"{row['peak_bytes'] / 2**20:.0f}", f"{_ms(row):.0f}"])
        naive, chunked = keyed.get((vocab, tokens, "naive")), keyed.get((vocab, tokens,
                                                                          "chunked"))
        if naive and chunked:
            cells += [f"{chunked['peak_bytes'] / naive['peak_bytes']:.3f}",
                      f"{_ms(chunked) / _ms(naive):.2f}"]
        else:
            cells += ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", type=int, nargs="+", default=[32768, 131072])
    parser.add_argument("--tokens", type=int, nargs="+", default=[1024, 2048, 4096, 8192])
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", choices=list(DTYPES), default="float32",
                        help="of hidden and weight (float32; bfloat16 as in LLM training)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (0: torch's default); 1 gives a CPU time "
                             "free of thread spinning on a busy, shared machine")
    parser.add_argument("--max-logits-gb", type=float, default=None,
                        help="skip cases whose float32 logits T*V*4 bytes exceed this")
    parser.add_argument("--json", help="also write the measurements to this file")
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "TOKENS", "VOCAB"),
                        help=argparse.SUPPRESS)  # a single case, run by the parent process
    args = parser.parse_args(argv)
    if args.one:
        method, tokens, vocab = args.one[0], int(args.one[1]), int(args.one[2])
        print(json.dumps(run_case(method, tokens, vocab, args.hidden, args.device,
                                  args.repeats, args.threads, args.dtype)))
        return 0
    rows, notes = [], []
    print(f"torch {torch.__version__}, device {args.device}, {args.dtype}, hidden {args.hidden}, "
          f"threads {args.threads or torch.get_num_threads()}", flush=True)
    methods = []
    for method in args.methods:
        if missing(method):
            notes.append(f"{method} skipped: {missing(method)}")
            print(notes[-1], flush=True)
        else:
            methods.append(method)
    for vocab in args.vocab:
        for tokens in args.tokens:
            logits_gb = tokens * vocab * 4 / 1e9
            if args.max_logits_gb is not None and logits_gb > args.max_logits_gb:
                print(f"skip V={vocab} T={tokens}: logits {logits_gb:.1f} GB", flush=True)
                continue
            for method in args.methods:
                if method not in methods:
                    rows.append({"method": method, "tokens": tokens, "vocab": vocab,
                                 "hidden": args.hidden, "device": args.device,
                                 "dtype": args.dtype, "skipped": missing(method)})
                    continue
                row = _in_subprocess(args, method, tokens, vocab)
                rows.append(row)
                print(f"V={vocab:>6} T={tokens:>5} {method:<15} "
                      f"{row['peak_bytes'] / 2**20:8.0f} MiB {_ms(row):9.1f} ms "
                      f"(wall {row['seconds'] * 1e3:.1f} ms)", flush=True)
    print()
    print(f"ms: {'CPU time' if args.device == 'cpu' else 'wall time'} of forward + backward; "
          f"{args.dtype}")
    print(table(rows))
    for note in notes:
        print(f"- {note}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
