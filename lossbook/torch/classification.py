"""Classification losses torch lacks: focal cross-entropies, generalized cross-entropy,
distillation."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook.torch._base import _check_shapes, _Loss, _reduce

__all__ = [
    "BinaryFocalLoss", "CategoricalFocalLoss", "GeneralizedCrossEntropyLoss",
    "KnowledgeDistillationLoss", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "knowledge_distillation",
]


def categorical_generalized_cross_entropy(input, target, *, q: float = 0.5,
                                          from_logits: bool = False, reduction: str = "mean"):
    r"""Generalized cross-entropy (Zhang and Sabuncu, 2018), one value per sample, Keras' form.

    :math:`(1 - p_{y}^{\,q}) / q` with :math:`p_y` the probability of the integer label
    ``target`` ``[batch]`` in ``input`` ``[batch, classes]`` (probabilities as in Keras'
    ``CategoricalGeneralizedCrossEntropy``, or logits with ``from_logits``: then
    :math:`p^q = e^{q \log\operatorname{softmax}(z)}`, stable at ±1e4). :math:`0 < q \le 1`;
    :math:`q \to 0` is the cross-entropy, :math:`q = 1` the MAE :math:`1 - p_y`.

    >>> p, t = torch.tensor([[0.25, 0.75]]), torch.tensor([0])
    >>> float(categorical_generalized_cross_entropy(p, t, q=0.5))  # 2 (1 - 0.5)
    1.0
    """
    if not 0.0 < q <= 1.0:
        raise ValueError(f"`q` must be in (0, 1]. Received: q={q!r}")
    if target.shape != input.shape[:-1]:
        raise ValueError("`target` must hold one integer label per row of `input`. Received: "
                         f"input.shape={tuple(input.shape)}, target.shape={tuple(target.shape)}")
    log_probs = F.log_softmax(input, dim=-1) if from_logits else torch.log(input)
    log_picked = log_probs.gather(-1, target.long().unsqueeze(-1)).squeeze(-1)
    return _reduce(-torch.expm1(q * log_picked) / q, reduction)  # 1 - p^q, no cancellation


class GeneralizedCrossEntropyLoss(_Loss):
    """Module form of :func:`categorical_generalized_cross_entropy`."""

    function = staticmethod(categorical_generalized_cross_entropy)

    def __init__(self, q: float = 0.5, from_logits: bool = False, reduction: str = "mean"):
        super().__init__(reduction, q=q, from_logits=from_logits)


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


def knowledge_distillation(input, target, *, temperature: float = 1.0,
                           reduction: str = "mean"):
    r"""Distillation loss (Hinton et al., 2015): one value per sample.

    :math:`T^2\,\mathrm{KL}(\operatorname{softmax}(t/T) \,\|\, \operatorname{softmax}(s/T))`
    with ``input`` the student's logits :math:`s` and ``target`` the teacher's :math:`t`, both
    ``[batch, classes]`` (class axis last). Built on ``F.kl_div`` with ``log_target=True``
    and log-softmax on both sides, so logits of ±1e4 are exact. Detach the teacher's logits
    (``target``) yourself if the teacher is not to be trained.

    >>> s, t = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 0.0]])
    >>> float(knowledge_distillation(s, t, temperature=4.0))
    0.0
    """
    _check_shapes(input, target)
    log_q = F.log_softmax(input / temperature, dim=-1)
    log_p = F.log_softmax(target / temperature, dim=-1)
    values = F.kl_div(log_q, log_p, reduction="none", log_target=True).sum(dim=-1)
    return _reduce(temperature**2 * values, reduction)


class KnowledgeDistillationLoss(_Loss):
    """Module form of :func:`knowledge_distillation`: ``loss(student_logits, teacher_logits)``."""

    function = staticmethod(knowledge_distillation)

    def __init__(self, temperature: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction, temperature=temperature)
