"""Analytic gradients of lossbook.reference: central differences, torch autograd, kinks."""

import functools

import numpy as np
import pytest

import lossbook.reference as ref

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(7)
N, C, D = 4, 3, 3


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


values_a, values_b = RNG.normal(size=(N, D)), RNG.normal(size=(N, D)) * 2
positive_a, positive_b = RNG.uniform(0.2, 3.0, (N, D)), RNG.uniform(0.2, 3.0, (N, D))
logits = RNG.normal(size=(N, C)) * 2
probs = _softmax(RNG.normal(size=(N, C)))
target_dist = _softmax(RNG.normal(size=(N, C)))
labels = RNG.integers(0, C, N)
one_hot = np.eye(C)[labels]
binary = RNG.integers(0, 2, (N, D)).astype(float)
binary_probs = RNG.uniform(0.05, 0.95, (N, D))
cosines = RNG.uniform(-1, 1, (N, C))
distances = RNG.uniform(0.0, 2.0, N)
pair_labels = RNG.integers(0, 2, N).astype(float)
triplets = RNG.normal(size=(N, 3, D))
seq_labels = RNG.integers(0, C, (N, 5))
seq_labels[:, 3:] = -1
seq_logits = RNG.normal(size=(N, 5, C))
views = RNG.normal(size=(N, 2, D))  # two views per example (InfoNCE)
pk_labels = np.repeat(np.arange(3), 3)  # a PK batch for the mined triplet loss
pk_embeddings = RNG.normal(size=(9, D))
circle_embeddings = RNG.normal(size=(8, D))
circle_embeddings /= np.linalg.norm(circle_embeddings, axis=1, keepdims=True)
circle_labels = np.array([0, 0, 1, 1, 1, 2, 2, 3])  # label 3 alone: its loss is 0


def _lt():
    import lossbook.torch

    return lossbook.torch


def _semi_hard_torch(labels, embeddings, margin):
    # an independent torch version: loop over (anchor, positive), pick the negative in Python
    distances = torch.cdist(embeddings, embeddings)
    total = 0.0
    for i in range(len(labels)):
        positives = [p for p in range(len(labels)) if labels[p] == labels[i] and p != i]
        negatives = [n for n in range(len(labels)) if labels[n] != labels[i]]
        for p in positives:
            farther = [n for n in negatives if distances[i, n] > distances[i, p]]
            n = (min(farther, key=lambda n: distances[i, n]) if farther
                 else max(negatives, key=lambda n: distances[i, n]))
            total = total + torch.relu(distances[i, p] - distances[i, n] + margin) / len(positives)
    return total
gaussian_heads = np.concatenate([values_b, positive_a], axis=-1)  # means, then variances
score_pairs = RNG.normal(size=(N, 2)) * 2
log_prob_quads = -RNG.gamma(2.0, 2.0, size=(N, 4))
lin_labels = RNG.integers(0, C, N)
lin_labels[0] = -1
lin_hidden, lin_weight, lin_bias = RNG.normal(size=(N, 3)), RNG.normal(size=(C, 3)), RNG.normal(size=C)


def _perplexity_torch(y, s):
    """The sum of per-sequence perplexities, exp of each row's mean token cross-entropy."""
    steps = F.cross_entropy(s.permute(0, 2, 1), torch.as_tensor(y), ignore_index=-1,
                            reduction="none")
    return (steps.sum(1) / (torch.as_tensor(y) != -1).sum(1)).exp().sum()


def _hinge_labels(y):
    return 2 * y - 1


def _focal_torch(y, z, gamma=2.0, alpha=0.25, balance=False, from_logits=True):
    p = torch.sigmoid(z) if from_logits else z
    bce = F.binary_cross_entropy(p, y, reduction="none")
    q = y * (1 - p) + (1 - y) * p
    a = y * alpha + (1 - y) * (1 - alpha) if balance else 1.0
    return (a * q**gamma * bce).sum() / z.shape[-1]


def _cat_focal_torch(y, s, alpha=0.25, gamma=2.0, from_logits=False):
    p = torch.softmax(s, -1) if from_logits else s
    return (alpha * (1 - p) ** gamma * -(y * torch.log(p))).sum()


def _categorical_hinge_torch(y, s):
    wrong = torch.where(y == 1, torch.tensor(-torch.inf, dtype=s.dtype), s).amax(-1)
    return torch.relu(1 + wrong - (y * s).sum(-1)).sum()


