"""Preference losses for Keras: Bradley–Terry and DPO, ``y_pred`` stacking the scores or
log-probabilities (``y_true`` is ignored: Keras requires one, any array with ``batch`` rows)."""

from __future__ import annotations

from lossbook.keras._base import _Loss, keras, ops

__all__ = ["DPO", "BradleyTerry", "bradley_terry", "dpo"]


def bradley_terry(y_true, y_pred, margin=0.0):
    r""":math:`\operatorname{softplus}(\Delta - (r^{+} - r^{-}))` per pair; ``y_pred``
    ``[batch, 2]`` holds the chosen and the rejected score.

    >>> round(float(ops.convert_to_numpy(bradley_terry(None, [[1.0, 1.0]]))[0]), 6)
    0.693147
    """
    del y_true  # the roles are the columns of y_pred
    scores = ops.convert_to_tensor(y_pred)
    return ops.softplus(margin - (scores[:, 0] - scores[:, 1]))


def dpo(y_true, y_pred, beta=0.1):
    r""":math:`\operatorname{softplus}(-\beta[(\log\pi^{+} - \log\pi_\text{ref}^{+})
    - (\log\pi^{-} - \log\pi_\text{ref}^{-})])` per pair; ``y_pred`` ``[batch, 4]``.

    >>> loss = dpo(None, [[-1.0, -2.0, -1.0, -2.0]], beta=0.5)  # policy = reference: log 2
    >>> round(float(ops.convert_to_numpy(loss)[0]), 6)
    0.693147
    """
    del y_true
    log_probs = ops.convert_to_tensor(y_pred)
    chosen, rejected = log_probs[:, 0] - log_probs[:, 2], log_probs[:, 1] - log_probs[:, 3]
    return ops.softplus(-beta * (chosen - rejected))


@keras.saving.register_keras_serializable(package="lossbook")
class BradleyTerry(_Loss):
    """``BradleyTerry(margin=0.0)``: the loss class of :func:`bradley_terry`."""

    function = staticmethod(bradley_terry)
    defaults = {"margin": 0.0}

    def __init__(self, margin=0.0, reduction="sum_over_batch_size", name="bradley_terry",
                 dtype=None):
        super().__init__(reduction, name, dtype, margin=margin)


@keras.saving.register_keras_serializable(package="lossbook")
class DPO(_Loss):
    """``DPO(beta=0.1)``: the loss class of :func:`dpo`."""

    function = staticmethod(dpo)
    defaults = {"beta": 0.1}

    def __init__(self, beta=0.1, reduction="sum_over_batch_size", name="dpo", dtype=None):
        super().__init__(reduction, name, dtype, beta=beta)
