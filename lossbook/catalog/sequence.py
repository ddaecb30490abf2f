"""Catalogue entries of the sequence losses: per-step cross-entropy with padding, and CTC."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._arrays import to_numpy
from lossbook._env import quiet_import
from lossbook.catalog._adapters import (
    KERAS_REDUCTION,
    keras_array,
    keras_loss,
    tensor,
    torch_per_sample,
    torch_reduce,
)
from lossbook.catalog._entry import make_entry


def _valid_steps(y_true, ignore_class, mask):
    """The label format's valid steps [batch, time]: not ``ignore_class`` and ``mask == 1``."""
    labels = np.asarray(y_true)
    valid = np.ones(labels.shape, bool) if ignore_class is None else labels != ignore_class
    return valid if mask is None else valid & (np.asarray(mask) == 1)


def _torch_sequence_ce(y_true, y_pred, *, from_logits=False, ignore_class=None, mask=None,
                       reduction="mean", sample_weight=None):
    import torch

    valid = _valid_steps(y_true, ignore_class, mask)
    labels = tensor(np.where(valid, y_true, 0), "int64")  # masked steps: any valid index
    # CrossEntropyLoss wants [batch, classes, time] (the sources' mistake) and logits, or
    # log-probabilities for probabilities (its log-softmax leaves those unchanged, trap 3)
    scores = tensor(y_pred) if from_logits else tensor(y_pred).log()
    steps = torch.nn.CrossEntropyLoss(reduction="none")(scores.movedim(-1, 1), labels)
    valid_t = tensor(valid)
    # reduction translation: the mean over each sequence's valid steps
    per_sequence = (steps * valid_t).sum(dim=1) / valid_t.sum(dim=1)
    return to_numpy(torch_reduce(per_sequence, reduction, sample_weight))


def _keras_reduce(values, reduction, sample_weight=None):
    """The reference's reduction of per-sample Keras values, each scaled by its
    ``sample_weight`` if given, in ``keras.ops``."""
    ops = quiet_import("keras").ops
    if sample_weight is not None:
        values = ops.multiply(values, ops.convert_to_tensor(keras_array(sample_weight)))
    if reduction == "none":
        return values
    total = ops.sum(values)
    return total if reduction == "sum" else total / values.shape[0]


def _keras_sequence_ce(y_true, y_pred, *, from_logits=False, ignore_class=None, mask=None,
                       reduction="mean", sample_weight=None):
    keras = quiet_import("keras")
    valid = _valid_steps(y_true, ignore_class, mask)
    loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=from_logits, ignore_class=ignore_class, reduction=None)
    labels = keras_array(np.where(valid | (np.asarray(y_true) == ignore_class), y_true, 0),
                         "int32")
    steps = loss(labels, keras_array(y_pred), sample_weight=keras_array(valid))
    # reduction translation: the mean over each sequence's valid steps
    counts = keras.ops.convert_to_tensor(keras_array(valid.sum(axis=1)))
    per_sequence = keras.ops.divide(keras.ops.sum(steps, axis=1), counts)
    return to_numpy(_keras_reduce(per_sequence, reduction, sample_weight))


def _sequence_sampler(rng, shape, params):
    # padding marked by ignore_class (a label value) when the grid point sets it, else by a mask
    batch, steps, classes = shape
    labels = rng.integers(0, classes, size=(batch, steps))
    lengths = rng.integers(1, steps + 1, size=batch)
    padding = np.arange(steps)[None, :] >= lengths[:, None]
    if params.get("ignore_class") is not None:
        labels[padding] = params["ignore_class"]
        return labels, rng.normal(0.0, 2.0, size=shape), {}
    return labels, rng.normal(0.0, 2.0, size=shape), {"mask": (~padding).astype(np.float64)}


