"""Gaussian NLL, Bradley–Terry and DPO: torch's built-ins, hand values, extremes, the clamp.

Parity with lossbook.torch / lossbook.keras on random inputs is the parity test's job; here the
reference is held to torch's own ``GaussianNLLLoss`` and ``MarginRankingLoss`` (not lossbook
code), to values worked out by hand, and to the extremes of the issue (variance 0, scores and
log-probabilities of ±1e4).
"""

import math

import numpy as np
import pytest

import lossbook.reference as ref

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(12)


@pytest.mark.parametrize("eps", [1e-6, 0.5])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_equals_torch_builtin(eps, full):
    target = RNG.normal(size=(7, 3))
    mean, variance = RNG.normal(size=(7, 3)), RNG.uniform(0.0, 2.0, (7, 3))
    variance[0, 0] = 0.0  # below every eps: clamped in both
    expected = torch.nn.GaussianNLLLoss(eps=eps, full=full)(
        torch.tensor(mean), torch.tensor(target), torch.tensor(variance))
    value = ref.gaussian_nll(target, np.concatenate([mean, variance], axis=1), eps=eps, full=full)
    assert value == pytest.approx(float(expected), rel=1e-12)


def test_gaussian_nll_by_hand():
    # d = 2: 0.5 (log 4 + 1/4) and 0.5 (log 1 + 0), averaged over the outputs
    value = ref.gaussian_nll([[1.0, 3.0]], [[0.0, 3.0, 4.0, 1.0]])
    assert value == pytest.approx(0.5 * (0.5 * (math.log(4.0) + 0.25) + 0.0), rel=1e-15)
    full = ref.gaussian_nll([[1.0, 3.0]], [[0.0, 3.0, 4.0, 1.0]], full=True)
    assert full - value == pytest.approx(0.5 * math.log(2.0 * math.pi), rel=1e-15)


def test_gaussian_nll_variance_zero_is_finite_thanks_to_eps():
    # a perfect mean with variance 0: 0.5 log(eps); a wrong mean: plus r² / (2 eps)
    values = ref.gaussian_nll([[0.0], [1.0]], [[0.0, 0.0], [0.0, 0.0]], eps=1e-6,
                              reduction="none")
    np.testing.assert_allclose(values, [0.5 * math.log(1e-6), 0.5 * math.log(1e-6) + 0.5e6],
                               rtol=1e-14)
    grad = ref.gradient("gaussian_nll", [[1.0]], [[0.0, 0.0]], eps=1e-6)
    assert np.all(np.isfinite(grad)) and grad[0, 1] == 0.0  # flat clamp: no variance gradient


def test_torch_passes_the_gradient_through_its_variance_clamp():
    # torch clamps var in place under no_grad: below eps the value is the clamped one, but the
    # variance still gets the gradient of the formula at eps (straight-through), not 0
    mean = torch.zeros(1, 1, dtype=torch.float64)
    variance = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
    F.gaussian_nll_loss(mean, torch.ones(1, 1, dtype=torch.float64), variance,
                        eps=1e-6).backward()
    expected = 0.5 * (1 / 1e-6 - 1 / 1e-12)  # d/dv of 0.5 (log v + 1 / v) at v = eps
    assert float(variance.grad) == pytest.approx(expected, rel=1e-12)
    assert ref.gradient("gaussian_nll", [[1.0]], [[0.0, 0.0]])[0, 1] == 0.0


def test_gaussian_nll_huge_residuals_and_variances():
    value = ref.gaussian_nll([[1e8]], [[0.0, 1e16]])  # z = 1: 0.5 (log 1e16 + 1)
    assert value == pytest.approx(0.5 * (16 * math.log(10.0) + 1.0), rel=1e-14)


@pytest.mark.parametrize("gap", [100.0, 1e4])
def test_bradley_terry_on_huge_score_gaps(gap):
    values = ref.bradley_terry(None, [[gap, -gap], [-gap, gap]], reduction="none")
    # right order: about exp(-2 gap) (0 in float64 at 1e4); wrong order: 2 gap
    assert values[0] == pytest.approx(math.log1p(math.exp(-2 * gap)), abs=1e-300)
    assert values[1] == pytest.approx(2 * gap, rel=1e-15)
    grad = ref.gradient("bradley_terry", None, [[gap, -gap], [-gap, gap]])
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad[1], [-1.0, 1.0])


def test_bradley_terry_is_bce_on_the_score_difference_and_the_soft_twin_of_the_hinge():
    scores = RNG.normal(size=(9, 2)) * 2
    diff = torch.tensor(scores[:, 0] - scores[:, 1])
    bce = F.binary_cross_entropy_with_logits(diff, torch.ones(9, dtype=torch.float64))
    assert ref.bradley_terry(None, scores) == pytest.approx(float(bce), rel=1e-12)
    hinge = torch.nn.MarginRankingLoss(margin=1.0, reduction="none")(
        torch.tensor(scores[:, 0]), torch.tensor(scores[:, 1]), torch.ones(9,
                                                                          dtype=torch.float64))
    soft = ref.bradley_terry(None, scores, margin=1.0, reduction="none")
    assert np.all(soft > hinge.numpy())  # softplus(x) > max(0, x) everywhere
    assert np.all(soft - hinge.numpy() <= math.log(2.0) + 1e-12)  # at most log 2 apart


@pytest.mark.parametrize("log_prob", [-100.0, -1e4])
def test_dpo_on_huge_log_probabilities(log_prob):
    # the policy moved all the way: chosen at 0, rejected at log_prob, the reference the reverse
    log_probs = np.array([[0.0, log_prob, log_prob, 0.0], [log_prob, 0.0, 0.0, log_prob]])
    values = ref.dpo(None, log_probs, beta=0.1, reduction="none")
    z = 0.1 * 2 * -log_prob  # the DPO logit of the first pair
    np.testing.assert_allclose(values, [math.log1p(math.exp(-z)), z + math.log1p(math.exp(-z))],
                               rtol=1e-14, atol=1e-300)
    assert np.all(np.isfinite(ref.gradient("dpo", None, log_probs, beta=0.1)))


def test_dpo_is_bradley_terry_on_beta_times_the_log_ratios():
    log_probs = -RNG.gamma(2.0, 2.0, size=(6, 4))
    rewards = 0.3 * (log_probs[:, :2] - log_probs[:, 2:])  # implicit rewards β log π / π_ref
    assert ref.dpo(None, log_probs, beta=0.3) == pytest.approx(
        ref.bradley_terry(None, rewards), rel=1e-13)
