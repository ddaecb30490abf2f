"""Sequence losses: per-time-step cross-entropy with padding, and CTC.

Shapes: labels ``[batch, time]`` (integers), scores ``[batch, time, classes]``. Both losses
return one value per *sequence* for ``reduction="none"``.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import (
    as_float_array,
    as_label_array,
    check_binary_labels,
    check_int,
    check_reduction,
    reduce,
)
from lossbook.reference._common import log_softmax
from lossbook.reference.classification import (
    class_log_probs,
    picked,
    sparse_categorical_crossentropy,
    sparse_inputs,
)

__all__ = ["character_error_rate", "ctc", "ctc_greedy_decode", "edit_distance",
           "linear_crossentropy", "perplexity", "sequence_crossentropy"]


def sequence_inputs(y_true, y_pred, reduction, from_logits, ignore_class, mask):
    """Labels ``[batch, time]``, scores ``[batch, time, classes]`` and the valid-step mask."""
    labels, y_pred, valid = sparse_inputs(y_true, y_pred, reduction, from_logits, ignore_class)
    if labels.ndim != 2:
        raise ValueError("`y_true` must hold integer labels of shape [batch, time]. "
                         f"Received: y_true.shape={labels.shape}")
    if mask is not None:
        mask = as_float_array(mask, "mask")
        if mask.shape != labels.shape:
            raise ValueError("`mask` must have the shape of `y_true` [batch, time]. "
                             f"Received: mask.shape={mask.shape}, y_true.shape={labels.shape}")
        check_binary_labels(mask, "mask")
        valid = valid & (mask == 1)
    counts = valid.sum(axis=1)
    if np.any(counts == 0):
        raise ValueError("Every sequence needs at least one valid (unmasked, not ignored) step: "
                         "its mean over valid steps is 0/0 otherwise. Received: sequence(s) "
                         f"{np.flatnonzero(counts == 0).tolist()} with none")
    return labels, y_pred, valid, counts


def sequence_crossentropy(y_true, y_pred, *, from_logits=False, ignore_class=None, mask=None,
                          reduction="mean", sample_weight=None):
    """Per-time-step cross-entropy, padding excluded, averaged within each sequence.

    .. math::
        \\ell_i = \\frac{1}{|V_i|} \\sum_{t \\in V_i} -\\log p_{i t y_{it}}

    with :math:`y_{it}` the label of sequence :math:`i` at step :math:`t`, :math:`p_{it}` the
    predicted distribution and :math:`V_i` the valid steps (``mask == 1`` and
    :math:`y_{it} \\ne` ``ignore_class``). ``"mean"`` averages the :math:`\\ell_i`, so every
    sequence counts equally. torch ``CrossEntropyLoss(ignore_index=)`` on ``[batch, classes,
    time]`` (and Keras ``SparseCategoricalCrossentropy(ignore_class=)``) instead average over
    all valid tokens of the batch, :math:`\\sum_i |V_i| \\ell_i / \\sum_i |V_i|`: equal only
    when all sequences have as many valid steps (that token mean is
    :func:`sparse_categorical_crossentropy` on the ``[batch, time]`` labels).

    Args:
        y_true: integer labels ``[batch, time]`` (``ignore_class`` allowed at padding).
        y_pred: ``[batch, time, classes]`` probabilities or logits (``from_logits=True``).
        mask: optional ``[batch, time]`` of 0/1 (1 = real step).

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Sutskever, Vinyals and Le, *Sequence to Sequence Learning with Neural
    Networks*, 2014 (teacher-forced negative log-likelihood).

    >>> round(sequence_crossentropy([[1, 0]], [[[0.5, 0.5], [0.9, 0.1]]], mask=[[1, 0]]), 6)
    0.693147
    """
    labels, y_pred, valid, counts = sequence_inputs(y_true, y_pred, reduction, from_logits,
                                                    ignore_class, mask)
    step_losses = np.where(valid, -picked(class_log_probs(y_pred, from_logits), labels), 0.0)
    return reduce(step_losses.sum(axis=1) / counts, reduction, sample_weight)


def ctc_inputs(y_true, y_pred, input_length, label_length, blank, from_logits):
    """Validated labels ``[batch, S]``, log-probabilities ``[batch, T, C]`` and lengths."""
    y_pred, blank = _ctc_scores(y_pred, blank)
    batch, steps, num_classes = y_pred.shape
    log_probs = log_softmax(y_pred) if from_logits else y_pred
    worst = 0.0 if from_logits else np.max(np.abs(np.logaddexp.reduce(y_pred, axis=-1)))
    if worst > 1e-5:
        raise ValueError("`y_pred` must hold log-probabilities (each step's exp summing to 1); "
                         "pass logits with from_logits=True. Received: y_pred with a step's "
                         f"log-sum-exp {worst:.3g} away from 0")
    labels = as_label_array(y_true, "y_true")
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise ValueError(f"`y_true` must be padded labels of shape [batch={batch}, max_length]. "
                         f"Received: y_true.shape={labels.shape}")
    input_length = lengths(input_length, "input_length", batch, steps)
    label_length = lengths(label_length, "label_length", batch, labels.shape[1])
    if np.any(label_length > input_length):
        raise ValueError("`label_length` must not exceed `input_length`: CTC emits at most one "
                         "symbol per frame. Received: label_length="
                         f"{label_length.tolist()}, input_length={input_length.tolist()}")
    for i in range(batch):
        real = labels[i, :label_length[i]]
        if np.any((real < 0) | (real >= num_classes) | (real == blank)):
            raise ValueError(f"`y_true` labels (within label_length) must lie in [0, "
                             f"{num_classes}) and differ from blank={blank}. "
                             f"Received: y_true[{i}]={real.tolist()}")
    return labels, log_probs, input_length, label_length, blank


def lengths(value, name, batch, maximum):
    """Integer lengths ``[batch]``, each in ``[0, maximum]``."""
    array = as_label_array(value, name)
    if array.shape != (batch,) or np.any(array < 0) or np.any(array > maximum):
        raise ValueError(f"`{name}` must be {batch} integers in [0, {maximum}]. "
                         f"Received: {name}={array.tolist()}")
    return array


def ctc_forward(log_probs, label, blank):
    """Negative log-likelihood of one label sequence by the CTC forward algorithm.

    ``log_probs`` is ``[T, C]``; the extended label inserts a blank around every symbol,
    and alpha is propagated in log space with ``logaddexp`` (no underflow).
    """
    if len(log_probs) == 0:  # no frame: only the empty label is possible
        return 0.0 if len(label) == 0 else np.inf
    extended = np.full(2 * len(label) + 1, blank)
    extended[1::2] = label
    # a symbol may skip the blank before it unless it repeats the symbol two places back
    can_skip = np.zeros(len(extended), dtype=bool)
    can_skip[2:] = (extended[2:] != blank) & (extended[2:] != extended[:-2])
    alpha = np.full(len(extended), -np.inf)
    alpha[:2] = log_probs[0, extended[:2]]
    for step in log_probs[1:]:
        stay, advance, skip = alpha, np.full_like(alpha, -np.inf), np.full_like(alpha, -np.inf)
        advance[1:] = alpha[:-1]
        skip[2:] = np.where(can_skip[2:], alpha[:-2], -np.inf)
        alpha = np.logaddexp(np.logaddexp(stay, advance), skip) + step[extended]
    return -np.logaddexp.reduce(alpha[-2:]) if len(label) else -alpha[-1]


def _ctc_scores(y_pred, blank) -> tuple[np.ndarray, int]:
    """CTC's scores ``[batch, time, classes]`` and its blank index, checked (:func:`ctc`,
    :func:`ctc_greedy_decode`)."""
    scores = as_float_array(y_pred, "y_pred", min_ndim=3)
    if scores.ndim != 3:
        raise ValueError("`y_pred` must have shape [batch, time, classes]. "
                         f"Received: y_pred.shape={scores.shape}")
    num_classes = scores.shape[-1]
    blank = check_int(blank, "blank")
    if not 0 <= blank < num_classes:
        raise ValueError(f"`blank` must be a class index in [0, {num_classes}) (C={num_classes} "
                         f"classes in y_pred). Received: blank={blank}")
    return scores, blank


def ctc(y_true, y_pred, *, input_length, label_length, blank=0, from_logits=False,
        reduction="mean", sample_weight=None):
    """Connectionist temporal classification: -log of the probability of all alignments.

    .. math::
        \\ell_i = -\\log \\sum_{\\pi \\in \\mathcal{B}^{-1}(y_i)} \\prod_{t=1}^{T_i}
        p_{i t \\pi_t}

    with :math:`y_i` the label sequence (length ``label_length[i]``), :math:`T_i` =
    ``input_length[i]`` frames, :math:`p_{itc}` the per-frame probabilities and
    :math:`\\mathcal{B}` the map that merges repeats and removes blanks. Computed by the
    forward algorithm in log space. An impossible alignment (too few frames for the label and
    its repeats) gives ``inf``, as torch; Keras/TensorFlow return a large finite number
    (trap 18). ``"mean"`` averages the per-sample NLL (Keras' ``CTC``); torch ``'mean'``
    first divides each by its target length.

    Args:
        y_true: padded integer labels ``[batch, max_label_length]`` (no blank inside
            ``label_length``; padding values are ignored).
        y_pred: ``[batch, time, classes]`` log-probabilities, or logits with
            ``from_logits=True`` (log-softmax applied).
        input_length, label_length: ``[batch]`` integers.
        blank: the blank's class index, in ``[0, classes)``.

    Returns:
        A float, or ``[batch]`` for ``reduction="none"``.

    Reference: Graves, Fernández, Gomez and Schmidhuber, *Connectionist Temporal
    Classification*, 2006.

    >>> uniform = np.log(np.full((1, 2, 2), 0.5))  # 2 frames, blank 0 and symbol 1
    >>> round(ctc([[1]], uniform, input_length=[2], label_length=[1]), 6)  # -log(3/4)
    0.287682
    """
    check_reduction(reduction)
    labels, log_probs, input_length, label_length, blank = ctc_inputs(
        y_true, y_pred, input_length, label_length, blank, from_logits)
    values = np.array([ctc_forward(log_probs[i, :input_length[i]], labels[i, :label_length[i]],
                                   blank) for i in range(len(labels))])
    return reduce(values, reduction, sample_weight)


def perplexity(y_true, y_pred, *, from_logits=False, ignore_class=None, reduction="mean",
               sample_weight=None):
    """Perplexity: the exponential of the mean per-token negative log-likelihood.

    .. math::
        \\mathrm{PPL} = \\exp\\Big(\\frac{\\sum_i w_i \\sum_{t \\in V_i} -\\log p_{i t y_{it}}}
        {\\sum_i w_i |V_i|}\\Big)

    over the valid tokens :math:`V_i` (labels other than ``ignore_class``) of sequence
    :math:`i`, with weights :math:`w_i` (default 1): for ``"mean"``, the corpus perplexity,
    a token average inside the exponential (*not* the mean of per-sequence perplexities). A
    model that spreads its probability uniformly over :math:`k` classes has perplexity
    :math:`k`; the exponent divided by :math:`\\ln 2` is bits per token (per character for a
    character model). ``"none"`` gives each sequence's own perplexity (its valid tokens along
    every axis after the first, times :math:`w_i`), ``"sum"`` their sum.

    Args:
        y_true: integer labels ``[batch]`` or ``[batch, time, ...]``.
        y_pred: ``[batch, ..., classes]`` probabilities or logits (``from_logits=True``).

    Returns:
        A float >= 1 (``inf`` past a mean NLL of ~709.8 nats), or ``[batch]`` for ``"none"``.

    Reference: Jelinek, Mercer, Bahl and Baker, *Perplexity — a measure of the difficulty
    of speech recognition tasks*, 1977.

    >>> round(perplexity([[0, 1, -1]], [[[0.0] * 4] * 3], from_logits=True,
    ...                  ignore_class=-1), 6)  # uniform over 4 classes
    4.0
    """
    labels, y_pred, valid = sparse_inputs(y_true, y_pred, reduction, from_logits, ignore_class)
    nll = np.where(valid, -picked(class_log_probs(y_pred, from_logits), labels), 0.0)
    nll, valid = nll.reshape(len(nll), -1), valid.reshape(len(valid), -1)
    counts = valid.sum(axis=1)
    if np.any(counts == 0):
        raise ValueError("Perplexity needs at least one valid (not ignored) token in every "
                         "sequence: its mean NLL is 0/0 otherwise. Received: sequence(s) "
                         f"{np.flatnonzero(counts == 0).tolist()} with none")
    with np.errstate(over="ignore"):  # a mean NLL over ~709.8 nats is a perplexity of inf
        if reduction != "mean":
            return reduce(np.exp(nll.sum(axis=1) / counts), reduction, sample_weight)
        weights = reduce(np.ones(len(nll)), "none", sample_weight)  # validated, [batch]
        return float(np.exp(np.sum(weights * nll.sum(axis=1)) / np.sum(weights * counts)))


def ctc_greedy_decode(y_pred, *, input_length=None, blank=0):
    """Best-path CTC decoding: the most likely class per frame, repeats merged, blanks dropped.

    Not the most likely *label* (that sums over alignments, which beam search approximates),
    but the label of the most likely alignment :math:`\\mathcal{B}(\\arg\\max_c p_{tc})`.

    Args:
        y_pred: ``[batch, time, classes]`` scores (logits, probabilities or their logs: the
            arg-max is the same).
        input_length: ``[batch]`` frames per sample (default: all ``time`` frames).
        blank: the blank's class index.

    Returns:
        A list of ``batch`` lists of class indices.

    >>> frames = np.eye(3)[[1, 1, 0, 1, 2, 2, 0]]  # 1 1 _ 1 2 2 _ with blank 0
    >>> ctc_greedy_decode(frames[None])
    [[1, 1, 2]]
    """
    scores, blank = _ctc_scores(y_pred, blank)
    batch, steps, num_classes = scores.shape
    input_length = (np.full(batch, steps) if input_length is None
                    else lengths(input_length, "input_length", batch, steps))
    decoded = []
    for best, length in zip(scores.argmax(axis=-1), input_length, strict=True):
        path = best[:length]
        keep = np.ones(len(path), bool)
        keep[1:] = path[1:] != path[:-1]  # merge repeats first, then drop the blanks
        decoded.append([int(c) for c in path[keep] if c != blank])
    return decoded


def edit_distance(reference, hypothesis):
    """Levenshtein distance: the fewest insertions, deletions and substitutions that turn
    ``hypothesis`` into ``reference`` (two sequences of labels).

    >>> edit_distance([1, 2, 3], [1, 3, 3, 4])
    2
    """
    reference, hypothesis = list(reference), list(hypothesis)
    row = np.arange(len(hypothesis) + 1)
    for i, symbol in enumerate(reference, start=1):
        previous, row = row, np.empty_like(row)
        row[0] = i
        for j, guess in enumerate(hypothesis, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (symbol != guess))
    return int(row[-1])


def character_error_rate(references, hypotheses):
    """Edit distance summed over all pairs, divided by the total reference length.

    .. math::
        \\mathrm{CER} = \\frac{\\sum_i d(y_i, \\hat y_i)}{\\sum_i |y_i|}

    Can exceed 1 (a hypothesis longer than its reference). ``references`` and
    ``hypotheses``: equally long lists of label sequences.

    >>> character_error_rate([[1, 2], [3]], [[1, 2], [4, 4]])
    0.6666666666666666
    """
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError("`hypotheses` must hold one sequence per reference. Received: "
                         f"{len(hypotheses)} hypotheses for {len(references)} references")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("`references` must hold at least one label in all. "
                         "Received: only empty references")
    return sum(edit_distance(r, h) for r, h in zip(references, hypotheses, strict=True)) / total


def linear_crossentropy(y_true, y_pred, *, weight, bias=None, ignore_class=None,
                        reduction="mean", sample_weight=None):
    """Cross-entropy of a linear output layer: the logits are ``y_pred @ weight.T + bias``.

    .. math::
        \\ell_i = -\\log \\operatorname{softmax}(W h_i + b)_{y_i}

    with :math:`h_i` the hidden vector of token :math:`i` (row of ``y_pred``), :math:`W` the
    ``[vocab, features]`` weight (``nn.Linear``'s layout) and :math:`b` the bias. The value of
    :func:`sparse_categorical_crossentropy` on those logits (computed here in float64); what
    chunked or fused implementations (``lossbook.torch.chunked_linear_crossentropy``, torch's
    ``F.linear_cross_entropy``) compute without holding the ``[tokens, vocab]`` logits.

    Args:
        y_true: integer labels ``[tokens]`` (``ignore_class`` allowed).
        y_pred: hidden vectors ``[tokens, features]``.
        weight: ``[vocab, features]``; bias: ``[vocab]`` or ``None``.

    Returns:
        A float, or ``[tokens]`` for ``reduction="none"``.

    Reference: Wijmans et al., *Cut Your Losses in Large-Vocabulary Language Models*, 2025.

    >>> round(linear_crossentropy([0, 4], np.zeros((2, 3)), weight=np.ones((5, 3))), 6)  # log 5
    1.609438
    """
    hidden = as_float_array(y_pred, "y_pred")
    weight = as_float_array(weight, "weight")
    if hidden.ndim != 2 or weight.ndim != 2 or hidden.shape[1] != weight.shape[1]:
        raise ValueError("`y_pred` must be hidden vectors [tokens, features] and `weight` "
                         f"[vocab, features]. Received: y_pred.shape={hidden.shape}, "
                         f"weight.shape={weight.shape}")
    logits = hidden @ weight.T
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != weight.shape[:1]:
            raise ValueError(f"`bias` must have shape [vocab={weight.shape[0]}]. "
                             f"Received: bias.shape={bias.shape}")
        logits = logits + bias
    return sparse_categorical_crossentropy(y_true, logits, from_logits=True,
                                           ignore_class=ignore_class, reduction=reduction,
                                           sample_weight=sample_weight)
