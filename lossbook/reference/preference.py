"""Preference losses: learning from pairs "chosen is preferred to rejected".

Conventions (as :func:`lossbook.reference.triplet`: ``y_true=None``, the roles are positions
in ``y_pred``):

- :func:`bradley_terry`: ``y_pred`` ``[batch, 2]`` stacks the scores (rewards)
  :math:`(r^{+}, r^{-})` of the chosen and the rejected item of each pair.
- :func:`dpo`: ``y_pred`` ``[batch, 4]`` stacks the log-probabilities
  :math:`(\\log\\pi_\\theta(y^{+}), \\log\\pi_\\theta(y^{-}), \\log\\pi_\\text{ref}(y^{+}),
  \\log\\pi_\\text{ref}(y^{-}))`: the trained policy's on the chosen and the rejected answer,
  then the frozen reference policy's on the same two.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    as_float_array,
    check_nonnegative,
    check_positive,
    check_reduction,
    reduce,
)

__all__ = ["bradley_terry", "dpo"]


def stacked(y_true, y_pred, reduction, columns, what):
    """``y_pred`` ``[batch, columns]`` (float64), with ``y_true`` None."""
    check_reduction(reduction)
    if y_true is not None:
        raise ValueError(f"`y_true` must be None for this preference loss: the roles are the "
                         f"columns of `y_pred` [batch, {columns}] ({what}). "
                         f"Received: y_true of type {type(y_true).__name__}")
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=2)
    if y_pred.ndim != 2 or y_pred.shape[1] != columns:
        raise ValueError(f"`y_pred` must have shape [batch, {columns}] ({what}). "
                         f"Received: y_pred.shape={y_pred.shape}")
    return y_pred


def softplus(x):
    """``log(1 + e^x)`` without overflow: ``logaddexp(0, x)``."""
    return np.logaddexp(0.0, x)


def bradley_terry(y_true, y_pred, *, margin=0.0, reduction="mean", sample_weight=None):
    """Bradley–Terry loss: the logistic loss on the score difference of a preference pair.

    .. math::
        \\ell_i = -\\log \\sigma\\bigl(r^{+}_i - r^{-}_i - \\Delta\\bigr)
        = \\operatorname{softplus}\\bigl(\\Delta - (r^{+}_i - r^{-}_i)\\bigr)

    with :math:`r^{+}_i, r^{-}_i` the scores of the chosen and the rejected item,
    :math:`\\sigma` the sigmoid and :math:`\\Delta \\ge 0` an optional margin (0: the plain
    Bradley–Terry likelihood, :math:`P(+ \\succ -) = \\sigma(r^{+} - r^{-})`). Computed as
    ``logaddexp(0, .)``, exact for score gaps of :math:`\\pm 10^4`. torch
    ``MarginRankingLoss`` is its hinge twin, :math:`\\max(0, \\Delta - (r^{+} - r^{-}))`.

    Args:
        y_true: must be ``None``.
        y_pred: ``[batch, 2]``: the chosen item's score, then the rejected item's.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Bradley and Terry, *Rank analysis of incomplete block designs*, 1952.

    >>> round(bradley_terry(None, [[1.0, 1.0]]), 6)  # equal scores: log 2
    0.693147
    """
    scores = stacked(y_true, y_pred, reduction, 2, "chosen score, rejected score")
    margin = check_nonnegative(margin, "margin")
    return reduce(softplus(margin - (scores[:, 0] - scores[:, 1])), reduction, sample_weight)


def dpo_logits(log_probs, beta):
    """``β [(log π(y+) − log π_ref(y+)) − (log π(y−) − log π_ref(y−))]`` per pair."""
    policy_chosen, policy_rejected, ref_chosen, ref_rejected = log_probs.T
    return beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))


def dpo(y_true, y_pred, *, beta=0.1, reduction="mean", sample_weight=None):
    """Direct Preference Optimisation: Bradley–Terry on implicit rewards, log-ratios times β.

    .. math::
        \\ell_i = -\\log \\sigma\\Bigl(\\beta \\Bigl[\\log \\frac{\\pi_\\theta(y^{+}_i)}
        {\\pi_\\text{ref}(y^{+}_i)} - \\log \\frac{\\pi_\\theta(y^{-}_i)}
        {\\pi_\\text{ref}(y^{-}_i)}\\Bigr]\\Bigr)

    with :math:`\\pi_\\theta` the policy being trained, :math:`\\pi_\\text{ref}` the frozen
    reference policy, :math:`y^{+}_i, y^{-}_i` the chosen and rejected answers to the same
    prompt and :math:`\\beta > 0` the strength of the implicit KL pull towards
    :math:`\\pi_\\text{ref}` (small β: the policy may move far). The log-probabilities must
    be :math:`\\le 0`. Computed as ``logaddexp(0, -z)``.

    Args:
        y_true: must be ``None``.
        y_pred: ``[batch, 4]``: log π(y+), log π(y−), log π_ref(y+), log π_ref(y−).

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Rafailov, Sharma, Mitchell, Ermon, Manning and Finn, *Direct Preference
    Optimization: Your Language Model is Secretly a Reward Model*, 2023.

    >>> round(dpo(None, [[-1.0, -2.0, -1.0, -2.0]], beta=0.5), 6)  # policy = reference: log 2
    0.693147
    """
    log_probs = stacked(y_true, y_pred, reduction, 4,
                        "log π(chosen), log π(rejected), log π_ref(chosen), log π_ref(rejected)")
    if np.any(log_probs > 0.0):
        raise ValueError("`y_pred` must contain log-probabilities, values <= 0 (pass log "
                         "pi(y), not pi(y) or a logit). "
                         f"Received: y_pred with max={log_probs.max():.6g}")
    beta = check_positive(beta, "beta")
    return reduce(softplus(-dpo_logits(log_probs, beta)), reduction, sample_weight)