def _torch_ctc(y_true, y_pred, *, input_length, label_length, blank=0, from_logits=False,
               reduction="mean", sample_weight=None):
    import torch

    scores = tensor(y_pred)
    # CTCLoss wants log-probabilities [time, batch, classes]; "none" is the per-sample NLL
    # (its own "mean" would divide each by its target length, trap 18)
    log_probs = (scores.log_softmax(-1) if from_logits else scores).movedim(1, 0)
    values = torch.nn.CTCLoss(blank=blank, reduction="none")(
        log_probs, tensor(y_true, "int64"), tensor(input_length, "int64"),
        tensor(label_length, "int64"))
    return to_numpy(torch_reduce(values, reduction, sample_weight))


def _keras_ctc(y_true, y_pred, *, input_length, label_length, blank=0, from_logits=False,
               reduction="mean", sample_weight=None):
    keras = quiet_import("keras")
    labels, label_length = np.asarray(y_true), np.asarray(label_length)
    # Keras takes logits and applies log-softmax itself; on log-probabilities it is a no-op
    scores = keras_array(y_pred)
    steps = scores.shape[1]
    if blank == 0 and np.all(np.asarray(input_length) == steps):
        # the built-in: blank 0 is also the padding value, so pad with 0 (trap 18)
        padded = np.where(np.arange(labels.shape[1])[None, :] < label_length[:, None], labels, 0)
        loss = keras.losses.CTC(reduction=KERAS_REDUCTION[reduction])
        weights = None if sample_weight is None else keras_array(sample_weight)
        return to_numpy(loss(keras_array(padded, "int32"), scores, sample_weight=weights))
    values = keras.ops.ctc_loss(keras_array(labels, "int32"), scores,
                                keras_array(label_length, "int32"),
                                keras_array(input_length, "int32"), mask_index=blank)
    return to_numpy(_keras_reduce(values, reduction, sample_weight))


def _ctc_sampler(rng, shape, params):
    batch, steps, classes = shape
    full = shape[1] % 2 == 0  # one shape uses the Keras CTC class (blank 0, full lengths)
    blank = 0 if full else classes - 1
    symbols = [c for c in range(classes) if c != blank]
    max_label = max(1, (steps - 1) // 2 - 1)
    label_length = rng.integers(1, max_label + 1, size=batch)
    labels = rng.choice(symbols, size=(batch, max_label))
    input_length = (np.full(batch, steps) if full
                    else rng.integers(2 * label_length + 1, steps + 1))
    return labels, rng.normal(0.0, 2.0, size=shape), {
        "input_length": input_length, "label_length": label_length, "blank": blank,
        "from_logits": True}


def _torch_perplexity(y_true, y_pred, *, from_logits=True, ignore_class=-100,
                      reduction="mean"):
    import torch

    targets = tensor(y_true, "int64")
    steps = torch.nn.CrossEntropyLoss(ignore_index=ignore_class, reduction="none")(
        tensor(y_pred).movedim(-1, 1), targets)
    if reduction == "mean":  # the built-in token mean, exponentiated
        return to_numpy(torch.nn.CrossEntropyLoss(ignore_index=ignore_class)(
            tensor(y_pred).movedim(-1, 1), targets).exp())
    # reduction translation: each sequence's own token mean, exponentiated
    valid = (targets != ignore_class).to(steps.dtype)
    return to_numpy(torch_reduce((steps.sum(dim=1) / valid.sum(dim=1)).exp(), reduction))


def _keras_perplexity(y_true, y_pred, *, from_logits=True, ignore_class=-100, reduction="mean"):
    keras = quiet_import("keras")
    ops = keras.ops
    loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=from_logits, ignore_class=ignore_class,
        reduction=None if reduction != "mean" else "sum_over_batch_size")
    labels, scores = keras_array(y_true, "int32"), keras_array(y_pred)
    if reduction == "mean":  # Keras' ignore_class mean is a token mean too
        return to_numpy(ops.exp(loss(labels, scores)))
    # reduction translation: each sequence's own token mean (ignored steps give 0), exp
    counts = ops.convert_to_tensor(keras_array((np.asarray(y_true) != ignore_class).sum(1)))
    per_sequence = ops.exp(ops.divide(ops.sum(loss(labels, scores), axis=1), counts))
    return to_numpy(_keras_reduce(per_sequence, reduction))


