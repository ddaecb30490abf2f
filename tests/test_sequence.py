"""The Sequence chapter's additions: the chunked linear cross-entropy (values and gradients
against the float64 reference and torch's naive form, bad chunk sizes), perplexity, greedy
CTC decoding, the character error rate and the sequence data generators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lossbook as lb
from lossbook import reference as ref
from lossbook.reference import sequence as seq
from lossbook.torch import ChunkedLinearCrossentropyLoss, chunked_linear_crossentropy


def _problem(tokens=37, features=8, vocab=50, seed=0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    hidden = torch.randn(tokens, features, generator=generator, dtype=dtype)
    weight = torch.randn(vocab, features, generator=generator, dtype=dtype) / 2
    bias = torch.randn(vocab, generator=generator, dtype=dtype)
    target = torch.randint(0, vocab, (tokens,), generator=generator)
    target[::5] = -100  # padding
    return hidden, weight, bias, target


@pytest.mark.parametrize("chunk_size", [1, 7, 37, 1000])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_chunked_matches_float64_reference(chunk_size, reduction):
    hidden, weight, bias, target = _problem()
    logits = (hidden @ weight.T + bias).numpy()  # computed in float64
    expected = ref.sparse_categorical_crossentropy(target.numpy(), logits, from_logits=True,
                                                   ignore_class=-100, reduction=reduction)
    got = chunked_linear_crossentropy(hidden, weight, target, bias=bias,
                                      chunk_size=chunk_size, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_chunked_gradients_equal_naive(with_bias, reduction):
    hidden, weight, bias, target = _problem(dtype=torch.float32)
    bias = bias if with_bias else None
    upstream = torch.rand(len(target)) if reduction == "none" else torch.tensor(1.0)
    grads = []
    for chunked in (False, True):
        leaves = [t.clone().requires_grad_() for t in (hidden, weight)]
        b = None if bias is None else bias.clone().requires_grad_()
        if chunked:
            loss = chunked_linear_crossentropy(*leaves, target, bias=b, chunk_size=6,
                                               reduction=reduction)
        else:
            loss = F.cross_entropy(F.linear(leaves[0], leaves[1], b), target,
                                   reduction=reduction)
        (loss * upstream).sum().backward()
        grads.append([t.grad for t in leaves] + ([] if b is None else [b.grad]))
    for naive, chunked in zip(*grads, strict=True):
        torch.testing.assert_close(chunked, naive, rtol=1e-5, atol=1e-6)


def test_chunked_gradcheck_float64():
    # the per-token form (its backward recomputes each chunk); the reduced forms hand over the
    # gradients of their forward pass once, checked against the naive loss in test_fused.py
    hidden, weight, bias, target = _problem(tokens=9, features=3, vocab=6)
    inputs = tuple(t.clone().requires_grad_() for t in (hidden, weight, bias))
    assert torch.autograd.gradcheck(
        lambda h, w, b: chunked_linear_crossentropy(h, w, target, bias=b, chunk_size=4,
                                                    reduction="none"), inputs)


def test_chunked_reduced_loss_backward_twice_says_what_to_do():
    hidden, weight, bias, target = _problem(tokens=9, features=3, vocab=6)
    hidden.requires_grad_()
    loss = chunked_linear_crossentropy(hidden, weight, target, bias=bias, chunk_size=4)
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="reduction='none'"):
        loss.backward()


def test_chunked_ignored_rows_get_no_gradient_and_module_form():
    hidden, weight, bias, target = _problem(dtype=torch.float32)
    hidden.requires_grad_()
    loss = ChunkedLinearCrossentropyLoss(chunk_size=8)(hidden, weight, target, bias)
    loss.backward()
    assert torch.all(hidden.grad[target == -100] == 0)
    assert torch.all(hidden.grad[target != -100].abs().sum(dim=1) > 0)


def test_chunked_extreme_logits_stay_finite():
    hidden = torch.tensor([[1e4], [-1e4]], requires_grad=True)
    weight = torch.tensor([[1.0], [-1.0], [0.0]])
    loss = chunked_linear_crossentropy(hidden, weight, torch.tensor([1, 1]), chunk_size=1,
                                       reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [2e4, 0.0], rtol=1e-6)
    loss.sum().backward()
    assert torch.isfinite(hidden.grad).all()


def test_chunked_matches_torch_linear_cross_entropy():
    hidden, weight, bias, target = _problem(dtype=torch.float32)
    theirs = F.linear_cross_entropy(hidden, weight, target, linear_bias=bias)
    ours = chunked_linear_crossentropy(hidden, weight, target, bias=bias, chunk_size=5)
    torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("chunk_size", [0, -3, 2.5, True, None])
def test_chunked_rejects_bad_chunk_size(chunk_size):
    hidden, weight, _, target = _problem()
    with pytest.raises(ValueError, match="chunk_size"):
        chunked_linear_crossentropy(hidden, weight, target, chunk_size=chunk_size)


@pytest.mark.parametrize("change, match", [
    (lambda h, w, t: (h, w, t[:-1]), "target"),
    (lambda h, w, t: (h, w[:, :-1], t), "weight"),
    (lambda h, w, t: (h[None], w, t), "hidden"),
])
def test_chunked_rejects_mismatched_shapes(change, match):
    hidden, weight, _, target = _problem()
    with pytest.raises(ValueError, match=match):
        chunked_linear_crossentropy(*change(hidden, weight, target))


def test_chunked_rejects_bad_bias_and_reduction():
    hidden, weight, bias, target = _problem()
    with pytest.raises(ValueError, match="bias"):
        chunked_linear_crossentropy(hidden, weight, target, bias=bias[:-1])
    with pytest.raises(ValueError, match="reduction"):
        chunked_linear_crossentropy(hidden, weight, target, reduction="batchmean")


# perplexity, decoding, error rate ------------------------------------------------------


def test_perplexity_golden_and_bits():
    # two tokens with probabilities 1/2 and 1/8: mean NLL (log 2 + log 8) / 2 = 2 log 2
    probs = [[[0.5, 0.5], [0.875, 0.125]]]
    assert ref.perplexity([[0, 1]], probs) == pytest.approx(4.0, rel=1e-12)
    # per sequence: exp of each row's own token mean; the corpus value is not their mean
    logits = np.log([[[0.5, 0.5], [0.5, 0.5]], [[0.9, 0.1], [0.9, 0.1]]])
    labels = np.array([[0, 1], [1, -1]])
    rows = ref.perplexity(labels, logits, from_logits=True, ignore_class=-1, reduction="none")
    np.testing.assert_allclose(rows, [2.0, 10.0])
    corpus = ref.perplexity(labels, logits, from_logits=True, ignore_class=-1)
    assert corpus == pytest.approx(np.exp((2 * np.log(2) + np.log(10)) / 3))


def test_perplexity_extreme_logits():
    # right and sure: exactly 1, zero gradient; wrong and sure: e^(2e4 / 2) overflows to inf,
    # as the math says (a mean NLL above ~709.8 nats), with no warning
    right = [[1e4, -1e4], [-1e4, 1e4]]
    assert ref.perplexity([0, 1], right, from_logits=True) == 1.0
    grad = ref.gradient("perplexity", [0, 1], right, reduction="mean", from_logits=True)
    np.testing.assert_array_equal(grad, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ref.perplexity([1, 0], right, from_logits=True) == np.inf
    grad = ref.gradient("perplexity", [1, 0], [[10.0, -10.0], [-10.0, 10.0]], reduction="mean",
                        from_logits=True)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("call, error, match", [
    (lambda: ref.perplexity([0], [[0.5, 0.5]], reduction="average"), ValueError, "reduction"),
    (lambda: ref.perplexity([0], [[0.5, 0.5]], sample_weight=[1.0, 2.0]), ValueError,
     "sample_weight"),
    (lambda: ref.perplexity([[-1, -1]], [[[0.5, 0.5]] * 2], ignore_class=-1), ValueError,
     "valid"),
    (lambda: ref.perplexity([[0, 1, 0]], [[[0.5, 0.5]] * 2]), ValueError, "y_true"),
    (lambda: seq.ctc_greedy_decode(np.zeros((2, 3))), ValueError, "y_pred"),
    (lambda: seq.ctc_greedy_decode(np.zeros((1, 3, 2)), blank=2), ValueError, "blank"),
    (lambda: seq.ctc_greedy_decode(np.zeros((1, 3, 2)), input_length=[-1]), ValueError,
     "input_length"),
    (lambda: seq.character_error_rate([[1]], [[1], [2]]), ValueError, "hypotheses"),
    (lambda: seq.character_error_rate([[]], [[1]]), ValueError, "references"),
    (lambda: ref.ctc([[1, 2, 1]], np.log(np.full((1, 2, 4), 0.25)), input_length=[2],
                     label_length=[3]), ValueError, "label_length"),
    (lambda: ref.sequence_crossentropy([[0, 1, 1]], np.zeros((1, 2, 3)), from_logits=True),
     ValueError, "y_true"),
])
def test_bad_inputs_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_greedy_decode_merges_repeats_then_drops_blanks():
    frames = np.eye(4)[[[3, 1, 1, 3, 1, 2, 2, 3], [1, 3, 3, 3, 3, 3, 3, 3]]]
    assert seq.ctc_greedy_decode(frames, blank=3) == [[1, 1, 2], [1]]
    assert seq.ctc_greedy_decode(frames, blank=3, input_length=[3, 8]) == [[1], [1]]


def test_edit_distance_and_cer():
    assert seq.edit_distance("kitten", "sitting") == 3
    assert seq.edit_distance([], [1, 2]) == 2
    assert seq.character_error_rate([[1, 2, 3, 4]], [[1, 2, 3, 4]]) == 0.0
    assert seq.character_error_rate([[1, 2], [3, 4]], [[], [3, 4, 5, 6]]) == 1.0


# data ------------------------------------------------------------------------------------


def test_ctc_digits_is_seeded_and_consistent():
    data = lb.data.ctc_digits(40, seed=3)
    again = lb.data.ctc_digits(40, seed=3)
    np.testing.assert_array_equal(data.x, again.x)
    assert data.x.dtype == np.float32 and data.x.ndim == 3
    assert np.all(data.label_length <= data.input_length)
    assert np.all(data.labels[data.labels != 0] >= 1)  # 0 is blank and padding
    for row, length in zip(data.labels, data.label_length, strict=True):
        assert np.all(row[:length] > 0) and np.all(row[length:] == 0)
    assert np.all(data.x[np.arange(data.x.shape[1])[None] >= data.input_length[:, None]] == 0)
    assert len(data.test.x) == 10  # n // 4 by default


def test_grammar_corpus_is_deterministic_and_in_vocabulary():
    corpus = lb.data.grammar_text(seed=0)
    assert corpus.train == lb.data.grammar_text(seed=0).train
    assert set(corpus.train + corpus.test) <= set(corpus.alphabet)
    encoded = corpus.encode(corpus.test)
    assert corpus.decode(encoded) == corpus.test
    assert len(corpus.train) > 3 * len(corpus.test) > 0
    # determiner, adjective or none, noun, verb, determiner, adjective or none, noun
    assert corpus.grammar_size == 2 * 4 * 4 * 4 * 2 * 3 * 4
    sentences = corpus.train.count(". ")
    empirical_bits = sentences * np.log2(corpus.grammar_size) / len(corpus.train)
    assert corpus.bits_per_char == pytest.approx(empirical_bits, rel=0.02)
