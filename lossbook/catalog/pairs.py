"""Catalogue entries of the similarity and metric-learning losses."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._arrays import to_numpy
from lossbook.catalog._adapters import (
    keras_loss,
    resolve,
    tensor,
    torch_elementwise,
    torch_per_sample,
    torch_reduce,
)
from lossbook.catalog._entry import make_entry


def _torch_cosine(y_true, y_pred, *, axis=-1, reduction="mean", sample_weight=None):
    import torch.nn.functional as F

    # F.cosine_similarity returns +cos; the reference (Keras' sign, a loss) is -cos (trap 17)
    values = -F.cosine_similarity(tensor(y_pred), tensor(y_true), dim=axis)
    return to_numpy(torch_reduce(values, reduction, sample_weight))


def _torch_triplet(y_true, y_pred, *, margin=1.0, reduction="mean", sample_weight=None):
    import torch

    del y_true  # None: the roles are the positions along axis 1
    embeddings = tensor(y_pred)
    # built-in: TripletMarginLoss(p=2) on (anchor, positive, negative) = y_pred[:, 0], [:, 1],
    # [:, 2];
    # eps=0: its default 1e-6 is added to every difference, ||a - p + 1e-6|| (the reference
    # has none; with the default the gap reaches ~5e-5 relative near a zero loss)
    loss = torch.nn.TripletMarginLoss(margin=margin, p=2.0, eps=0.0, reduction="none")
    values = loss(embeddings[:, 0], embeddings[:, 1], embeddings[:, 2])
    return to_numpy(torch_reduce(values, reduction, sample_weight))


def _torch_info_nce_adapter(path):
    """Adapter for lossbook.torch's InfoNCE (function or module): ``y_true`` (each anchor's
    positive, or None) becomes int64 indices; per-sample values are reduced as the reference
    does. ``call`` is the same on tensors."""

    def call(target, input, *, temperature=0.1, symmetric=False, reduction="mean",
             sample_weight=None):
        loss = resolve(path)
        params = {"temperature": temperature, "symmetric": symmetric}
        if isinstance(loss, type):
            values = loss(reduction="none", **params)(input, target)
        else:
            values = loss(input, target, reduction="none", **params)
        return torch_reduce(values, reduction, sample_weight)

    def adapter(y_true, y_pred, *, reduction="mean", sample_weight=None, **params):
        target = None if y_true is None else tensor(y_true, "int64")
        return to_numpy(call(target, tensor(y_pred), reduction=reduction,
                             sample_weight=sample_weight, **params))

    adapter.__name__, adapter.path, adapter.call = f"torch:{path}", path, call
    adapter.labels, adapter.weights = True, True
    adapter.rebuild = _torch_info_nce_adapter  # its twin: the module or the function
    return adapter


def _contrastive_sampler(rng, shape, params):
    labels = rng.integers(0, 2, size=shape).astype(np.float64)
    return labels, rng.uniform(0.0, 2.0, size=shape), {}


def _triplet_sampler(rng, shape, params):
    return None, rng.normal(0.0, 1.0, size=shape), {}


def _circle_sampler(rng, shape, params):
    batch, dim = shape
    labels = rng.permutation(np.arange(batch) % (batch // 2))  # each label at least twice
    embeddings = rng.normal(0.0, 1.0, size=shape)
    return labels, embeddings / np.linalg.norm(embeddings, axis=-1, keepdims=True), {}


def _views_sampler(rng, shape, params):
    anchors = rng.normal(0.0, 1.0, size=(shape[0], 1, shape[2]))
    # y_true: each anchor's positive, its own row (the diagonal, what None means)
    return np.arange(shape[0]), anchors + rng.normal(0.0, 0.7, size=shape), {}


def _am_softmax_sampler(rng, shape, params):
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    return labels, rng.uniform(-1.0, 1.0, size=shape), {}


ENTRIES = [
    make_entry(
        name="cosine_similarity", title="Cosine similarity loss (negative cosine)",
        task="metric_learning", label_format="target vectors [batch, ..., dim]",
        input_kind="embedding",
        formula=r"\ell = -\frac{\langle y, \hat y\rangle}{\lVert y\rVert\,\lVert \hat y\rVert}",
        properties=("scale-invariant", "bounded", "direction-only"),
        reference=ref.cosine_similarity,
        torch=_torch_cosine,
        keras=keras_loss("keras.losses.CosineSimilarity", expand_1d=False),
        sampler=lambda rng, shape, params: (rng.normal(size=shape), rng.normal(size=shape), {}),
        shapes=((6, 4), (3, 2, 4)),
    ),
    make_entry(
        name="contrastive", title="Contrastive loss (Siamese pairs)", task="metric_learning",
        label_format="pair labels: 1 = similar, 0 = dissimilar, [batch]", input_kind="distance",
        formula=r"\ell = y\,d^2 + (1 - y)\max(0, \Delta - d)^2",
        properties=("margin-based", "siamese", "metric-learning"),
        reference=ref.contrastive,
        torch=torch_elementwise("lossbook.torch.contrastive"),
        keras=keras_loss("lossbook.keras.Contrastive"),
        sampler=_contrastive_sampler, shapes=((8,), (4, 3)),
        grid=({"margin": 1.0}, {"margin": 1.5}),
    ),
    make_entry(
        name="triplet", title="Triplet margin loss", task="metric_learning",
        label_format="none (y_true=None): y_pred stacks anchor, positive, negative [batch, 3, dim]",
        input_kind="embedding",
        formula=(r"\ell = \max\bigl(0, \lVert e^{a} - e^{+}\rVert_2 - \lVert e^{a} - e^{-}\rVert_2"
                 r" + \Delta\bigr)"),
        properties=("margin-based", "metric-learning", "ranking"),
        reference=ref.triplet,
        torch=_torch_triplet,
        keras=keras_loss("lossbook.keras.Triplet", expand_1d=False),
        sampler=_triplet_sampler, shapes=((6, 3, 4), (4, 3, 8)),
        grid=({"margin": 1.0}, {"margin": 0.5}),
    ),
    make_entry(
        name="am_softmax", title="Additive-margin softmax (AM-Softmax, CosFace)",
        task="metric_learning", label_format="integer class indices [batch]",
        input_kind="cosine",
        formula=(r"\ell = -\log\frac{e^{s(\cos\varphi_y - \Delta)}}{e^{s(\cos\varphi_y - \Delta)}"
                 r" + \sum_{c \ne y} e^{s\cos\varphi_c}}"),
        properties=("margin-based", "metric-learning", "face-verification", "probabilistic"),
        reference=ref.am_softmax,
        torch=torch_per_sample("lossbook.torch.am_softmax", labels=True),
        keras=keras_loss("lossbook.keras.AMSoftmax", labels=True, expand_1d=False),
        sampler=_am_softmax_sampler, shapes=((6, 4), (8, 10)),
        grid=({"margin": 0.35, "scale": 30.0}, {"margin": 0.2, "scale": 10.0}),
    ),
    make_entry(
        name="arcface", title="Additive angular margin loss (ArcFace)",
        task="metric_learning", label_format="integer class indices [batch]",
        input_kind="cosine",
        formula=(r"\ell = -\log\frac{e^{s\cos(\varphi_y + \Delta)}}{e^{s\cos(\varphi_y + \Delta)}"
                 r" + \sum_{c \ne y} e^{s\cos\varphi_c}}"),
        properties=("margin-based", "metric-learning", "face-verification", "probabilistic"),
        reference=ref.arcface,
        torch=torch_per_sample("lossbook.torch.arcface", labels=True),
        keras=keras_loss("lossbook.keras.ArcFace", labels=True, expand_1d=False),
        sampler=_am_softmax_sampler, shapes=((6, 4), (8, 10)),
        grid=({"margin": 0.5, "scale": 64.0}, {"margin": 0.2, "scale": 10.0}),
    ),
    make_entry(
        name="circle", title="Circle loss", task="metric_learning",
        label_format="integer labels [batch]; y_pred: unit embeddings [batch, dim]",
        input_kind="embedding",
        formula=(r"\ell_i = \operatorname{softplus}\bigl(\log\sum_{P_i}"
                 r" e^{-\gamma\alpha_{ij}(s_{ij} - \Delta_p)}"
                 r" + \log\sum_{N_i} e^{\gamma\alpha_{ij}(s_{ij} - \Delta_n)}\bigr)"),
        properties=("margin-based", "metric-learning", "batch-wise", "self-paced weights"),
        reference=ref.circle,
        torch=torch_per_sample("lossbook.torch.circle", labels=True),
        keras=keras_loss("keras.losses.Circle", labels=True, expand_1d=False),
        sampler=_circle_sampler, shapes=((8, 4), (12, 6)),
        grid=({"gamma": 80.0, "margin": 0.4}, {"gamma": 4.0, "margin": 0.25},
              {"gamma": 16.0, "margin": 0.4, "remove_diagonal": False}),
    ),
    make_entry(
        name="info_nce", title="InfoNCE / NT-Xent with in-batch negatives (CLIP: symmetric)",
        task="metric_learning",
        label_format=("each anchor's positive, arange(batch) (or None); y_pred stacks two views "
                      "[batch, 2, dim]"),
        input_kind="embedding",
        formula=(r"\ell_i = -\log\frac{e^{\cos(a_i, p_i)/\tau}}"
                 r"{\sum_{j} e^{\cos(a_i, p_j)/\tau}}"),
        properties=("probabilistic", "metric-learning", "self-supervised", "batch-wise"),
        reference=ref.info_nce,
        torch=_torch_info_nce_adapter("lossbook.torch.info_nce"),
        keras=keras_loss("lossbook.keras.InfoNCE", expand_1d=False),
        sampler=_views_sampler, shapes=((6, 2, 4), (8, 2, 16)),
        grid=({"temperature": 0.1}, {"temperature": 0.5, "symmetric": True},
              {"temperature": 1.0}),
    ),
]
