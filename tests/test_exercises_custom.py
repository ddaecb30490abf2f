"""The Custom-losses exercise bank: the Gaussian NLL of a [batch, 2 d] head."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lossbook.reference as ref
from lossbook import exercises
from lossbook._env import quiet_import


def gaussian_nll_torch(y_true, y_pred, eps=1e-6, full=False):
    d = y_true.shape[-1]
    mean, variance = y_pred[..., :d], torch.clamp(y_pred[..., d:], min=eps)
    values = 0.5 * (torch.log(variance) + (y_true - mean) ** 2 / variance)
    return values.mean() + (0.5 * math.log(2 * math.pi) if full else 0.0)


def test_a_torch_answer_passes_with_its_gradient_and_the_reference_is_refused():
    refused = exercises.check("gaussian_nll", ref.gaussian_nll)  # lossbook's own: not an answer
    assert not refused.passed and "not from a loss function or class" in str(refused)
    result = exercises.check("gaussian_nll", gaussian_nll_torch)
    assert result.passed, str(result)
    assert result.framework == "torch"
    assert any(line.startswith("[gradient]") for line in result.checked)


def test_a_keras_answer_passes():
    ops = quiet_import("keras").ops

    def gaussian_nll_keras(y_true, y_pred, eps=1e-6, full=False):
        d = y_true.shape[-1]
        mean, variance = y_pred[..., :d], ops.maximum(y_pred[..., d:], eps)
        values = 0.5 * (ops.log(variance) + ops.square(y_true - mean) / variance)
        return ops.mean(values) + (0.5 * math.log(2 * math.pi) if full else 0.0)

    result = exercises.check("gaussian_nll", gaussian_nll_keras)
    assert result.framework == "keras" and result.passed, str(result)


def test_a_missing_clamp_fails_on_the_zero_variance():
    def unclamped(y_true, y_pred):
        d = y_true.shape[-1]
        mean, variance = y_pred[..., :d], y_pred[..., d:]
        return np.mean(0.5 * (np.log(variance) + (y_true - mean) ** 2 / variance))

    with np.errstate(all="ignore"):
        result = exercises.check("gaussian_nll", unclamped)
    assert not result.passed
    failed = [f for f in result.failures if "variance of exactly 0" in f.case]
    assert failed and "eps" in failed[0].hint


@pytest.mark.parametrize("alias", ["gaussian_nll_loss", "heteroscedastic"])
def test_aliases(alias):
    assert exercises.check(alias, gaussian_nll_torch).passed
