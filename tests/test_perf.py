"""lossbook.perf: every lossbook loss has a benchmark case, the cases run, the counters count.

No timing thresholds here (they flake on shared machines): the ratios live in
``bench/bench_losses.py`` and the performance appendix. These tests hold that the benchmark
covers every loss the package ships and that its measuring tools measure what they say.
"""

from __future__ import annotations

import inspect
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossbook.keras as lk
import lossbook.torch as lt
from lossbook import perf


def _public_functions(module):
    return {name for name in module.__all__ if inspect.isfunction(getattr(module, name))}


def test_every_lossbook_torch_function_has_a_case():
    assert set(perf.torch_case_names()) == _public_functions(lt)


def test_every_lossbook_keras_loss_class_has_a_case():
    classes = {name for name in lk.__all__ if inspect.isclass(getattr(lk, name))}
    assert set(perf.keras_case_names()) == classes


def test_keras_all_names_are_unique():
    assert len(lk.__all__) == len(set(lk.__all__))


def test_every_torch_case_runs_forward_and_backward():
    rows = perf.time_torch_cases(budget_s=0.0)
    assert [row.loss for row in rows] == perf.torch_case_names()
    for row in rows:
        assert row.ours_us > 0 and row.builtin_us > 0 and np.isfinite(row.ratio), row


@pytest.mark.slow
def test_every_keras_case_runs_on_this_backend():
    rows = perf.time_keras_cases(budget_s=0.0)
    assert {row.loss for row in rows} == set(perf.keras_case_names())
    assert all(row.ours_us > 0 and row.builtin_us > 0 for row in rows)


def test_time_pair_alternates_and_counts_both_sides_alike():
    calls = []
    ours, builtin = perf.time_pair(lambda: calls.append("o"), lambda: calls.append("b"),
                                   budget_s=0.0, min_repeats=7)
    assert ours > 0 and builtin > 0
    timed = calls[6:]  # 4 warm-up calls and one untimed pair first
    assert timed == ["o", "b"] * 7


def test_passes_count_full_size_kernels_of_forward_and_backward():
    x = torch.randn(1000, requires_grad=True)
    t = torch.randn(1000)

    def run(loss):
        def step():
            x.grad = None
            loss().backward()
        return perf.full_size_passes(step, 1000)

    plain = run(lambda: torch.maximum(0.9 * (t - x), -0.1 * (t - x)).mean())
    fused = run(lambda: lt.quantile(x, t, tau=0.9))
    mse = run(lambda: F.mse_loss(x, t))
    assert mse == ["mse_loss", "mse_loss_backward"]
    assert "maximum" in plain and len(fused) < len(plain)
    small = torch.randn(10, requires_grad=True)
    assert perf.full_size_passes(lambda: (small * 2).sum().backward(), 1000) == []
    # backward of a slice writes the whole gradient: one pass, counted
    assert run(lambda: x[:10].sum()) == ["slice_backward"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_peak_extra_bytes_sees_a_temporary_allocation():
    extra = perf.peak_extra_bytes(lambda: np.ones(16 * 2**20).sum())  # 128 MiB, then freed
    assert extra is not None and 100 * 2**20 < extra < 400 * 2**20


def test_tables_mark_ratios_over_the_limit_and_list_the_reasons():
    rows = [perf.Row("torch/cpu", "quantile", "8x8", 130.0, "L1Loss", 100.0, "a reason"),
            perf.Row("torch/cpu", "dice", "8x8", 90.0, "formula", 100.0)]
    text = perf.format_rows(rows)
    assert "1.30 *" in text and "0.90" in text and "quantile: a reason" in text
    markdown = perf.markdown_table(rows)
    assert markdown.count("\n| torch/cpu |") == 2 and "- `quantile`: a reason" in markdown
    compact = perf.markdown_table(rows[:1], compact=True)  # no where, no shape: fits a page
    assert compact.splitlines()[2] == "| `quantile` | 130 | L1Loss | 100 | 1.30 |"
