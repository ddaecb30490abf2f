"""Catalogue entries of the preference losses: Bradley–Terry and DPO."""

from __future__ import annotations

import numpy as np

from lossbook import reference as ref
from lossbook._arrays import to_numpy
from lossbook.catalog._adapters import keras_loss, resolve, tensor, torch_reduce
from lossbook.catalog._entry import make_entry


def torch_stacked(path: str):
    """Adapter for a :mod:`lossbook.torch` preference loss: ``y_true`` is ``None``, the roles
    are the columns of ``y_pred``; torch's ``"none"`` is already one value per pair."""

    def run(input, target, reduction, params):
        function = resolve(path)
        if isinstance(function, type):  # an nn.Module class: construct, then call
            return function(reduction=reduction, **params)(input, target)
        return function(input, target, reduction=reduction, **params)

    def call(target, input, *, reduction="mean", sample_weight=None, **params):
        if sample_weight is None:
            return run(input, target, reduction, params)
        return torch_reduce(run(input, target, "none", params), reduction, sample_weight)

    def adapter(y_true, y_pred, *, reduction="mean", sample_weight=None, **params):
        del y_true  # None: the roles are the positions along axis 1
        weights = None if sample_weight is None else np.asarray(sample_weight)
        return to_numpy(call(None, tensor(y_pred), reduction=reduction, sample_weight=weights,
                             **params))

    adapter.__name__ = f"torch:{path}"
    adapter.path, adapter.call, adapter.native = path, call, None
    # not a loss for lb.train (which fits y_pred to a y_true): there is no y_true here, as for
    # the triplet loss; framework_loss() refuses it, the module is lossbook.torch's own class
    adapter.labels, adapter.weights, adapter.native_ok = False, True, False
    adapter.rebuild = torch_stacked
    return adapter


def _scores_sampler(rng, shape, params):
    return None, rng.normal(0.0, 2.0, size=shape), {}


def _log_probs_sampler(rng, shape, params):
    return None, -rng.gamma(2.0, 2.0, size=shape), {}


ENTRIES = [
    make_entry(
        name="bradley_terry", title="Bradley–Terry (pairwise logistic) loss", task="preference",
        label_format="none (y_true=None): y_pred stacks chosen, rejected scores [batch, 2]",
        input_kind="score",
        formula=r"\ell = -\log\sigma\bigl(r^{+} - r^{-} - \Delta\bigr)",
        properties=("pairwise", "ranking", "probabilistic", "reward-model"),
        reference=ref.bradley_terry,
        torch=torch_stacked("lossbook.torch.bradley_terry"),
        keras=keras_loss("lossbook.keras.BradleyTerry", expand_1d=False),
        sampler=_scores_sampler, shapes=((8, 2), (3, 2)),
        grid=({"margin": 0.0}, {"margin": 1.0}),
    ),
    make_entry(
        name="dpo", title="Direct Preference Optimisation (DPO) loss", task="preference",
        label_format=("none (y_true=None): y_pred stacks log π(y+), log π(y−), "
                      "log π_ref(y+), log π_ref(y−) [batch, 4]"),
        input_kind="log_probability",
        formula=(r"\ell = -\log\sigma\Bigl(\beta\Bigl[\log\frac{\pi_\theta(y^{+})}"
                 r"{\pi_\text{ref}(y^{+})} - \log\frac{\pi_\theta(y^{-})}"
                 r"{\pi_\text{ref}(y^{-})}\Bigr]\Bigr)"),
        properties=("pairwise", "preference", "kl-regularised", "policy"),
        reference=ref.dpo,
        torch=torch_stacked("lossbook.torch.dpo"),
        keras=keras_loss("lossbook.keras.DPO", expand_1d=False),
        sampler=_log_probs_sampler, shapes=((8, 4), (3, 4)),
        grid=({"beta": 0.1}, {"beta": 2.0}),
    ),
]
