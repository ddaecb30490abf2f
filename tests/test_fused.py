"""The hand-written derivatives of lossbook.torch's fused losses (``_Fused`` rules).

Parity tests check values only; these check what the rules add: gradients with respect to
input *and* target against finite differences (``gradcheck``, float64), for every reduction,
and second derivatives (``gradgradcheck``: backward rebuilds its intermediates with autograd
recording under ``create_graph=True``). Points are random, away from the kinks of the
piecewise-linear losses. The chunked linear cross-entropy, whose reduced form computes its
gradients in the forward pass, is checked against the naive loss.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import lossbook.torch as lt

REDUCTIONS = ("none", "mean", "sum")


def _pair(seed, shape=(4, 3), positive=False):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=generator, dtype=torch.float64)
    t = torch.randn(shape, generator=generator, dtype=torch.float64)
    if positive:
        x, t = x.abs(), t.abs()
    return x.requires_grad_(), t.requires_grad_()


def _one_hot(seed, rows=5, classes=4):
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randn(rows, classes, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, classes, (rows,), generator=generator)
    # the one-hot target selects the masked class: no derivative in it to check
    return scores.requires_grad_(), F.one_hot(labels, classes).double()


CASES = {
    "log_cosh": (lt.log_cosh, lambda seed: _pair(seed)),
    "quantile": (lambda x, t, **kw: lt.quantile(x, t, tau=0.8, **kw), lambda seed: _pair(seed)),
    "mean_squared_logarithmic_error": (lt.mean_squared_logarithmic_error,
                                       lambda seed: _pair(seed, positive=True)),
    "categorical_hinge": (lt.categorical_hinge, lambda seed: _one_hot(seed)),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_first_and_second_derivatives(name, reduction):
    function, make = CASES[name]
    for seed in range(3):
        inputs = make(seed)
        loss = lambda x, t: function(x, t, reduction=reduction)  # noqa: E731
        assert torch.autograd.gradcheck(loss, inputs)
        assert torch.autograd.gradgradcheck(loss, inputs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_input_only_gradient_matches_the_formula_written_out(name):
    """The everyday call (target without grad, float32, mean): autograd of the plain formula."""
    function, make = CASES[name]
    x, t = (tensor.detach().float() for tensor in make(7))
    x.requires_grad_()
    function(x, t).backward()
    plain = x.detach().clone().requires_grad_()
    r = t - plain
    formula = {
        "log_cosh": lambda: torch.log(torch.cosh(r)).mean(),
        "quantile": lambda: torch.maximum(0.8 * r, -0.2 * r).mean(),
        "mean_squared_logarithmic_error": lambda: (
            (torch.log1p(plain) - torch.log1p(t)) ** 2).mean(),
        "categorical_hinge": lambda: torch.relu(
            1 + (plain - 1e9 * t).amax(-1) - (plain * t).sum(-1)).mean(),
    }[name]
    formula().backward()
    torch.testing.assert_close(x.grad, plain.grad)


def test_chunked_reduced_gradients_equal_the_naive_loss():
    generator = torch.Generator().manual_seed(3)
    hidden = torch.randn(37, 8, generator=generator, dtype=torch.float64)
    weight = torch.randn(11, 8, generator=generator, dtype=torch.float64)
    bias = torch.randn(11, generator=generator, dtype=torch.float64)
    target = torch.randint(0, 11, (37,), generator=generator)
    target[::5] = -100
    for reduction in ("mean", "sum"):
        grads = []
        for chunked in (True, False):
            leaves = [tensor.clone().requires_grad_() for tensor in (hidden, weight, bias)]
            h, w, b = leaves
            loss = (lt.chunked_linear_crossentropy(h, w, target, bias=b, chunk_size=8,
                                                   reduction=reduction) if chunked
                    else F.cross_entropy(F.linear(h, w, b), target, reduction=reduction))
            (3.0 * loss).backward()  # an incoming gradient other than 1
            grads.append([loss.detach()] + [leaf.grad for leaf in leaves])
        for ours, naive in zip(*grads, strict=True):
            torch.testing.assert_close(ours, naive)


def test_chunked_frozen_weight_gets_no_gradient():
    hidden = torch.randn(6, 4, requires_grad=True)
    weight = torch.randn(9, 4)
    lt.chunked_linear_crossentropy(hidden, weight, torch.arange(6), chunk_size=4).backward()
    assert hidden.grad is not None and weight.grad is None


def test_quantile_with_one_level_per_column():
    """The regression chapter fits 19 quantiles at once: ``tau`` a tensor, one per column."""
    from lossbook import reference

    x, t = _pair(11, shape=(6, 3))
    tau = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    for reduction in REDUCTIONS:
        loss = lambda x, t: lt.quantile(x, t, tau=tau, reduction=reduction)  # noqa: E731, B023
        assert torch.autograd.gradcheck(loss, (x, t))
        assert torch.autograd.gradgradcheck(loss, (x, t))
    per_column = [reference.quantile(t[:, [k]].detach().numpy(), x[:, [k]].detach().numpy(),
                                     tau=float(level), reduction="mean")
                  for k, level in enumerate(tau)]
    value = lt.quantile(x, t, tau=tau)
    torch.testing.assert_close(value.item(), sum(per_column) / 3)


def test_quantile_learned_level_gets_its_gradient():
    x, t = (tensor.detach() for tensor in _pair(12))
    tau = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda tau: lt.quantile(x, t, tau=tau), (tau,))