# what each runs (the exercises' grader forbids it in a perplexity answer; parity counts it)
_torch_perplexity.path = "torch.nn.CrossEntropyLoss"
_keras_perplexity.path = "keras.losses.SparseCategoricalCrossentropy"


def _masked_torch_reduce(values, valid, reduction, sample_weight):
    """The reference's reduction of per-token values: "mean" over the valid tokens only."""
    if reduction != "mean":
        return torch_reduce(values, reduction, sample_weight)
    return torch_reduce(values, "sum", sample_weight) / valid.sum()


def _torch_linear_ce(y_true, y_pred, *, weight, bias=None, ignore_class=None,
                     reduction="mean", sample_weight=None):
    import torch.nn.functional as F

    # torch's fused loss: ignore_index=-100 stands for "nothing ignored" (no label is -100)
    ignore = -100 if ignore_class is None else ignore_class
    targets = tensor(y_true, "int64")
    values = F.linear_cross_entropy(tensor(y_pred), tensor(weight), targets,
                                    linear_bias=None if bias is None else tensor(bias),
                                    reduction="none", ignore_index=ignore)
    return to_numpy(_masked_torch_reduce(values, targets != ignore, reduction, sample_weight))


def _chunked_adapter(module_form: bool):
    def call(target, prediction, *, weight, bias=None, ignore_class=None, reduction="mean",
             sample_weight=None):
        """On tensors: ``target`` int64 [tokens], ``prediction`` the hidden vectors."""
        import torch

        import lossbook.torch as lt

        ignore = -100 if ignore_class is None else ignore_class
        dtype = prediction.dtype
        args = (prediction, torch.as_tensor(np.asarray(weight), dtype=dtype), target)
        bias_t = None if bias is None else torch.as_tensor(np.asarray(bias), dtype=dtype)
        if module_form:
            values = lt.ChunkedLinearCrossentropyLoss(chunk_size=2, ignore_index=ignore,
                                                      reduction="none")(*args, bias_t)
        else:
            values = lt.chunked_linear_crossentropy(*args, bias=bias_t, chunk_size=3,
                                                    ignore_index=ignore, reduction="none")
        return _masked_torch_reduce(values, target != ignore, reduction, sample_weight)

    def adapter(y_true, y_pred, *, reduction="mean", sample_weight=None, **params):
        return to_numpy(call(tensor(y_true, "int64"), tensor(y_pred), reduction=reduction,
                             sample_weight=sample_weight, **params))

    adapter.call, adapter.labels = call, True

    name = "ChunkedLinearCrossentropyLoss" if module_form else "chunked_linear_crossentropy"
    adapter.path = f"lossbook.torch.{name}"
    adapter.__name__ = f"torch:{adapter.path}"
    # the entry adds the other form (class <-> function) itself, through this
    adapter.rebuild = lambda path: _chunked_adapter(path.endswith("Loss"))
    return adapter


def _keras_linear_ce(y_true, y_pred, *, weight, bias=None, ignore_class=None,
                     reduction="mean", sample_weight=None):
    keras = quiet_import("keras")
    ops = keras.ops
    logits = ops.matmul(ops.convert_to_tensor(keras_array(y_pred)),
                        ops.transpose(ops.convert_to_tensor(keras_array(weight))))
    if bias is not None:
        logits = logits + ops.convert_to_tensor(keras_array(bias))
    loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=ignore_class, reduction=KERAS_REDUCTION[reduction])
    weights = None if sample_weight is None else keras_array(sample_weight)
    return to_numpy(loss(keras_array(y_true, "int32"), logits, sample_weight=weights))


def _linear_sampler(rng, shape, params):
    tokens, features, vocab = shape
    labels = rng.integers(0, vocab, size=tokens)
    if params.get("ignore_class") is not None:
        labels[::3] = params["ignore_class"]
    return labels, rng.normal(0.0, 1.0, size=(tokens, features)), {
        "weight": rng.normal(0.0, 1.0, size=(vocab, features)),
        "bias": rng.normal(0.0, 1.0, size=vocab)}


