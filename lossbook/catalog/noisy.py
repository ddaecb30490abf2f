"""Catalogue entry of the loss for noisy labels: the generalized cross-entropy."""

from __future__ import annotations

from lossbook import reference as ref
from lossbook.catalog._adapters import keras_loss, torch_per_sample
from lossbook.catalog._entry import make_entry
from lossbook.catalog.classification import CLASS_SHAPES, _sparse_sampler

ENTRIES = [
    make_entry(
        name="categorical_generalized_cross_entropy", title="Generalized cross-entropy",
        task="classification", label_format="integer class indices [batch]",
        input_kind="probability",
        formula=r"\ell_i = \frac{1 - p_{i, y_i}^{\,q}}{q},\quad 0 < q \le 1",
        properties=("noisy-labels", "bounded", "probabilistic"),
        reference=ref.categorical_generalized_cross_entropy,
        # on probabilities, as Keras' class (the reference and torch also take from_logits)
        torch=torch_per_sample("lossbook.torch.categorical_generalized_cross_entropy",
                               labels=True),
        keras=keras_loss("keras.losses.CategoricalGeneralizedCrossEntropy", labels=True,
                         expand_1d=False),
        sampler=_sparse_sampler(False), shapes=CLASS_SHAPES,
        grid=({"q": 0.7}, {"q": 0.1}),  # Keras rejects q = 1 (the MAE end), the reference not
    ),
]
