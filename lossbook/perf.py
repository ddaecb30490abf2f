"""What a lossbook loss costs beside the nearest built-in: forward + backward, side by side.

Every ``lossbook.torch`` function and every ``lossbook.keras`` loss class has a *case*: the
call of lossbook's loss and the call a reader would otherwise write from the framework's
built-ins (``F.l1_loss`` for the quantile loss, ``MultiMarginLoss`` for the categorical hinge,
a ``BCEWithLogits`` composite for the binary focal loss, ...), on the same inputs. A run times
the two **interleaved** (ours, built-in, ours, ...), so a busy machine slows both alike, and
reports the medians and their ratio. Used by ``bench/bench_losses.py`` (the full tables, every
Keras backend) and by the book's performance appendix (quick tables at build time).

Keras losses are timed as ``fit`` runs them on each backend: inside ``tf.function`` on
TensorFlow (no XLA on a CPU-only machine, Keras' ``jit_compile="auto"``), as
``jax.jit(jax.value_and_grad(...))`` on JAX, eagerly on torch.

>>> rows = time_torch_cases(names=["quantile"], budget_s=0.2)
>>> rows[0].loss, rows[0].builtin, rows[0].ratio > 0
('quantile', 'L1Loss', True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

BATCH, FEATURES, CLASSES = 1024, 64, 10
LIMIT = 1.25  # the ratio a lossbook loss must stay under (or explain why the pair is unfair)

__all__ = ["BATCH", "LIMIT", "Row", "environment", "format_rows", "full_size_passes",
           "keras_case_names", "markdown_table", "peak_extra_bytes", "time_keras_cases",
           "time_pair", "time_torch_cases", "torch_case_names"]


@dataclass(frozen=True)
class Row:
    """One case measured: microseconds per forward + backward call of both sides."""

    where: str          # "torch/cpu", "keras/jax", ...
    loss: str           # lossbook's loss
    shape: str          # the input's shape
    ours_us: float
    builtin: str        # what it is compared with
    builtin_us: float
    note: str = ""      # why the pair is not like for like, where it is not

    @property
    def ratio(self) -> float:
        return self.ours_us / self.builtin_us


def time_pair(ours: Callable[[], object], builtin: Callable[[], object], *,
              budget_s: float = 1.0, synchronize: Callable[[], object] = lambda: None,
              min_repeats: int = 5, max_repeats: int = 100_000) -> tuple[float, float]:
    """Median seconds per call of ``ours`` and ``builtin``, run alternately.

    Each runs three times untimed first (warm-up: allocator, kernels, tracing; the last pair
    sizes the run), then as many alternating pairs as fit ``budget_s`` (between
    ``min_repeats`` and ``max_repeats``), each call timed alone.
    """
    for step in (ours, builtin, ours, builtin):
        step()
    synchronize()
    start = time.perf_counter()
    ours()
    builtin()
    synchronize()
    pair_s = max(time.perf_counter() - start, 1e-7)
    repeats = int(min(max_repeats, max(min_repeats, budget_s / pair_s)))
    times = {0: [], 1: []}
    for _ in range(repeats):
        for index, step in enumerate((ours, builtin)):
            start = time.perf_counter()
            step()
            synchronize()
            times[index].append(time.perf_counter() - start)
    return float(np.median(times[0])), float(np.median(times[1]))


# ---------------------------------------------------------------------------------- torch
def _torch_cases():
    """name -> (shape, builtin name, note, setup(device, generator) -> (leaves, ours, builtin))."""
    import torch
    import torch.nn.functional as F

    import lossbook.torch as lt

    def leaf(tensor):
        return tensor.requires_grad_()

    def regression(device, gen, positive=False):
        x = torch.randn(BATCH, FEATURES, device=device, generator=gen)
        y = torch.randn(BATCH, FEATURES, device=device, generator=gen)
        return (leaf(x.abs()), y.abs()) if positive else (leaf(x), y)

    def binary(device, gen):
        z = leaf(torch.randn(BATCH, FEATURES, device=device, generator=gen))
        t = (torch.rand(BATCH, FEATURES, device=device, generator=gen) > 0.5).float()
        return z, t

    def categorical(device, gen):
        z = leaf(torch.randn(BATCH, CLASSES, device=device, generator=gen))
        y = torch.randint(0, CLASSES, (BATCH,), device=device, generator=gen)
        return z, y

    def cosines(device, gen):
        z, y = categorical(device, gen)
        return leaf(torch.tanh(z.detach())), y

    def simple(make, ours, builtin):
        def setup(device, gen):
            x, t = make(device, gen)
            return [x], (lambda: ours(x, t)), (lambda: builtin(x, t))
        return setup

    def with_one_hot(ours, builtin):
        """Ours takes one-hot targets (Keras' convention), the built-in integer labels."""
        def setup(device, gen):
            z, y = categorical(device, gen)
            hot = one_hot(y)
            return [z], (lambda: ours(z, hot)), (lambda: builtin(z, y))
        return setup

    def focal(z, t, gamma=2.0):
        bce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
        p = torch.sigmoid(z)
        p_t = t * p + (1 - t) * (1 - p)
        return ((1 - p_t) ** gamma * bce).mean()

    def categorical_focal(z, y, gamma=2.0):
        ce = F.cross_entropy(z, y, reduction="none")
        return (0.25 * (1 - torch.exp(-ce)) ** gamma * ce).mean()

    def one_hot(y):
        return F.one_hot(y, CLASSES).float()

    def arcface_composite(c, y, margin=0.5, scale=64.0):
        theta = torch.acos(c.clamp(-1 + 1e-7, 1 - 1e-7))
        return F.cross_entropy(scale * torch.cos(theta + margin * one_hot(y)), y)

    def distillation(device, gen):
        s, _ = categorical(device, gen)
        t = torch.randn(BATCH, CLASSES, device=device, generator=gen)
        return s, t

    def kl_composite(s, t, temperature=4.0):
        return temperature**2 * F.kl_div(F.log_softmax(s / temperature, -1),
                                         F.log_softmax(t / temperature, -1),
                                         reduction="batchmean", log_target=True)

    def pairs(device, gen):
        d = leaf(torch.rand(BATCH, device=device, generator=gen) * 2)
        t = (torch.rand(BATCH, device=device, generator=gen) > 0.5).float()
        return d, t

    def masks(device, gen):
        p = leaf(torch.rand(BATCH, FEATURES, device=device, generator=gen))
        t = (torch.rand(BATCH, FEATURES, device=device, generator=gen) > 0.5).float()
        return p, t

    def dice_composite(p, t):
        return (1 - 2 * (p * t).sum(1) / (p.sum(1) + t.sum(1))).mean()

    def tversky_composite(p, t, alpha=0.3, beta=0.7):
        tp = (p * t).sum(1)
        fp = (p * (1 - t)).sum(1)
        fn = ((1 - p) * t).sum(1)
        return (1 - tp / (tp + alpha * fp + beta * fn)).mean()

    def stacked(columns):
        def make(device, gen):
            return leaf(torch.randn(BATCH, columns, device=device, generator=gen)), None
        return make

    def dpo_composite(x, _, beta=0.1):
        return -F.logsigmoid(beta * ((x[:, 0] - x[:, 2]) - (x[:, 1] - x[:, 3]))).mean()

    def embeddings(device, gen, rows=256, dim=64):
        x = F.normalize(torch.randn(rows, dim, device=device, generator=gen), dim=1)
        return leaf(x), torch.randint(0, 16, (rows,), device=device, generator=gen)

    def views(device, gen, rows=256, dim=64):
        return leaf(torch.randn(rows, 2, dim, device=device, generator=gen)), None

    def info_nce_composite(v, _, temperature=0.1):
        a, p = F.normalize(v[:, 0], dim=-1), F.normalize(v[:, 1], dim=-1)
        return F.cross_entropy(a @ p.T / temperature, torch.arange(len(v), device=v.device))

    def sequences(device, gen, batch=32, steps=32, vocab=100):
        z = leaf(torch.randn(batch, steps, vocab, device=device, generator=gen))
        y = torch.randint(0, vocab, (batch, steps), device=device, generator=gen)
        lengths = torch.randint(steps // 2, steps + 1, (batch, 1), device=device, generator=gen)
        return z, torch.where(torch.arange(steps, device=device) < lengths, y, -100)

    def linear_ce(device, gen, tokens=1024, hidden=128, vocab=4096):
        h = leaf(torch.randn(tokens, hidden, device=device, generator=gen))
        w = leaf(torch.randn(vocab, hidden, device=device, generator=gen) / 16)
        y = torch.randint(0, vocab, (tokens,), device=device, generator=gen)
        return ([h, w], lambda: lt.chunked_linear_crossentropy(h, w, y, chunk_size=256),
                lambda: F.cross_entropy(F.linear(h, w), y))

    reg, cat = f"{BATCH}x{FEATURES}", f"{BATCH}x{CLASSES}"
    return {
        "log_cosh": (reg, "log(cosh(r)).mean()", "", simple(
            regression, lt.log_cosh, lambda x, y: torch.log(torch.cosh(x - y)).mean())),
        "root_mean_squared_error": (reg, "sqrt(MSELoss)", "", simple(
            regression, lambda x, y: lt.root_mean_squared_error(x, y, epsilon=1e-8),
            lambda x, y: torch.sqrt(F.mse_loss(x, y) + 1e-8))),
        "mean_squared_logarithmic_error": (reg, "MSELoss(log1p, log1p)", "", simple(
            lambda d, g: regression(d, g, positive=True), lt.mean_squared_logarithmic_error,
            lambda x, y: F.mse_loss(torch.log1p(x), torch.log1p(y)))),
        "mean_absolute_percentage_error": (reg, "L1Loss / abs(t)", "", simple(
            regression, lt.mean_absolute_percentage_error,
            lambda x, y: 100 * (F.l1_loss(x, y, reduction="none")
                                / y.abs().clamp_min(1e-7)).mean())),
        "quantile": (reg, "L1Loss", "L1Loss is the tau = 0.5 case: one fused kernel", simple(
            regression, lambda x, y: lt.quantile(x, y, tau=0.9), F.l1_loss)),
        "binary_focal_crossentropy": (reg, "BCEWithLogits focal composite", "", simple(
            binary, lambda z, t: lt.binary_focal_crossentropy(z, t, from_logits=True), focal)),
        "hinge": (reg, "SoftMarginLoss", "", simple(
            binary, lambda z, t: lt.hinge(z, 2 * t - 1),
            lambda z, t: F.soft_margin_loss(z, 2 * t - 1))),
        "squared_hinge": (reg, "SoftMarginLoss", "", simple(
            binary, lambda z, t: lt.squared_hinge(z, 2 * t - 1),
            lambda z, t: F.soft_margin_loss(z, 2 * t - 1))),
        "categorical_focal_crossentropy": (cat, "CrossEntropy focal composite", "", with_one_hot(
            lambda z, t: lt.categorical_focal_crossentropy(z, t, from_logits=True),
            categorical_focal)),
        "categorical_generalized_cross_entropy": (cat, "(1 - exp(-q CE)) / q", "", simple(
            categorical, lambda z, y: lt.categorical_generalized_cross_entropy(
                z, y, from_logits=True),
            lambda z, y: ((1 - torch.exp(-0.5 * F.cross_entropy(z, y, reduction="none")))
                          / 0.5).mean())),
        "categorical_hinge": (cat, "MultiMarginLoss",
                              "MultiMarginLoss is one C++ kernel each way, summing over the "
                              "classes; the Crammer-Singer max needs a max with its indices",
                              with_one_hot(
            lt.categorical_hinge, F.multi_margin_loss)),
        "knowledge_distillation": (cat, "KLDivLoss(log_softmax)", "", simple(
            distillation, lambda s, t: lt.knowledge_distillation(s, t, temperature=4.0),
            kl_composite)),
        "am_softmax": (cat, "CrossEntropyLoss(s (cos - m))", "", simple(
            cosines, lt.am_softmax,
            lambda c, y: F.cross_entropy(30.0 * (c - 0.35 * one_hot(y)), y))),
        "arcface": (cat, "CrossEntropyLoss(s cos(acos + m))", "", simple(
            cosines, lt.arcface, arcface_composite)),
        "contrastive": (f"{BATCH}", "HingeEmbeddingLoss", "", simple(
            pairs, lt.contrastive, lambda d, t: F.hinge_embedding_loss(d, 2 * t - 1))),
        "circle": ("256x64", "CrossEntropyLoss(x x^T)",
                   "one log-sum-exp of the similarities; Circle takes two, masked", simple(
                       embeddings, lt.circle,
                       lambda x, y: F.cross_entropy(80.0 * (x @ x.T), y))),
        "info_nce": ("256x2x64", "CrossEntropyLoss(a p^T / tau)", "", simple(
            views, lambda v, _: lt.info_nce(v), info_nce_composite)),
        "dice": (reg, "the Dice formula in torch ops", "", simple(
            masks, lt.dice, dice_composite)),
        "tversky": (reg, "the Tversky formula in torch ops", "", simple(
            masks, lambda p, t: lt.tversky(p, t, alpha=0.3, beta=0.7), tversky_composite)),
        "bradley_terry": (f"{BATCH}x2", "BCEWithLogits(r+ - r-)", "", simple(
            stacked(2), lambda x, _: lt.bradley_terry(x),
            lambda x, _: F.binary_cross_entropy_with_logits(
                x[:, 0] - x[:, 1], torch.ones(len(x), device=x.device)))),
        "dpo": (f"{BATCH}x4", "-logsigmoid composite", "", simple(
            stacked(4), lambda x, _: lt.dpo(x), dpo_composite)),
        "sequence_crossentropy": ("32x32x100", "CrossEntropyLoss(ignore_index)",
                                  "per-sequence means; the built-in averages tokens", simple(
                                      sequences, lt.sequence_crossentropy,
                                      lambda z, y: F.cross_entropy(z.transpose(1, 2), y))),
        "chunked_linear_crossentropy": ("1024x128, V=4096", "CrossEntropyLoss(Linear)",
                                        "holds 256 rows of logits, not 1024", linear_ce),
    }


def torch_case_names() -> list[str]:
    """The lossbook.torch functions with a case, in the order of the tables."""
    return list(_torch_cases())


def time_torch_cases(names: Sequence[str] | None = None, device: str = "cpu",
                     budget_s: float = 1.0, seed: int = 0) -> list[Row]:
    """Time each named lossbook.torch function beside its built-in on ``device``."""
    import torch

    cases = _torch_cases()
    device = torch.device(device)
    synchronize = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    rows = []
    for name in names or list(cases):
        shape, builtin_name, note, setup = cases[name]
        leaves, ours, builtin = setup(device, torch.Generator(device).manual_seed(seed))

        def step(loss, leaves=leaves):
            for tensor in leaves:
                tensor.grad = None
            loss().backward()

        ours_s, builtin_s = time_pair(lambda: step(ours), lambda: step(builtin),  # noqa: B023
                                      budget_s=budget_s, synchronize=synchronize)
        rows.append(Row(f"torch/{device.type}", name, shape, ours_s * 1e6, builtin_name,
                        builtin_s * 1e6, note))
    return rows


# ---------------------------------------------------------------------------------- Keras
def _keras_cases(keras, rng):
    """name -> (shape, builtin name, note, ours Loss, builtin Loss, y_true, y_pred, its y_true,
    its y_pred)."""
    import lossbook.keras as lk

    ops = keras.ops
    f32 = np.float32
    x = rng.normal(size=(BATCH, FEATURES)).astype(f32)
    y = rng.normal(size=(BATCH, FEATURES)).astype(f32)
    bits = (rng.random((BATCH, FEATURES)) > 0.5).astype(f32)
    labels = rng.integers(0, CLASSES, size=BATCH).astype("int32")
    one_hot = np.eye(CLASSES, dtype=f32)[labels]
    scores = rng.normal(size=(BATCH, CLASSES)).astype(f32)
    cos = np.tanh(scores)
    teacher = rng.normal(size=(BATCH, CLASSES)).astype(f32)
    distances = np.abs(rng.normal(size=(BATCH, 1))).astype(f32)
    similar = (rng.random((BATCH, 1)) > 0.5).astype(f32)
    triplets = rng.normal(size=(BATCH, 3, 16)).astype(f32)
    views = rng.normal(size=(256, 2, 64)).astype(f32)
    stacked2, stacked4 = (rng.normal(size=(BATCH, k)).astype(f32) for k in (2, 4))
    variance = np.abs(rng.normal(size=(BATCH, FEATURES))).astype(f32) + 0.1
    tokens = rng.integers(0, 100, size=(32, 32)).astype("int32")
    tokens[:, 24:] = -1
    token_logits = rng.normal(size=(32, 32, 100)).astype(f32)
    ignored = np.zeros(BATCH, f32)

    class Composite(keras.losses.Loss):
        """A composite of Keras built-ins, called as every ``Loss`` is (reduction and all)."""

        def __init__(self, function, name):
            super().__init__(name=name)
            self.function = function

        def call(self, y_true, y_pred):
            return self.function(y_true, y_pred)

    wrap = Composite

    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def info_nce_composite(_, v):
        units = ops.normalize(v, axis=-1)
        logits = ops.matmul(units[:, 0], ops.transpose(units[:, 1])) / 0.1
        return ops.sparse_categorical_crossentropy(ops.arange(ops.shape(v)[0]), logits,
                                                   from_logits=True)

    def difference(columns):
        def logits(v):
            if columns == 2:
                return v[:, 0] - v[:, 1]
            return 0.1 * ((v[:, 0] - v[:, 2]) - (v[:, 1] - v[:, 3]))
        return lambda _, v: keras.losses.binary_crossentropy(
            ops.ones_like(v[:, :1]), logits(v)[:, None], from_logits=True)

    def margin_composite(arc):
        def composite(labels, c):
            hot = ops.one_hot(labels, CLASSES, dtype=c.dtype)
            if arc:  # the textbook ArcFace: s cos(arccos(c) + m) on the label's column
                logits = 64.0 * ops.cos(ops.arccos(ops.clip(c, -1 + 1e-7, 1 - 1e-7)) + 0.5 * hot)
            else:
                logits = 30.0 * (c - 0.35 * hot)
            return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        return composite

    def triplet_composite(_, v):  # no guard at a zero distance (its gradient is NaN there)
        return ops.relu(ops.norm(v[:, 0] - v[:, 1], axis=-1)
                        - ops.norm(v[:, 0] - v[:, 2], axis=-1) + 1.0)

    def kl_composite(t, s, temperature=4.0):
        return temperature**2 * keras.losses.kl_divergence(
            ops.softmax(t / temperature), ops.softmax(s / temperature))

    reg, cat = f"{BATCH}x{FEATURES}", f"{BATCH}x{CLASSES}"
    return {
        "RootMeanSquaredError": (reg, "MeanSquaredError", "", lk.RootMeanSquaredError(1e-8),
                                 keras.losses.MeanSquaredError(), y, x, y, x),
        "Quantile": (reg, "MeanAbsoluteError", "", lk.Quantile(0.9),
                     keras.losses.MeanAbsoluteError(), y, x, y, x),
        "PosWeightedBinaryCrossentropy": (reg, "BinaryCrossentropy",
                                          "keras.ops has no weighted BCE: on torch the built-in "
                                          "is one fused kernel, ours six operations",
                                          lk.PosWeightedBinaryCrossentropy(3.0), bce,
                                          bits, x, bits, x),
        "GaussianNLL": (f"{BATCH}x{2 * FEATURES}", "MeanSquaredError",
                        "Keras has no Gaussian NLL; MSE is its fixed-variance case (half the "
                        "columns, no log, no division): the ratio is what the variance costs",
                        lk.GaussianNLL(),
                        keras.losses.MeanSquaredError(), y, np.concatenate([x, variance], 1),
                        y, x),
        "KnowledgeDistillation": (cat, "KLDivergence(softmax)", "",
                                  lk.KnowledgeDistillation(4.0),
                                  wrap(kl_composite, "kl"), teacher, scores, teacher, scores),
        "MultiMargin": (cat, "CategoricalHinge", "", lk.MultiMargin(),
                        keras.losses.CategoricalHinge(), labels, scores, one_hot, scores),
        "AMSoftmax": (cat, "SparseCategoricalCrossentropy(s (cos - m))", "", lk.AMSoftmax(),
                      wrap(margin_composite(False), "am"), labels, cos, labels, cos),
        "ArcFace": (cat, "SparseCategoricalCrossentropy(s cos(arccos + m))", "", lk.ArcFace(),
                    wrap(margin_composite(True), "arc"), labels, cos, labels, cos),
        "Contrastive": (f"{BATCH}x1", "SquaredHinge", "", lk.Contrastive(),
                        keras.losses.SquaredHinge(), similar, distances, similar, distances),
        "Triplet": (f"{BATCH}x3x16", "relu(norm(a - p) - norm(a - n) + m)", "",
                    lk.Triplet(), wrap(triplet_composite, "triplet"), ignored, triplets,
                    ignored, triplets),
        "InfoNCE": ("256x2x64", "SparseCategoricalCrossentropy(a p^T / tau)", "",
                    lk.InfoNCE(), wrap(info_nce_composite, "info_nce_composite"),
                    views[:, 0, 0], views, views[:, 0, 0], views),
        "BradleyTerry": (f"{BATCH}x2", "BinaryCrossentropy(r+ - r-)", "", lk.BradleyTerry(),
                         wrap(difference(2), "bt"), ignored, stacked2, ignored, stacked2),
        "DPO": (f"{BATCH}x4", "BinaryCrossentropy(beta margin)", "", lk.DPO(),
                wrap(difference(4), "dpo"), ignored, stacked4, ignored, stacked4),
        "SequenceCrossentropy": ("32x32x100", "SparseCategoricalCrossentropy(ignore_class)",
                                 "per-sequence means; the built-in averages tokens",
                                 lk.SequenceCrossentropy(from_logits=True, ignore_class=-1),
                                 keras.losses.SparseCategoricalCrossentropy(
                                     from_logits=True, ignore_class=-1),
                                 tokens, token_logits, tokens, token_logits),
    }


def keras_case_names() -> list[str]:
    """The lossbook.keras loss classes with a case."""
    from lossbook._env import quiet_import

    return list(_keras_cases(quiet_import("keras"), np.random.default_rng(0)))


def _keras_step(keras, loss, y_true, y_pred):
    """One forward + backward of ``loss`` with respect to ``y_pred``, as ``fit`` runs it."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        variable = tf.Variable(y_pred)
        y_true = tf.constant(y_true)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                value = loss(y_true, variable)
            return tape.gradient(value, variable)
        return step
    if backend == "jax":
        import jax

        # the value too, as fit computes it (a gradient alone can skip the forward reduction:
        # jax.grad of a mean squared error never sums the squares)
        value_and_gradient = jax.jit(jax.value_and_grad(lambda p: loss(y_true, p)))
        y_pred = jax.numpy.asarray(y_pred)
        return lambda: jax.block_until_ready(value_and_gradient(y_pred))
    import torch

    tensor = torch.tensor(y_pred, requires_grad=True)
    y_true = torch.tensor(y_true)

    def step():
        tensor.grad = None
        loss(y_true, tensor).backward()
    return step


def time_keras_cases(names: Sequence[str] | None = None, budget_s: float = 1.0,
                     seed: int = 0) -> list[Row]:
    """Time each named lossbook.keras loss beside its built-in on the current backend."""
    from lossbook._env import quiet_import

    keras = quiet_import("keras")
    cases = _keras_cases(keras, np.random.default_rng(seed))
    rows = []
    for name in names or list(cases):
        shape, builtin_name, note, ours, builtin, yt, yp, byt, byp = cases[name]
        ours_s, builtin_s = time_pair(_keras_step(keras, ours, yt, yp),
                                      _keras_step(keras, builtin, byt, byp), budget_s=budget_s)
        rows.append(Row(f"keras/{keras.backend.backend()}", name, shape, ours_s * 1e6,
                        builtin_name, builtin_s * 1e6, note))
    return rows


def format_rows(rows: Sequence[Row], limit: float = LIMIT) -> str:
    """A plain-text table: where, loss, shape, µs, built-in, µs, ratio (marked over ``limit``)."""
    header = ("where", "lossbook loss", "shape", "µs", "nearest built-in", "µs", "ratio")
    lines = [header]
    for row in rows:
        mark = " *" if row.ratio > limit else ""
        lines.append((row.where, row.loss, row.shape, f"{row.ours_us:.0f}", row.builtin,
                      f"{row.builtin_us:.0f}", f"{row.ratio:.2f}{mark}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            for line in lines]
    notes = [f"{row.loss}: {row.note}" for row in rows if row.note]
    return "\n".join(text + ([""] + notes if notes else []))


def markdown_table(rows: Sequence[Row], compact: bool = False) -> str:
    """The rows as a Markdown table, the reasons for unlike pairs listed below it.

    ``compact`` (for a page of one place, e.g. ``torch/cpu``) leaves out the ``where`` and
    ``shape`` columns and lets the built-in's name wrap before its parenthesis, so the table
    fits a page's width.
    """
    if compact:
        lines = ["| lossbook loss | µs | nearest built-in | µs | ratio |", "|---|--:|---|--:|--:|"]
        lines += [f"| `{r.loss}` | {r.ours_us:.0f} | {r.builtin.replace('(', ' (', 1)} | "
                  f"{r.builtin_us:.0f} | {r.ratio:.2f} |" for r in rows]
    else:
        lines = ["| where | lossbook loss | shape | µs | nearest built-in | µs | ratio |",
                 "|---|---|---|--:|---|--:|--:|"]
        lines += [f"| {r.where} | `{r.loss}` | {r.shape} | {r.ours_us:.0f} | {r.builtin} | "
                  f"{r.builtin_us:.0f} | {r.ratio:.2f} |" for r in rows]
    notes = {f"- `{r.loss}`: {r.note}" for r in rows if r.note}
    return "\n".join(lines + ([""] + sorted(notes) if notes else [])) + "\n"


def peak_extra_bytes(step: Callable[[], object]) -> int | None:
    """How far the process's resident memory rises above its start while ``step`` runs.

    Linux only (``None`` elsewhere): the peak resident set ``VmHWM`` is reset through
    ``/proc/self/clear_refs`` first. For CUDA use ``torch.cuda.max_memory_allocated``.
    """
    import re

    def read(key):
        with open("/proc/self/status") as status:
            return int(re.search(rf"{key}:\s+(\d+)", status.read()).group(1)) * 1024

    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        before = read("VmRSS")
    except OSError:
        return None
    step()
    return read("VmHWM") - before


def environment() -> str:
    """One line: versions, threads and machine, for a table's caption."""
    import platform

    import torch

    return (f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
            f"{platform.machine()}, {os.cpu_count()} CPUs; python {platform.python_version()}")


def full_size_passes(step: Callable[[], object], numel: int) -> list[str]:
    """The kernels of ``step`` (torch; a forward + backward, say) that read or write a tensor
    of ``numel`` elements: each is one pass over the data, the cost of a memory-bound loss.

    Counted below autograd with a ``TorchDispatchMode`` (every ATen operation the forward and
    the backward run, views left out), in order.
    """
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_leaves

    names = []

    class Count(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            tensors = [leaf for leaf in tree_leaves((args, kwargs, out))
                       if isinstance(leaf, torch.Tensor)]
            if not func.is_view and any(t.numel() == numel for t in tensors):
                names.append(func.__name__.split(".")[0])
            return out

    with Count():
        step()
    return [name for name in names if name not in ("detach", "alias", "empty_like")]
