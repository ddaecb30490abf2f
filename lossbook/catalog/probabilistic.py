"""Catalogue entry of the Gaussian negative log-likelihood (a mean and a variance per output)."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._arrays import to_numpy
from lossbook.catalog._adapters import keras_loss, tensor, torch_reduce
from lossbook.catalog._entry import make_entry


def _torch_gaussian_nll(y_true, y_pred, *, eps=1e-6, full=False, reduction="mean",
                        sample_weight=None):
    # built-in: GaussianNLLLoss(eps, full) on (input=mean, target, var): y_pred's first d
    # columns, y_true, its last d; "none" is element-wise, averaged over d per sample
    return to_numpy(_torch_gaussian_nll_call(tensor(y_true), tensor(y_pred), eps=eps, full=full,
                                             reduction=reduction, sample_weight=sample_weight))


def _torch_gaussian_nll_call(target, input, *, eps=1e-6, full=False, reduction="mean",
                             sample_weight=None):
    """The same on tensors (any dtype, autograd flows), as the ``call`` of other adapters."""
    import torch

    d = target.shape[-1]
    loss = torch.nn.GaussianNLLLoss(eps=eps, full=full, reduction="none")
    values = loss(input[..., :d], target, input[..., d:]).mean(dim=-1)
    return torch_reduce(values, reduction, sample_weight)


# what it runs, and the same on tensors (as the other torch adapters say it)
_torch_gaussian_nll.path = "torch.nn.GaussianNLLLoss"
_torch_gaussian_nll.call, _torch_gaussian_nll.labels = _torch_gaussian_nll_call, False


def _gaussian_sampler(rng, shape, params):
    *batch, columns = shape
    d = columns // 2
    mean = rng.normal(0.0, 2.0, size=(*batch, d))
    variance = rng.uniform(0.05, 4.0, size=(*batch, d))
    y_true = mean + np.sqrt(variance) * rng.normal(size=(*batch, d))
    return y_true, np.concatenate([mean, variance], axis=-1), {}


ENTRIES = [
    make_entry(
        name="gaussian_nll", title="Gaussian negative log-likelihood (mean and variance)",
        task="regression", label_format="targets [batch, d]",
        input_kind="mean_variance",
        formula=(r"\ell = \tfrac12\Bigl(\log \max(v, \epsilon) + \frac{(y - \mu)^2}"
                 r"{\max(v, \epsilon)}\Bigr)"),
        properties=("probabilistic", "heteroscedastic", "two-output", "can-be-negative"),
        reference=ref.gaussian_nll,
        torch=_torch_gaussian_nll,
        keras=keras_loss("lossbook.keras.GaussianNLL", expand_1d=False),
        sampler=_gaussian_sampler, shapes=((8, 2), (6, 6)),
        grid=({"eps": 1e-6, "full": False}, {"eps": 1e-2, "full": True}),
    ),
]