# The Keras class marks padding by ignore_class only (a Loss is called with y_true, y_pred and
# sample_weight, so a mask has no way in); its function twin takes mask= as well.
_KERAS_SEQUENCE_CLASS = keras_loss("lossbook.keras.SequenceCrossentropy", labels=True,
                                   expand_1d=False)
_KERAS_SEQUENCE_CLASS.refuses = ("mask",)

ENTRIES = [
    make_entry(
        name="sequence_crossentropy", title="Sequence (per-time-step) cross-entropy",
        task="sequence",
        label_format="integer labels [batch, time]; padding by `ignore_class` or a 0/1 `mask`",
        input_kind="logit",
        formula=(r"\ell_i = \frac{1}{|V_i|}\sum_{t \in V_i} -\log p_{i t y_{it}},\quad "
                 r"V_i = \text{the valid (unpadded) steps}"),
        properties=("teacher-forcing", "maskable", "probabilistic", "autoregressive-nll"),
        reference=ref.sequence_crossentropy,
        torch=_torch_sequence_ce, keras=_keras_sequence_ce,
        # lossbook's own: one value per sequence directly (+ their class / function twins)
        also={"torch": (torch_per_sample("lossbook.torch.sequence_crossentropy", labels=True,
                                         rename={"ignore_class": "ignore_index"},
                                         call_params=("mask",)),),
              "keras": (_KERAS_SEQUENCE_CLASS,)},
        sampler=_sequence_sampler, shapes=((3, 6, 4), (2, 5, 7)),
        grid=({"from_logits": True, "ignore_class": -1}, {"from_logits": True}),
    ),
    make_entry(
        name="ctc", title="Connectionist temporal classification (CTC)", task="sequence",
        label_format=("padded integer labels [batch, max_label_length] with `label_length`; "
                      "frames per sample in `input_length`; a separate `blank` class"),
        input_kind="logit",
        formula=(r"\ell = -\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_{t=1}^{T} "
                 r"p_{t \pi_t}"),
        properties=("alignment-free", "speech", "handwriting", "probabilistic"),
        reference=ref.ctc,
        torch=_torch_ctc, keras=_keras_ctc,
        sampler=_ctc_sampler, shapes=((3, 8, 5), (2, 11, 6)),
    ),
    make_entry(
        name="linear_crossentropy", title="Linear (output-layer) cross-entropy",
        task="sequence",
        label_format="integer labels [tokens]; hidden vectors [tokens, features] as y_pred",
        input_kind="score",
        formula=r"\ell_i = -\log \operatorname{softmax}(W h_i + b)_{y_i}",
        properties=("large-vocabulary", "chunkable", "maskable", "probabilistic"),
        reference=ref.linear_crossentropy,
        torch=_torch_linear_ce, keras=_keras_linear_ce,
        also={"torch": (_chunked_adapter(False),)},  # + its nn.Module twin
        sampler=_linear_sampler, shapes=((7, 4, 9), (5, 3, 6)),
        grid=({}, {"ignore_class": -100}),
    ),
    make_entry(
        name="perplexity", title="Perplexity (exp of the mean token NLL)", task="sequence",
        label_format="integer labels [batch, time]; padding by `ignore_class`",
        input_kind="logit",
        formula=(r"\mathrm{PPL} = \exp\Big(\frac{1}{|V|}\sum_{(i, t) \in V} "
                 r"-\log p_{i t y_{it}}\Big)"),
        properties=("language-modelling", "maskable", "evaluation-metric", "probabilistic"),
        reference=ref.perplexity,
        torch=_torch_perplexity, keras=_keras_perplexity,
        sampler=_sequence_sampler, shapes=((3, 6, 4), (2, 5, 7)),
        grid=({"from_logits": True, "ignore_class": -100},),
    ),
]
