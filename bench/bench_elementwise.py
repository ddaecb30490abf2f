"""Element-wise losses at large batches: forward + backward as a fraction of memory bandwidth.

Not a test. An element-wise loss over n float32 elements must at least read the prediction
and the target and write the prediction's gradient: 3 × 4 bytes × n. Its forward + backward
time gives an *effective bandwidth* (those bytes / time), set here beside the device's copy
bandwidth measured in the same run (``torch.empty_like(x).copy_(x)``: 2 × 4 bytes × n). A
loss near 100 % of copy moves no more than it must; eager PyTorch launches one kernel per
operation, each reading and writing the whole tensor, and ``torch.compile`` fuses them.

Losses: MSE, Huber (δ = 1), log-cosh, quantile (τ = 0.9), BCE with logits, binary focal
(γ = 2, from logits): torch's ``F.mse_loss``, ``F.huber_loss``,
``F.binary_cross_entropy_with_logits`` and ``lossbook.torch``'s ``log_cosh``, ``quantile``,
``binary_focal_crossentropy``; each eager and under ``torch.compile`` (default mode), whose
loss and gradient are checked against eager. Time: CUDA events on CUDA, ``perf_counter`` on
the CPU; the median of ``--repeats`` after warm-up.

    python3 bench/bench_elementwise.py --device cuda                 # 2**26 elements
    python3 bench/bench_elementwise.py --device cpu --numel 1048576 --no-compile
    python3 bench/bench_elementwise.py --markdown out.md --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import lossbook.torch as lbt  # noqa: E402

FLOAT_BYTES = 4


def _losses() -> dict:
    """name -> (loss(input, target), what the target is: "real" or "binary", who provides it)."""
    return {
        "mse": (F.mse_loss, "real", "F.mse_loss"),
        "huber": (lambda x, t: F.huber_loss(x, t, delta=1.0), "real", "F.huber_loss"),
        "log_cosh": (lbt.log_cosh, "real", "lossbook.torch.log_cosh"),
        "quantile": (lambda x, t: lbt.quantile(x, t, tau=0.9), "real",
                     "lossbook.torch.quantile"),
        "bce_logits": (F.binary_cross_entropy_with_logits, "binary",
                       "F.binary_cross_entropy_with_logits"),
        "binary_focal": (lambda x, t: lbt.binary_focal_crossentropy(x, t, gamma=2.0,
                                                                    from_logits=True),
                         "binary", "lossbook.torch.binary_focal_crossentropy"),
    }


class Timer:
    """Median seconds of a callable: CUDA events on CUDA, perf_counter elsewhere."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def __call__(self, step, repeats: int, warmup: int = 3) -> float:
        for _ in range(warmup):
            step()
        self.sync()
        times = []
        for _ in range(repeats):
            if self.cuda:
                begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(
                    enable_timing=True)
                begin.record()
                step()
                end.record()
                end.synchronize()
                times.append(begin.elapsed_time(end) / 1e3)
            else:
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
        return statistics.median(times)


def copy_bandwidth(x: torch.Tensor, timer: Timer, repeats: int) -> tuple[float, float]:
    """(seconds, bytes per second) of copying ``x`` into a fresh tensor: 2 × its bytes."""
    y = torch.empty_like(x)
    seconds = timer(lambda: y.copy_(x), repeats)
    return seconds, 2 * x.numel() * x.element_size() / seconds


def _step(loss, x, t):
    def step():
        x.grad = None
        loss(x, t).backward()
    return step


