"""PyTorch implementations of the losses torch does not ship.

Pure ``torch`` operations: they run on any device, in any floating dtype, under autograd and
``torch.compile`` (no Python branch depends on a tensor's *value*). Where torch has a built-in
(``MSELoss``, ``HuberLoss``, ``BCEWithLogitsLoss``, ``CrossEntropyLoss``, ``MultiMarginLoss``,
``TripletMarginLoss``, ``CTCLoss``, ...) the book uses it and this module does not repeat it.

**Argument order follows torch, not Keras**: every function here takes ``(input, target)``
— prediction first, like ``torch.nn.functional.mse_loss`` — whereas :mod:`lossbook.reference`
and Keras take ``(y_true, y_pred)`` (see the "Framework traps" appendix, trap 1). The
catalogue's adapters (:mod:`lossbook.catalog`) translate between the two.

``reduction`` also follows torch: ``"none"`` returns the element-wise losses of element-wise
losses (``log_cosh``, ``quantile``, ``hinge``, ...) and one value per sample for losses defined
per sample (``categorical_hinge``, ``am_softmax``, ``dice``, ...); ``"mean"`` averages and
``"sum"`` adds up what ``"none"`` returns. Each function has an ``nn.Module`` twin
(``LogCoshLoss(reduction="mean")`` ...), like ``torch.nn.MSELoss`` and ``F.mse_loss``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lossbook._validation import check_reduction

__all__ = [
    "AMSoftmaxLoss", "BinaryFocalLoss", "CategoricalFocalLoss", "CategoricalHingeLoss",
    "ContrastiveLoss", "DiceLoss", "HingeLoss", "LogCoshLoss", "MAPELoss", "MSLELoss",
    "QuantileLoss", "RMSELoss", "SequenceCrossentropyLoss", "SquaredHingeLoss", "TverskyLoss",
    "am_softmax", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "categorical_hinge", "contrastive", "dice", "hinge", "log_cosh",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "quantile",
    "root_mean_squared_error", "sequence_crossentropy", "squared_hinge", "tversky",
]

_LOG2 = math.log(2.0)


def _reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    """Torch-style reduction of unreduced losses: ``"none"``, ``"mean"`` or ``"sum"``."""
    check_reduction(reduction)
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _check_shapes(input: torch.Tensor, target: torch.Tensor) -> None:
    # Shapes are static Python values, so this check is free under torch.compile; torch's
    # own element-wise losses only warn before broadcasting (N, 1) against (N,) (trap 10).
    if input.shape != target.shape:
        raise ValueError(
            "`input` and `target` must have the same shape; nothing is broadcast. "
            f"Received: input.shape={tuple(input.shape)}, target.shape={tuple(target.shape)}"
        )


# ----------------------------------------------------------------------------- regression


def root_mean_squared_error(input, target, *, epsilon: float = 0.0, reduction: str = "mean"):
    r"""Root mean squared error, with ``epsilon`` inside the root, as :mod:`lossbook.reference`.

    :math:`\sqrt{\mathrm{MSE} + \epsilon}`: ``"mean"`` is the root of the overall mean squared
    error (what "RMSE" usually means; not the mean of the per-sample roots), ``"none"`` the
    per-sample :math:`\sqrt{\frac1d\sum_j (t_j - x_j)^2 + \epsilon}` over the last axis (a 1-D
    input is one value per sample) and ``"sum"`` their sum. ``epsilon > 0`` keeps the gradient
    finite at a perfect fit, where the root has an infinite slope (trap 21).

    >>> float(root_mean_squared_error(torch.tensor([3.0, 5.0]), torch.tensor([0.0, 0.0])))
    4.123105525970459
    """
    _check_shapes(input, target)
    check_reduction(reduction)
    if reduction == "mean":  # rows of equal size: the mean of their means is the overall mean
        return torch.sqrt(F.mse_loss(input, target) + epsilon)  # mse_loss: one fused kernel
    squared = F.mse_loss(input, target, reduction="none")
    per_sample = squared if squared.ndim < 2 else squared.mean(dim=-1)
    return _reduce(torch.sqrt(per_sample + epsilon), reduction)


def mean_absolute_percentage_error(input, target, *, epsilon: float = 1e-7, reduction: str = "mean"):
    r"""Absolute percentage error :math:`100\,|t - x| / \max(|t|, \epsilon)`, element-wise.

    In percent, like Keras; ``epsilon`` (Keras' value by default) guards against a zero target.

    >>> float(mean_absolute_percentage_error(torch.tensor([1.0]), torch.tensor([2.0])))
    50.0
    """
    _check_shapes(input, target)
    return _reduce(100.0 * (target - input).abs() / target.abs().clamp_min(epsilon), reduction)


def mean_squared_logarithmic_error(input, target, *, reduction: str = "mean"):
    r"""Squared logarithmic error :math:`(\log(1 + x) - \log(1 + t))^2`, element-wise.

    Inputs must exceed -1 (no clipping: Keras clips negative values to 1e-7, trap 22).
    ``log1p`` keeps small values exact.

    >>> float(mean_squared_logarithmic_error(torch.tensor([0.0]), torch.tensor([math.e - 1])))
    1.0
    """
    _check_shapes(input, target)
    return _reduce((torch.log1p(input) - torch.log1p(target)).square(), reduction)


def log_cosh(input, target, *, reduction: str = "mean"):
    r"""Log-cosh loss :math:`\log\cosh(x - t)`, element-wise, without overflow.

    Stable form: :math:`\log\cosh r = |r| + \operatorname{softplus}(-2|r|) - \log 2`, so
    residuals of 1e4 give 1e4 - log 2 where ``torch.log(torch.cosh(r))`` gives inf.

    >>> float(log_cosh(torch.tensor([1e4]), torch.tensor([0.0])))
    9999.306640625
    """
    _check_shapes(input, target)
    residual = (input - target).abs()
    return _reduce(residual + F.softplus(-2.0 * residual) - _LOG2, reduction)


def quantile(input, target, *, tau: float = 0.5, reduction: str = "mean"):
    r"""Quantile (pinball) loss :math:`\max(\tau r, (\tau - 1) r)` with :math:`r = t - x`.

    Under-prediction costs ``tau`` per unit, over-prediction ``1 - tau``; ``tau = 0.5`` is
    half the absolute error.

    >>> float(quantile(torch.tensor([0.0]), torch.tensor([2.0]), tau=0.9))
    1.7999999523162842
    """
    _check_shapes(input, target)
    residual = target - input
    # max(tau r, (tau - 1) r) = tau r + relu(-r): one fused pass, about 4x faster than maximum
    return _reduce(tau * residual + torch.relu(-residual), reduction)


# ------------------------------------------------------------------------- classification


def binary_focal_crossentropy(input, target, *, gamma: float = 2.0, alpha: float = 0.25,
                              apply_class_balancing: bool = False, from_logits: bool = False,
                              label_smoothing: float = 0.0, reduction: str = "mean"):
    r"""Binary focal cross-entropy (Lin et al., 2017), element-wise, Keras' definition.

    :math:`(1 - p_t)^\gamma\,\mathrm{BCE}(t, p)` with :math:`p_t = t p + (1 - t)(1 - p)`, times
    :math:`\alpha_t = t\alpha + (1 - t)(1 - \alpha)` only if ``apply_class_balancing`` (Keras'
    default; torchvision's ``sigmoid_focal_loss`` always applies ``alpha``, trap 19).
    From logits, BCE is ``binary_cross_entropy_with_logits`` and :math:`1 - p_t` is
    :math:`t\,\sigma(-z) + (1 - t)\,\sigma(z)`, both stable at ±1e4. ``label_smoothing``
    :math:`\varepsilon` replaces :math:`t` by :math:`t(1 - \varepsilon) + \varepsilon / 2`.

    >>> z, t = torch.tensor([0.0]), torch.tensor([1.0])
    >>> round(float(binary_focal_crossentropy(z, t, from_logits=True)), 6)  # 0.25 * log 2
    0.173287
    """
    _check_shapes(input, target)
    target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(input, target, reduction="none")
        one_minus_pt = target * torch.sigmoid(-input) + (1.0 - target) * torch.sigmoid(input)
    else:
        bce = F.binary_cross_entropy(input, target, reduction="none")
        one_minus_pt = target * (1.0 - input) + (1.0 - target) * input
    loss = one_minus_pt.pow(gamma) * bce
    if apply_class_balancing:
        loss = (target * alpha + (1.0 - target) * (1.0 - alpha)) * loss
    return _reduce(loss, reduction)


def categorical_focal_crossentropy(input, target, *, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   reduction: str = "mean"):
    r"""Categorical focal cross-entropy, one value per sample, Keras' definition.

    :math:`-\sum_c \alpha (1 - p_c)^\gamma\, t_c \log p_c` over the class axis (last), for
    ``input`` of shape ``[batch, classes]`` (probabilities, or logits with ``from_logits``)
    and ``target`` one-hot or soft labels of the same shape. From logits the log-probabilities
    come from ``log_softmax`` (stable at ±1e4). ``label_smoothing`` :math:`\varepsilon` replaces
    :math:`t` by :math:`t(1 - \varepsilon) + \varepsilon / C`.

    >>> p, t = torch.tensor([[0.5, 0.5]]), torch.tensor([[1.0, 0.0]])
    >>> round(float(categorical_focal_crossentropy(p, t)), 6)  # 0.25 * 0.25 * log 2
    0.043322
    """
    _check_shapes(input, target)
    target = target * (1.0 - label_smoothing) + label_smoothing / input.shape[-1]
    log_probs = F.log_softmax(input, dim=-1) if from_logits else torch.log(input)
    probs = log_probs.exp()
    return _reduce(-(alpha * (1.0 - probs).pow(gamma) * target * log_probs).sum(dim=-1), reduction)


def hinge(input, target, *, reduction: str = "mean"):
    r"""Hinge loss :math:`\max(0, 1 - t x)`, element-wise, for labels :math:`t \in \{-1, 1\}`.

    Not ``torch.nn.HingeEmbeddingLoss``, which is a loss on distances (trap 16). Keras maps
    labels in {0, 1} to {-1, 1} itself; here pass ``2 * t - 1``.

    >>> float(hinge(torch.tensor([0.3]), torch.tensor([1.0])))
    0.699999988079071
    """
    _check_shapes(input, target)
    return _reduce(torch.relu(1.0 - target * input), reduction)


def squared_hinge(input, target, *, reduction: str = "mean"):
    r"""Squared hinge loss :math:`\max(0, 1 - t x)^2`, element-wise, labels in {-1, 1}.

    >>> float(squared_hinge(torch.tensor([-1.0]), torch.tensor([1.0])))
    4.0
    """
    _check_shapes(input, target)
    return _reduce(torch.relu(1.0 - target * input).square(), reduction)


def categorical_hinge(input, target, *, reduction: str = "mean"):
    r"""Categorical hinge (Crammer-Singer): :math:`\max(0, 1 + \max_{c \ne y} s_c - s_y)`.

    ``input``: scores ``[batch, classes]``; ``target``: one-hot ``[batch, classes]``. One value
    per sample. Not ``MultiMarginLoss``, which sums over the wrong classes (trap 15). Keras'
    ``CategoricalHinge`` takes the max over :math:`(1 - t) \odot s`, which counts 0 for the true
    class: it agrees with this only when the best wrong score is >= 0.

    >>> s, t = torch.tensor([[2.0, 1.5, -1.0]]), torch.tensor([[1.0, 0.0, 0.0]])
    >>> float(categorical_hinge(s, t))
    0.5
    """
    _check_shapes(input, target)
    positive = (target * input).sum(dim=-1)
    # the best wrong score: the true class is masked with -inf (one-hot target)
    negative = torch.where(target > 0, float("-inf"), input).amax(dim=-1)
    return _reduce(torch.relu(1.0 + negative - positive), reduction)


def dice(input, target, *, smooth: float = 0.0, reduction: str = "mean"):
    r"""Dice loss per sample: :math:`1 - (2\sum_j t_j p_j + s) / (\sum_j t_j + \sum_j p_j + s)`.

    Sums over every axis but the first (one value per sample; Keras' ``Dice()`` pools the
    whole batch unless ``axis`` is given, trap 26). ``smooth`` :math:`s \ge 0` defines the loss
    of an empty mask and an empty prediction (Keras instead adds 1e-7 to the denominator).

    >>> float(dice(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])))
    0.3333333134651184
    """
    _check_shapes(input, target)
    axes = tuple(range(1, input.ndim))
    intersection = (target * input).sum(dim=axes)
    total = target.sum(dim=axes) + input.sum(dim=axes)
    return _reduce(1.0 - (2.0 * intersection + smooth) / (total + smooth), reduction)


def tversky(input, target, *, alpha: float = 0.5, beta: float = 0.5, smooth: float = 0.0,
            reduction: str = "mean"):
    r"""Tversky loss per sample: :math:`1 - (TP + s) / (TP + \alpha FP + \beta FN + s)`.

    :math:`TP = \sum t p`, :math:`FP = \sum (1 - t) p`, :math:`FN = \sum t (1 - p)` over every
    axis but the first; ``alpha`` weighs false positives, ``beta`` false negatives (Salehi et
    al., 2017) — Keras 3.15 swaps them (trap 25). ``alpha = beta = 0.5`` is the Dice loss.

    >>> float(tversky(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]), alpha=0.0, beta=1.0))
    0.5
    """
    _check_shapes(input, target)
    axes = tuple(range(1, input.ndim))
    true_pos = (target * input).sum(dim=axes)
    false_pos = ((1.0 - target) * input).sum(dim=axes)
    false_neg = (target * (1.0 - input)).sum(dim=axes)
    denominator = true_pos + alpha * false_pos + beta * false_neg + smooth
    return _reduce(1.0 - (true_pos + smooth) / denominator, reduction)


# ------------------------------------------------------------------------------- sequence


def sequence_crossentropy(input, target, *, mask=None, ignore_index: int = -100,
                          from_logits: bool = True, reduction: str = "mean"):
    r"""Per-time-step cross-entropy averaged within each sequence, padding excluded.

    :math:`\ell_i = \frac{1}{|V_i|}\sum_{t \in V_i} -\log p_{i t y_{it}}` with :math:`V_i` the
    valid steps of sequence :math:`i` (``target != ignore_index`` and ``mask == 1``); one value
    per sequence, so ``"mean"`` weighs every sequence equally. ``CrossEntropyLoss(ignore_index=)``
    instead averages all valid tokens of the batch (long sequences weigh more) and wants the
    class axis second: ``[batch, classes, time]``.

    ``input``: ``[batch, time, classes]`` logits (torch's convention; probabilities with
    ``from_logits=False``); ``target``: ``[batch, time]`` int64; ``mask``: optional
    ``[batch, time]`` of 0/1. Every sequence needs a valid step (else 0/0 = NaN).

    >>> logits = torch.zeros(1, 3, 2)  # uniform over 2 classes: log 2 per step
    >>> round(float(sequence_crossentropy(logits, torch.tensor([[0, 1, -100]]))), 6)
    0.693147
    """
    if input.ndim != 3 or target.shape != input.shape[:2]:
        raise ValueError(
            "`input` must be [batch, time, classes] and `target` [batch, time]. "
            f"Received: input.shape={tuple(input.shape)}, target.shape={tuple(target.shape)}"
        )
    log_probs = F.log_softmax(input, dim=-1) if from_logits else torch.log(input)
    valid = target != ignore_index
    if mask is not None:
        valid = valid & (mask > 0)
    steps = F.nll_loss(log_probs.movedim(-1, 1), torch.where(valid, target, 0), reduction="none")
    valid = valid.to(steps.dtype)
    return _reduce((steps * valid).sum(dim=1) / valid.sum(dim=1), reduction)


# ---------------------------------------------------------------------------------- pairs


def contrastive(input, target, *, margin: float = 1.0, reduction: str = "mean"):
    r"""Contrastive loss (Hadsell, Chopra & LeCun, 2006) on distances, element-wise.

    :math:`t\,d^2 + (1 - t)\max(0, m - d)^2` with ``input`` the distance :math:`d \ge 0` of a
    pair and ``target`` :math:`t = 1` for a similar pair, 0 for a dissimilar one.

    >>> float(contrastive(torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0]), reduction="sum"))
    0.5
    """
    _check_shapes(input, target)
    loss = target * input.square() + (1.0 - target) * torch.relu(margin - input).square()
    return _reduce(loss, reduction)


def am_softmax(input, target, *, margin: float = 0.35, scale: float = 30.0,
               reduction: str = "mean"):
    r"""Additive-margin softmax loss (Wang et al., 2018), one value per sample.

    Cross-entropy of the logits :math:`s\,(\cos\theta_c - m\,[c = y])`: ``input`` holds the
    cosines ``[batch, classes]`` between normalised embeddings and class weights, ``target``
    the class indices ``[batch]`` (int64). ``F.cross_entropy`` does the stable log-softmax.

    >>> cos = torch.tensor([[0.9, 0.1]])
    >>> round(float(am_softmax(cos, torch.tensor([0]), margin=0.0, scale=1.0)), 6)
    0.371101
    """
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError(
            "`input` must be cosines of shape [batch, classes] and `target` class indices of "
            f"shape [batch]. Received: input.shape={tuple(input.shape)}, "
            f"target.shape={tuple(target.shape)}"
        )
    one_hot = F.one_hot(target, num_classes=input.shape[-1]).to(input.dtype)
    logits = scale * (input - margin * one_hot)
    return _reduce(F.cross_entropy(logits, target, reduction="none"), reduction)


# ------------------------------------------------------------------------ nn.Module twins


class _Loss(nn.Module):
    """A module that stores ``reduction`` and hyper-parameters and calls its function."""

    function = None  # the functional form, set by each subclass

    def __init__(self, reduction: str = "mean", **params):
        super().__init__()
        self.reduction = check_reduction(reduction)
        self.params = params

    def forward(self, input, target):
        return type(self).function(input, target, reduction=self.reduction, **self.params)

    def extra_repr(self) -> str:
        items = [f"{key}={value!r}" for key, value in self.params.items()]
        return ", ".join(items + [f"reduction={self.reduction!r}"])


class RMSELoss(_Loss):
    """Module form of :func:`root_mean_squared_error`."""

    function = staticmethod(root_mean_squared_error)

    def __init__(self, epsilon: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, epsilon=epsilon)


class MAPELoss(_Loss):
    """Module form of :func:`mean_absolute_percentage_error`."""

    function = staticmethod(mean_absolute_percentage_error)

    def __init__(self, epsilon: float = 1e-7, reduction: str = "mean"):
        super().__init__(reduction, epsilon=epsilon)


class MSLELoss(_Loss):
    """Module form of :func:`mean_squared_logarithmic_error`."""

    function = staticmethod(mean_squared_logarithmic_error)


class LogCoshLoss(_Loss):
    """Module form of :func:`log_cosh`."""

    function = staticmethod(log_cosh)


class QuantileLoss(_Loss):
    """Module form of :func:`quantile`."""

    function = staticmethod(quantile)

    def __init__(self, tau: float = 0.5, reduction: str = "mean"):
        super().__init__(reduction, tau=tau)


class BinaryFocalLoss(_Loss):
    """Module form of :func:`binary_focal_crossentropy`."""

    function = staticmethod(binary_focal_crossentropy)

    def __init__(self, gamma: float = 2.0, alpha: float = 0.25, apply_class_balancing: bool = False,
                 from_logits: bool = False, label_smoothing: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, gamma=gamma, alpha=alpha,
                         apply_class_balancing=apply_class_balancing, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalFocalLoss(_Loss):
    """Module form of :func:`categorical_focal_crossentropy`."""

    function = staticmethod(categorical_focal_crossentropy)

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class HingeLoss(_Loss):
    """Module form of :func:`hinge`."""

    function = staticmethod(hinge)


class SquaredHingeLoss(_Loss):
    """Module form of :func:`squared_hinge`."""

    function = staticmethod(squared_hinge)


class CategoricalHingeLoss(_Loss):
    """Module form of :func:`categorical_hinge`."""

    function = staticmethod(categorical_hinge)


class DiceLoss(_Loss):
    """Module form of :func:`dice`."""

    function = staticmethod(dice)

    def __init__(self, smooth: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction, smooth=smooth)


class TverskyLoss(_Loss):
    """Module form of :func:`tversky`."""

    function = staticmethod(tversky)

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, smooth: float = 0.0,
                 reduction: str = "mean"):
        super().__init__(reduction, alpha=alpha, beta=beta, smooth=smooth)


class SequenceCrossentropyLoss(_Loss):
    """Module form of :func:`sequence_crossentropy` (``forward(input, target, mask=None)``)."""

    function = staticmethod(sequence_crossentropy)

    def __init__(self, ignore_index: int = -100, from_logits: bool = True,
                 reduction: str = "mean"):
        super().__init__(reduction, ignore_index=ignore_index, from_logits=from_logits)

    def forward(self, input, target, mask=None):
        return sequence_crossentropy(input, target, mask=mask, reduction=self.reduction,
                                     **self.params)


class ContrastiveLoss(_Loss):
    """Module form of :func:`contrastive`."""

    function = staticmethod(contrastive)

    def __init__(self, margin: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction, margin=margin)


class AMSoftmaxLoss(_Loss):
    """Module form of :func:`am_softmax`."""

    function = staticmethod(am_softmax)

    def __init__(self, margin: float = 0.35, scale: float = 30.0, reduction: str = "mean"):
        super().__init__(reduction, margin=margin, scale=scale)
