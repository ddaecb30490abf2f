"""What every lossbook.keras loss shares: Keras imported quietly, the ``Loss`` base class."""

from __future__ import annotations

from lossbook._env import quiet_import

keras = quiet_import("keras")
ops = keras.ops

_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")


class _Loss(keras.losses.Loss):
    """A ``keras.losses.Loss`` over a per-sample loss function, with its hyper-parameters."""

    function = None
    defaults: dict = {}

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **params):
        super().__init__(name=name or type(self).__name__.lower(), reduction=reduction,
                         dtype=dtype)
        self.params = {key: params.get(key, value) for key, value in self.defaults.items()}

    def call(self, y_true, y_pred):
        return type(self).function(y_true, y_pred, **self.params)

    def get_config(self):
        return {**super().get_config(), **self.params}