def _sequence_torch(y, s):
    steps = F.cross_entropy(s.permute(0, 2, 1), torch.as_tensor(y), ignore_index=-1,
                            reduction="none")
    return (steps.sum(1) / (torch.as_tensor(y) != -1).sum(1)).sum()


# (id, name, y_true, y_pred, params, torch "sum" loss of (y_true tensor, y_pred tensor), fd step)
CASES = [
    ("mse", "mean_squared_error", values_a, values_b, {},
     lambda y, p: ((p - y) ** 2).sum() / D, 1e-6),
    ("mae", "mean_absolute_error", values_a, values_b, {},
     lambda y, p: (p - y).abs().sum() / D, 1e-6),
    ("rmse_eps", "root_mean_squared_error", values_a, values_b, {"epsilon": 1e-3},
     lambda y, p: torch.sqrt(((p - y) ** 2).mean(-1) + 1e-3).sum(), 1e-6),
    ("rmse_1d", "root_mean_squared_error", values_a[:, 0], values_b[:, 0], {},
     lambda y, p: (p - y).abs().sum(), 1e-6),
    ("mape", "mean_absolute_percentage_error", values_a, values_b, {},
     lambda y, p: (100 * (y - p).abs() / y.abs()).sum() / D, 1e-6),
    ("msle", "mean_squared_logarithmic_error", positive_a, positive_b, {},
     lambda y, p: ((torch.log1p(p) - torch.log1p(y)) ** 2).sum() / D, 1e-6),
    ("huber", "huber", values_a, values_b, {"delta": 0.8},
     lambda y, p: F.huber_loss(p, y, delta=0.8, reduction="sum") / D, 1e-6),
    ("log_cosh", "log_cosh", values_a, values_b, {},
     lambda y, p: torch.log(torch.cosh(p - y)).sum() / D, 1e-6),
    ("quantile", "quantile", values_a, values_b, {"tau": 0.3},
     lambda y, p: torch.maximum(0.3 * (y - p), -0.7 * (y - p)).sum() / D, 1e-6),
    ("poisson", "poisson", np.round(positive_a * 2), positive_b, {},
     lambda y, p: F.poisson_nll_loss(p, y, log_input=False, eps=0.0, reduction="sum") / D,
     1e-6),
    ("bce_probs", "binary_crossentropy", binary, binary_probs, {},
     lambda y, p: F.binary_cross_entropy(p, y, reduction="sum") / D, 1e-6),
    ("bce_logits_smoothing", "binary_crossentropy", binary, values_b,
     {"from_logits": True, "label_smoothing": 0.1},
     lambda y, z: F.binary_cross_entropy_with_logits(z, y * 0.9 + 0.05, reduction="sum") / D,
     1e-6),
    ("cce_logits", "categorical_crossentropy", target_dist, logits, {"from_logits": True},
     lambda y, z: F.cross_entropy(z, y, reduction="sum"), 1e-6),
    ("cce_logits_axis0", "categorical_crossentropy", target_dist.T.copy(), logits.T.copy(),
     {"from_logits": True, "axis": 0},
     lambda y, z: F.cross_entropy(z.T, y.T, reduction="sum"), 1e-6),
    ("cce_probs", "categorical_crossentropy", target_dist, probs, {},
     lambda y, p: -(y * torch.log(p)).sum(), 1e-7),
    ("scce_logits_ignore", "sparse_categorical_crossentropy", np.where(labels == 0, 9, labels),
     logits, {"from_logits": True, "ignore_class": 9},
     lambda y, z: F.cross_entropy(z, torch.as_tensor(np.where(labels == 0, 9, labels)),
                                  ignore_index=9, reduction="sum"), 1e-6),
    ("scce_probs", "sparse_categorical_crossentropy", labels, probs, {},
     lambda y, p: F.nll_loss(torch.log(p), torch.as_tensor(labels), reduction="sum"), 1e-7),
    ("class_weighted", "class_weighted_crossentropy", labels, logits,
     {"class_weight": [1.0, 2.0, 0.5], "from_logits": True},
     lambda y, z: F.cross_entropy(z, torch.as_tensor(labels),
                                  weight=torch.tensor([1.0, 2.0, 0.5], dtype=z.dtype),
                                  reduction="sum"), 1e-6),
    ("focal_logits", "binary_focal_crossentropy", binary, values_b,
     {"from_logits": True, "gamma": 1.5, "alpha": 0.3, "apply_class_balancing": True},
     lambda y, z: _focal_torch(y, z, 1.5, 0.3, True), 1e-6),
    ("focal_probs", "binary_focal_crossentropy", binary, binary_probs, {},
     lambda y, p: _focal_torch(y, p, from_logits=False), 1e-6),
    ("cat_focal_probs", "categorical_focal_crossentropy", one_hot, probs, {},
     lambda y, p: _cat_focal_torch(y, p), 1e-7),
    ("cat_focal_logits", "categorical_focal_crossentropy", one_hot, logits,
     {"from_logits": True, "gamma": 3.0},
     lambda y, z: _cat_focal_torch(y, z, gamma=3.0, from_logits=True), 1e-6),
    ("bce_logits_pos_weight", "binary_crossentropy", binary, values_b,
     {"from_logits": True, "pos_weight": [1.0, 3.0, 0.5]},
     lambda y, z: F.binary_cross_entropy_with_logits(
         z, y, pos_weight=torch.tensor([1.0, 3.0, 0.5], dtype=z.dtype), reduction="sum") / D,
     1e-6),
    ("bce_probs_pos_weight", "binary_crossentropy", binary, binary_probs,
     {"pos_weight": [2.0, 1.0, 0.5]},
     lambda y, p: -(torch.tensor([2.0, 1.0, 0.5], dtype=p.dtype) * y * torch.log(p)
                    + (1 - y) * torch.log1p(-p)).sum() / D, 1e-7),
    ("distillation_t3", "knowledge_distillation", values_a, logits, {"temperature": 3.0},
     lambda t, s: 9.0 * F.kl_div(F.log_softmax(s / 3.0, -1), F.log_softmax(t / 3.0, -1),
                                 log_target=True, reduction="sum"), 1e-6),
    ("kl", "kl_divergence", target_dist, probs, {},
     lambda y, q: F.kl_div(torch.log(q), y, reduction="sum"), 1e-7),
    ("hinge", "hinge", binary, values_b, {},
     lambda y, s: torch.relu(1 - _hinge_labels(y) * s).sum() / D, 1e-6),
    ("squared_hinge", "squared_hinge", binary, values_b, {},
     lambda y, s: (torch.relu(1 - _hinge_labels(y) * s) ** 2).sum() / D, 1e-6),
    ("categorical_hinge", "categorical_hinge", one_hot, logits, {},
     _categorical_hinge_torch, 1e-6),
    ("multi_margin_p2", "multi_margin", labels, logits, {"p": 2, "margin": 2.0},
     lambda y, s: F.multi_margin_loss(s, torch.as_tensor(labels), p=2, margin=2.0,
                                      reduction="sum"), 1e-6),
    ("cosine", "cosine_similarity", values_a, values_b, {},
     lambda u, v: -F.cosine_similarity(u, v, dim=-1).sum(), 1e-6),
    ("contrastive", "contrastive", pair_labels, distances, {"margin": 1.5},
     lambda y, d: (y * d**2 + (1 - y) * torch.relu(1.5 - d) ** 2).sum(), 1e-6),
    ("dice", "dice", binary, binary_probs, {"smooth": 0.5},
     lambda y, p: (1 - (2 * (y * p).sum(-1) + 0.5) / (y.sum(-1) + p.sum(-1) + 0.5)).sum(), 1e-6),
    ("tversky", "tversky", binary, binary_probs, {"alpha": 0.7, "beta": 0.2, "smooth": 0.1},
     lambda y, p: (1 - ((y * p).sum(-1) + 0.1) / ((y * p).sum(-1) + 0.7 * ((1 - y) * p).sum(-1)
                                                 + 0.2 * (y * (1 - p)).sum(-1) + 0.1)).sum(),
     1e-6),
    ("dice_per_class", "dice", binary, binary_probs, {"axis": (0,), "smooth": 0.5},
     lambda y, p: (1 - (2 * (y * p).sum(0) + 0.5) / (y.sum(0) + p.sum(0) + 0.5)).sum(), 1e-6),
    ("dice_pooled", "dice", binary, binary_probs, {"axis": None},
     lambda y, p: 1 - 2 * (y * p).sum() / (y.sum() + p.sum()), 1e-6),
    ("gce_logits", "categorical_generalized_cross_entropy", labels, logits,
     {"q": 0.3, "from_logits": True},
     lambda y, z: ((1 - F.softmax(z, -1).gather(-1, torch.as_tensor(labels)[:, None]) ** 0.3)
                   / 0.3).sum(), 1e-6),
    ("triplet", "triplet", None, triplets, {"margin": 2.0},
     lambda y, x: F.triplet_margin_loss(x[:, 0], x[:, 1], x[:, 2], margin=2.0, eps=0.0,
                                        reduction="sum"), 1e-6),
    ("am_softmax", "am_softmax", labels, cosines, {"margin": 0.2, "scale": 4.0},
     lambda y, c: F.cross_entropy(4.0 * (c - 0.2 * torch.as_tensor(one_hot)),
                                  torch.as_tensor(labels), reduction="sum"), 1e-6),
    ("arcface", "arcface", labels, cosines, {"margin": 0.3, "scale": 4.0},
     lambda y, c: _lt().arcface(c, torch.as_tensor(labels), margin=0.3, scale=4.0,
                                reduction="sum"), 1e-6),
    ("info_nce", "info_nce", None, views, {"temperature": 0.5},
     lambda y, x: _lt().info_nce(x, temperature=0.5, reduction="sum"), 1e-6),
    ("clip", "info_nce", None, views, {"temperature": 0.2, "symmetric": True},
     lambda y, x: _lt().info_nce(x, temperature=0.2, symmetric=True, reduction="sum"), 1e-6),
    ("semi_hard", "triplet_semi_hard", pk_labels, pk_embeddings, {"margin": 1.5},
     lambda y, e: _semi_hard_torch(pk_labels, e, 1.5), 1e-6),
    ("circle", "circle", circle_labels, circle_embeddings, {"gamma": 4.0, "margin": 0.3},
     lambda y, e: _lt().circle(e, torch.as_tensor(circle_labels), gamma=4.0, margin=0.3,
                               reduction="sum"), 1e-6),
    ("gaussian_nll", "gaussian_nll", values_a, gaussian_heads, {"eps": 1e-6},
     lambda y, p: F.gaussian_nll_loss(p[:, :D], y, p[:, D:], eps=1e-6, reduction="sum") / D,
     1e-6),
    ("gaussian_nll_full", "gaussian_nll", values_a, gaussian_heads, {"eps": 0.1, "full": True},
     lambda y, p: F.gaussian_nll_loss(p[:, :D], y, p[:, D:], eps=0.1, full=True,
                                      reduction="sum") / D, 1e-6),
    ("bradley_terry", "bradley_terry", None, score_pairs, {"margin": 0.5},
     lambda y, s: F.softplus(0.5 - (s[:, 0] - s[:, 1])).sum(), 1e-6),
    ("dpo", "dpo", None, log_prob_quads, {"beta": 0.7},
     lambda y, q: -F.logsigmoid(0.7 * ((q[:, 0] - q[:, 2]) - (q[:, 1] - q[:, 3]))).sum(), 1e-6),
    ("sequence_ce", "sequence_crossentropy", seq_labels, seq_logits,
     {"from_logits": True, "ignore_class": -1},
     lambda y, s: _sequence_torch(seq_labels, s), 1e-6),
    ("linear_crossentropy", "linear_crossentropy", lin_labels, lin_hidden,
     {"weight": lin_weight, "bias": lin_bias, "ignore_class": -1},
     lambda y, h: F.cross_entropy(h @ torch.as_tensor(lin_weight).T + torch.as_tensor(lin_bias),
                                  torch.as_tensor(lin_labels), ignore_index=-1,
                                  reduction="sum"), 1e-6),
    ("perplexity", "perplexity", seq_labels, seq_logits,
     {"from_logits": True, "ignore_class": -1},
     lambda y, s: _perplexity_torch(seq_labels, s), 1e-6),
]
CASE_PARAMS = [pytest.param(*case[1:], id=case[0]) for case in CASES]


