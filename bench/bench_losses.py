"""Throughput of lossbook's framework losses against the nearest built-in composite.

Not a test: it prints a table of microseconds per forward+backward call (and samples per
second) for each ``lossbook.torch`` loss beside what a reader would otherwise write with torch
built-ins (``log(cosh(r))``, ``sqrt(MSELoss)``, a BCE-with-logits focal composite, ...), on the
CPU and, when ``torch.cuda.is_available()``, on CUDA; then the ``lossbook.keras`` losses beside
the nearest Keras built-in on the current Keras backend ($KERAS_BACKEND), eagerly.

    .venv/bin/python bench/bench_losses.py            # full run
    .venv/bin/python bench/bench_losses.py --quick    # a few seconds
    .venv/bin/python bench/bench_losses.py --threads 1  # steadier on a busy, shared CPU
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import lossbook.torch as lt  # noqa: E402
from lossbook._env import quiet_import  # noqa: E402

BATCH, FEATURES, CLASSES = 1024, 64, 10


def _regression(device):
    prediction = torch.randn(BATCH, FEATURES, device=device, requires_grad=True)
    return prediction, torch.randn(BATCH, FEATURES, device=device)


def _binary(device):
    logits = torch.randn(BATCH, FEATURES, device=device, requires_grad=True)
    return logits, (torch.rand(BATCH, FEATURES, device=device) > 0.5).float()


def _categorical(device):
    logits = torch.randn(BATCH, CLASSES, device=device, requires_grad=True)
    labels = torch.randint(0, CLASSES, (BATCH,), device=device)
    return logits, labels


def _focal_composite(logits, target, gamma=2.0):
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    probs = torch.sigmoid(logits)
    p_t = target * probs + (1 - target) * (1 - probs)
    return ((1 - p_t) ** gamma * bce).mean()


def _categorical_focal_composite(logits, labels, gamma=2.0):
    cross_entropy = F.cross_entropy(logits, labels, reduction="none")
    return (0.25 * (1 - torch.exp(-cross_entropy)) ** gamma * cross_entropy).mean()


TORCH_CASES = [
    # (lossbook loss, its call, the built-in composite, its call, inputs)
    ("log_cosh", lambda x, y: lt.log_cosh(x, y),
     "log(cosh(r)).mean()", lambda x, y: torch.log(torch.cosh(x - y)).mean(), _regression),
    ("root_mean_squared_error", lambda x, y: lt.root_mean_squared_error(x, y, epsilon=1e-8),
     "sqrt(MSELoss)", lambda x, y: torch.sqrt(F.mse_loss(x, y) + 1e-8), _regression),
    ("mean_squared_logarithmic_error",
     lambda x, y: lt.mean_squared_logarithmic_error(x.abs(), y.abs()),
     "MSELoss(log1p, log1p)", lambda x, y: F.mse_loss(torch.log1p(x.abs()), torch.log1p(y.abs())),
     _regression),
    ("quantile", lambda x, y: lt.quantile(x, y, tau=0.9),
     "L1Loss (tau=0.5 twin)", lambda x, y: F.l1_loss(x, y), _regression),
    ("binary_focal_crossentropy",
     lambda z, t: lt.binary_focal_crossentropy(z, t, from_logits=True),
     "BCEWithLogits composite", _focal_composite, _binary),
    ("categorical_focal_crossentropy",
     lambda z, y: lt.categorical_focal_crossentropy(z, F.one_hot(y, CLASSES).float(),
                                                    from_logits=True),
     "CrossEntropy composite", _categorical_focal_composite, _categorical),
    ("categorical_hinge",
     lambda z, y: lt.categorical_hinge(z, F.one_hot(y, CLASSES).float()),
     "MultiMarginLoss", lambda z, y: F.multi_margin_loss(z, y), _categorical),
    ("am_softmax", lambda z, y: lt.am_softmax(torch.tanh(z), y),
     "CrossEntropyLoss", lambda z, y: F.cross_entropy(30 * torch.tanh(z), y), _categorical),
]


def _time(step, repeats, synchronize=lambda: None) -> float:
    """Median seconds per call of ``step`` (after a warm-up)."""
    for _ in range(max(3, repeats // 10)):
        step()
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        synchronize()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _torch_step(loss, inputs):
    def step():
        prediction, target = inputs
        prediction.grad = None
        loss(prediction, target).backward()
    return step


def bench_torch(device, repeats):
    synchronize = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    rows = []
    for name, ours, builtin_name, builtin, make_inputs in TORCH_CASES:
        inputs = make_inputs(device)
        ours_s = _time(_torch_step(ours, inputs), repeats, synchronize)
        builtin_s = _time(_torch_step(builtin, inputs), repeats, synchronize)
        rows.append((f"torch/{device.type}", name, ours_s, builtin_name, builtin_s))
    return rows


def _keras_cases(keras, lk, rng):
    x_reg = rng.normal(size=(BATCH, 1)).astype("float32")
    y_reg = rng.normal(size=(BATCH, 1)).astype("float32")
    labels = rng.integers(0, CLASSES, size=BATCH).astype("int32")
    one_hot = np.eye(CLASSES, dtype="float32")[labels]
    scores = rng.normal(size=(BATCH, CLASSES)).astype("float32")
    cosines = np.tanh(scores)
    pairs = rng.integers(0, 2, size=(BATCH, 1)).astype("float32")
    distances = np.abs(rng.normal(size=(BATCH, 1))).astype("float32")
    triplets = rng.normal(size=(BATCH, 3, 16)).astype("float32")
    return [
        ("RootMeanSquaredError", lk.RootMeanSquaredError(epsilon=1e-8), y_reg, x_reg,
         "MeanSquaredError", keras.losses.MeanSquaredError(), y_reg, x_reg),
        ("Quantile", lk.Quantile(tau=0.9), y_reg, x_reg,
         "MeanAbsoluteError", keras.losses.MeanAbsoluteError(), y_reg, x_reg),
        ("Contrastive", lk.Contrastive(), pairs, distances,
         "Hinge (a margin)", keras.losses.Hinge(), pairs, distances),
        ("Triplet", lk.Triplet(), np.zeros(BATCH, "float32"), triplets,
         "CosineSimilarity", keras.losses.CosineSimilarity(), triplets[:, 1], triplets[:, 0]),
        ("AMSoftmax", lk.AMSoftmax(), labels, cosines,
         "CategoricalCrossentropy", keras.losses.CategoricalCrossentropy(from_logits=True),
         one_hot, 30 * cosines),
        ("MultiMargin", lk.MultiMargin(), labels, scores,
         "CategoricalHinge", keras.losses.CategoricalHinge(), one_hot, scores),
    ]


def _keras_step(keras, loss, y_true, y_pred):
    backend = keras.backend.backend()
    if backend == "tensorflow":
        tf = quiet_import("tensorflow")
        variable = tf.Variable(y_pred)

        def step():
            with tf.GradientTape() as tape:
                value = loss(y_true, variable)
            tape.gradient(value, variable)
        return step
    if backend == "torch":
        tensor = torch.tensor(y_pred, requires_grad=True)

        def step():
            tensor.grad = None
            loss(y_true, tensor).backward()
        return step
    return lambda: loss(y_true, y_pred)  # forward only on other backends


def bench_keras(repeats):
    keras = quiet_import("keras")
    import lossbook.keras as lk

    rows = []
    for ours_name, ours, yt, yp, builtin_name, builtin, byt, byp in _keras_cases(
            keras, lk, np.random.default_rng(0)):
        ours_s = _time(_keras_step(keras, ours, yt, yp), repeats)
        builtin_s = _time(_keras_step(keras, builtin, byt, byp), repeats)
        rows.append((f"keras/{keras.backend.backend()}", ours_name, ours_s, builtin_name,
                     builtin_s))
    return rows


def print_table(rows):
    header = ("where", "lossbook loss", "µs/call", "Msamples/s", "nearest built-in", "µs/call",
              "ratio")
    lines = [header]
    for where, name, ours_s, builtin_name, builtin_s in rows:
        lines.append((where, name, f"{ours_s * 1e6:.1f}", f"{BATCH / ours_s / 1e6:.2f}",
                      builtin_name, f"{builtin_s * 1e6:.1f}", f"{ours_s / builtin_s:.2f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions (a smoke run)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (1 gives stable numbers on a shared machine)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = 20 if args.quick else 200
    torch.manual_seed(0)
    print(f"forward+backward, batch {BATCH}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads; median of {repeats} calls")
    rows = bench_torch(torch.device("cpu"), repeats)
    if torch.cuda.is_available():
        rows += bench_torch(torch.device("cuda"), repeats)
    rows += bench_keras(max(10, repeats // 4))
    print_table(rows)


if __name__ == "__main__":
    main()