def measure(name, loss, kind, x, t_real, t_binary, timer, repeats, compile_: bool) -> dict:
    t = t_real if kind == "real" else t_binary
    n = x.numel()
    row = {"loss": name, "numel": n, "bytes": 3 * FLOAT_BYTES * n}
    row["eager_s"] = timer(_step(loss, x, t), repeats)
    x.grad = None
    reference = loss(x, t)
    reference.backward()
    reference, reference_grad = reference.detach(), x.grad.clone()
    if compile_:
        try:
            torch._dynamo.reset()
            compiled = torch.compile(loss)
            timer.sync()
            start = time.perf_counter()
            _step(compiled, x, t)()
            timer.sync()
            row["compile_s"] = time.perf_counter() - start  # first call: trace + compile
            row["compiled_s"] = timer(_step(compiled, x, t), repeats)
            x.grad = None
            value = compiled(x, t)
            value.backward()
            row["compiled_max_abs_diff"] = max(float((value.detach() - reference).abs()),
                                               float((x.grad - reference_grad).abs().max()))
            row["compiled_agrees"] = bool(
                torch.allclose(value.detach(), reference, rtol=1e-4, atol=1e-6)
                and torch.allclose(x.grad, reference_grad, rtol=1e-4, atol=1e-9))
        except Exception as error:  # one loss failing to compile does not stop the rest
            row["compile_error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    x.grad = None
    return row


def table(rows: list[dict], copy_gbs: float, compile_: bool) -> str:
    head = ["loss", "eager ms", "eager GB/s", "eager % of copy"]
    if compile_:
        head += ["compiled ms", "compiled GB/s", "compiled % of copy", "speed-up",
                 "compile s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        eager_gbs = r["bytes"] / r["eager_s"] / 1e9
        cells = [r["loss"], f"{r['eager_s'] * 1e3:.3f}", f"{eager_gbs:.3g}",
                 f"{100 * eager_gbs / copy_gbs:.0f} %"]
        if compile_:
            if "compiled_s" in r:
                gbs = r["bytes"] / r["compiled_s"] / 1e9
                cells += [f"{r['compiled_s'] * 1e3:.3f}", f"{gbs:.3g}",
                          f"{100 * gbs / copy_gbs:.0f} %", f"{r['eager_s'] / r['compiled_s']:.2f}",
                          f"{r['compile_s']:.1f}" + ("" if r["compiled_agrees"] else " (differs)")]
            else:
                cells += ["–", "–", "–", "–", r.get("compile_error", "not run")[:80]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--numel", type=int, default=None,
                        help="elements (default 2**26 on CUDA, 2**22 on the CPU)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--losses", nargs="+", choices=list(_losses()), default=list(_losses()))
    parser.add_argument("--no-compile", action="store_true", help="eager only")
    parser.add_argument("--markdown", default=None, help="write the table here")
    parser.add_argument("--json", default=None, help="write the measurements here")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    n = args.numel or (2**26 if device.type == "cuda" else 2**22)
    compile_ = not args.no_compile
    timer = Timer(device)
    generator = torch.Generator(device=device).manual_seed(0)
    x = torch.randn(n, device=device, generator=generator).requires_grad_()
    t_real = torch.randn(n, device=device, generator=generator)
    t_binary = (torch.rand(n, device=device, generator=generator) < 0.3).float()

    copy_s, copy_bps = copy_bandwidth(x.detach(), timer, args.repeats)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    header = (f"torch {torch.__version__} on {name}; n = {n:,} float32 "
              f"({n * FLOAT_BYTES / 2**20:.0f} MiB per tensor); copy {copy_s * 1e3:.3f} ms = "
              f"{copy_bps / 1e9:.3g} GB/s; median of {args.repeats}; minimum traffic of a loss's "
              f"forward + backward: 3 × 4 bytes × n (read input and target, write the gradient)")
    print(header, flush=True)
    rows = []
    for loss_name in args.losses:
        loss, kind, source = _losses()[loss_name]
        row = measure(loss_name, loss, kind, x, t_real, t_binary, timer, args.repeats,
                      compile_)
        row["source"] = source
        rows.append(row)
        gbs = row["bytes"] / row["eager_s"] / 1e9
        line = f"{loss_name:<13} eager {row['eager_s'] * 1e3:9.3f} ms {gbs:7.3g} GB/s"
        if "compiled_s" in row:
            line += (f"   compiled {row['compiled_s'] * 1e3:9.3f} ms "
                     f"{row['bytes'] / row['compiled_s'] / 1e9:7.3g} GB/s "
                     f"(compile {row['compile_s']:.1f} s, agrees: {row['compiled_agrees']})")
        elif "compile_error" in row:
            line += f"   compile failed: {row['compile_error']}"
        print(line, flush=True)
    text = table(rows, copy_bps / 1e9, compile_)
    print()
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(header + "\n\n" + text + "\n")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"torch": torch.__version__, "device": name, "numel": n,
                       "copy_s": copy_s, "copy_bytes_per_s": copy_bps, "repeats": args.repeats,
                       "rows": rows}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