def central_differences(name, y_true, y_pred, params, step, reduction="sum", sample_weight=None):
    loss = functools.partial(getattr(ref, name), reduction=reduction, sample_weight=sample_weight)
    grad = np.zeros_like(y_pred)
    for index in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (loss(y_true, up, **params) - loss(y_true, down, **params)) / (2 * step)
    return grad


@pytest.mark.parametrize("name, y_true, y_pred, params, torch_loss, step", CASE_PARAMS)
def test_gradient_matches_central_differences(name, y_true, y_pred, params, torch_loss, step):
    analytic = ref.gradient(name, y_true, y_pred, **params)
    assert analytic.shape == np.shape(y_pred)
    numeric = central_differences(name, y_true, y_pred, params, step)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, y_true, y_pred, params, torch_loss, step", CASE_PARAMS)
def test_gradient_matches_torch_autograd(name, y_true, y_pred, params, torch_loss, step):
    prediction = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    target = None if y_true is None else torch.tensor(np.asarray(y_true), dtype=torch.float64)
    torch_loss(target, prediction).backward()
    # the loss values agree too, so the torch formula above is the same loss
    assert float(torch_loss(target, prediction.detach())) == pytest.approx(
        getattr(ref, name)(y_true, y_pred, reduction="sum", **params), rel=1e-10)
    np.testing.assert_allclose(ref.gradient(name, y_true, y_pred, **params),
                               prediction.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, y_true, y_pred, params, torch_loss, step", CASE_PARAMS)
def test_mean_gradient_matches_central_differences(name, y_true, y_pred, params, torch_loss, step):
    # "mean" is "sum" / (number of per-sample values) for every loss but RMSE, whose "mean" is
    # the square root of the overall MSE; both must match the derivative of the "mean" loss.
    analytic = ref.gradient(name, y_true, y_pred, reduction="mean", **params)
    numeric = central_differences(name, y_true, y_pred, params, step, reduction="mean")
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def test_weighted_mean_gradient_of_rmse_matches_central_differences():
    weights = np.array([0.5, 1.0, 2.0, 0.0])
    params = {"epsilon": 0.01}
    analytic = ref.gradient("root_mean_squared_error", values_a, values_b, reduction="mean",
                            sample_weight=weights, **params)
    numeric = central_differences("root_mean_squared_error", values_a, values_b, params, 1e-6,
                                  reduction="mean", sample_weight=weights)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_every_gradient_is_tested():
    assert {case[1] for case in CASES} == set(ref.GRADIENT_NAMES)


def test_gradient_scales_with_sample_weight():
    weights = np.array([0.0, 1.0, 2.0, 0.5])
    weighted = ref.gradient("huber", values_a, values_b, sample_weight=weights)
    np.testing.assert_allclose(weighted, ref.gradient("huber", values_a, values_b)
                               * weights[:, None])


def test_ctc_has_no_closed_form_and_names_autograd():
    with pytest.raises(NotImplementedError, match="autograd"):
        ref.gradient("ctc", [[1]], np.log(np.full((1, 2, 2), 0.5)), input_length=[2],
                     label_length=[1])


def test_unknown_gradient_name():
    with pytest.raises(ValueError, match="`name`"):
        ref.gradient("no_such_loss", [1.0], [1.0])


@pytest.mark.parametrize("name, params", [
    ("mean_absolute_error", {}),
    ("quantile", {"tau": 0.2}),
    ("hinge", {}),
])
def test_subgradient_at_the_kink(name, params):
    """At a kink the chosen subgradient (0) lies between the one-sided slopes."""
    y_true, y_pred = (np.array([1.0, 0.0]), np.array([1.0, 1.0])) if name == "hinge" else \
        (np.array([0.5, -2.0]), np.array([0.5, -2.0]))
    grad = ref.gradient(name, y_true, y_pred, **params)
    loss = getattr(ref, name)
    step = 1e-6
    for index in range(len(y_pred)):
        if name == "hinge" and index == 1:
            continue  # not at the kink
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += step
        down[index] -= step
        base = loss(y_true, y_pred, reduction="sum", **params)
        right = (loss(y_true, up, reduction="sum", **params) - base) / step
        left = (base - loss(y_true, down, reduction="sum", **params)) / step
        assert left - 1e-9 <= grad[index] <= right + 1e-9
        assert grad[index] == 0.0


def test_rmse_gradient_at_perfect_fit_is_nan_without_epsilon():
    # TRAPS 21: 0/0; with epsilon the gradient is 0
    assert np.all(np.isnan(ref.gradient("root_mean_squared_error", [[1.0, 2.0]], [[1.0, 2.0]])))
    np.testing.assert_array_equal(
        ref.gradient("root_mean_squared_error", [[1.0, 2.0]], [[1.0, 2.0]], epsilon=1e-8), 0.0)
