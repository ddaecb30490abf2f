"""Data, fitted models and training: fits, training histories, quantile bands, decision regions."""

from __future__ import annotations

import numpy as np

from lossbook._validation import as_float_array, describe
from lossbook.plot._style import _COLORS, _OUTLIER_COLOR, _figure, _finish

__all__ = ["decision_boundary", "fits", "histories", "quantile_bands"]


def _is_dataset(value) -> bool:
    return hasattr(value, "x") and hasattr(value, "y") and hasattr(value, "params")


def _unpack(x, y, outliers=None):
    if _is_dataset(x):
        if y is not None:
            raise TypeError("Pass either a Dataset or x and y, not both. Received: a Dataset and y")
        return x.x, x.y, x.is_outlier if outliers is None else outliers, x
    return as_float_array(x, "x", min_ndim=2), as_float_array(y, "y"), outliers, None


def _evaluate(model, grid):
    """A fitted model's outputs on ``grid`` ``[n, 1]``: a (slope, intercept) pair, a torch or
    Keras model, or a callable."""
    if isinstance(model, tuple) and len(model) == 2:
        return model[0] * grid[:, 0] + model[1]
    if callable(model) and not hasattr(model, "parameters") and not hasattr(model, "layers"):
        return np.asarray(model(grid), dtype=np.float64).reshape(len(grid), -1)[:, 0]
    from lossbook.train import predict

    return predict(model, grid)[:, 0]


def _scatter(ax, x, y, outliers):
    if outliers is None:
        ax.scatter(x, y, s=12, color="0.55", alpha=0.6, label="data")
        return
    outliers = np.asarray(outliers, dtype=bool)
    ax.scatter(x[~outliers], y[~outliers], s=12, color="0.55", alpha=0.6, label="data")
    ax.scatter(x[outliers], y[outliers], s=36, marker="x", color=_OUTLIER_COLOR, label="outliers")


def fits(x, y=None, models=None, *, outliers=None, truth=None, title: str = "Fitted lines",
         xlabel: str = "x", ylabel: str = "y"):
    """Data (outliers marked) with the lines fitted by each model.

    Args:
        x, y: features ``[n, 1]`` and targets, or a :class:`lossbook.data.Dataset` as ``x``
            (then its outliers and true line are used).
        models: ``{label: model}``; a model is a ``(slope, intercept)`` pair, a torch or Keras
            model, or a callable ``x[n, 1] -> y[n]``.
        outliers: boolean mask ``[n]`` of points to mark.
        truth: the true ``(slope, intercept)``, drawn dashed (from a Dataset's params by default).

    >>> fig = fits(np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]]), {"fit": (2.0, 0.0)})
    >>> fig.axes[0].get_legend() is not None
    True
    """
    if _is_dataset(x) and isinstance(y, dict) and models is None:  # fits(data, models)
        y, models = None, y
    x, y, outliers, dataset = _unpack(x, y, outliers)
    if truth is None and dataset is not None and {"slope", "intercept"} <= set(dataset.params):
        truth = (dataset.params["slope"], dataset.params["intercept"])
    figure, ((ax,),) = _figure(width=6.0, height=4.2)
    _scatter(ax, x[:, 0], y[:, 0], outliers)
    grid = np.linspace(x[:, 0].min(), x[:, 0].max(), 200).reshape(-1, 1)
    if truth is not None:
        ax.plot(grid[:, 0], _evaluate(tuple(truth), grid), "k--", lw=1.5, label="true line",
                zorder=3)
    colors = [c for c in _COLORS if c != _OUTLIER_COLOR]
    for i, (label, model) in enumerate((models or {}).items()):
        ax.plot(grid[:, 0], _evaluate(model, grid), color=colors[i % len(colors)], label=label)
    _finish(ax, xlabel, ylabel, title)
    return figure


def _series(history):
    """``(loss, val_loss, step_loss)`` of a lossbook History, a Keras History or a list."""
    if hasattr(history, "step_loss"):
        return list(history.loss), list(history.val_loss), list(history.step_loss)
    if hasattr(history, "history"):  # keras.callbacks.History
        return list(history.history["loss"]), list(history.history.get("val_loss", [])), []
    return as_float_array(history, "histories").ravel().tolist(), [], []


def histories(runs, *, steps: bool = False, validation: bool = True, log: bool = False,
              title: str = "Training loss", ylabel: str = "loss"):
    """Loss per epoch of each run (validation dashed); ``steps=True`` adds every step's loss.

    ``runs`` is ``{label: history}`` where a history is a :class:`lossbook.train.History`,
    a Keras ``History`` or a list of losses. With ``steps``, step losses are drawn thin
    against fractional epochs, so SGD, mini-batch and full-batch runs share one axis.

    >>> fig = histories({"GD": [3.0, 2.0, 1.5]})
    >>> fig.axes[0].get_xlabel()
    'epoch'
    """
    if not isinstance(runs, dict) or not runs:
        raise TypeError(f"`runs` must be a non-empty dict {{label: history}}. "
                        f"Received: runs={describe(runs)}")
    figure, ((ax,),) = _figure(width=6.0, height=4.0)
    for i, (label, history) in enumerate(runs.items()):
        color = _COLORS[i % len(_COLORS)]
        loss, val_loss, step_loss = _series(history)
        if steps and step_loss:
            where = np.arange(1, len(step_loss) + 1) * len(loss) / len(step_loss)
            ax.plot(where, step_loss, color=color, lw=0.6, alpha=0.45)
        ax.plot(np.arange(1, len(loss) + 1), loss, color=color, label=f"{label}")
        if validation and val_loss:
            ax.plot(np.arange(1, len(val_loss) + 1), val_loss, "--", color=color,
                    label=f"{label} (validation)")
    if log:
        ax.set_yscale("log")
    _finish(ax, "epoch", ylabel, title)
    return figure


def quantile_bands(x, y=None, predictions=None, *, true_quantiles: bool = True,
                   title: str = "Quantile regression", xlabel: str = "x", ylabel: str = "y"):
    """Data with one predicted line per quantile, the band between the outer two shaded.

    ``predictions`` is ``{q: values}``: arrays of predictions at ``x`` or models (see
    :func:`fits`). Each legend entry gives the share of points below the line (its
    coverage, to compare with ``q``). With a Dataset as ``x``, the true quantiles are
    drawn dotted.

    >>> data = __import__("lossbook").data.heteroscedastic(100, seed=0)
    >>> fig = quantile_bands(data, predictions={0.1: data.quantile(0.1), 0.9: data.quantile(0.9)})
    >>> len(fig.axes[0].get_legend().get_texts())
    6
    """
    # quantile_bands(data, predictions)
    if _is_dataset(x) and isinstance(y, dict) and predictions is None:
        y, predictions = None, y
    x, y, _, dataset = _unpack(x, y)
    if not isinstance(predictions, dict) or not predictions:
        raise TypeError(f"`predictions` must be a non-empty dict {{q: predictions}}. "
                        f"Received: predictions={describe(predictions)}")
    order = np.argsort(x[:, 0])
    figure, ((ax,),) = _figure(width=6.0, height=4.2)
    _scatter(ax, x[:, 0], y[:, 0], None)
    lines = {}
    for i, q in enumerate(sorted(predictions)):
        value = predictions[q]
        pred = (as_float_array(value, "predictions").reshape(len(x), -1)[:, 0]
                if isinstance(value, np.ndarray | list) else _evaluate(value, x))
        coverage = float(np.mean(y[:, 0] <= pred))
        lines[q] = pred[order]
        ax.plot(x[order, 0], lines[q], color=_COLORS[i % len(_COLORS)],
                label=f"τ = {q:g} (coverage {coverage:.2f})")
        if dataset is not None and true_quantiles and dataset.scale is not None:
            ax.plot(x[order, 0], dataset.quantile(q)[order, 0], ":",
                    color=_COLORS[i % len(_COLORS)], lw=1.3, label=f"true {q:g} quantile")
    low, high = min(lines), max(lines)
    if low != high:
        ax.fill_between(x[order, 0], lines[low], lines[high], color=_COLORS[0], alpha=0.12,
                        label=f"{low:g}–{high:g} band")
    _finish(ax, xlabel, ylabel, title)
    return figure


def decision_boundary(model, x, y=None, *, resolution: int = 200, title: str = "Decision regions",
                      xlabel: str = "$x_1$", ylabel: str = "$x_2$"):
    """Regions where a 2-D classifier predicts each class, with the data on top.

    ``model`` is a torch/Keras model or a callable ``x[n, 2] -> scores``: one column is read
    as a logit (class 1 where it is > 0), several as class scores (argmax).

    >>> data = __import__("lossbook").data.multiclass_blobs(60, seed=0)
    >>> fig = decision_boundary(lambda points: points @ np.eye(2, 3), data)
    >>> fig.axes[0].get_title()
    'Decision regions'
    """
    x, y, _, _ = _unpack(x, y)
    labels = np.asarray(y).reshape(len(x), -1)[:, 0].astype(int)
    lo, hi = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    axis_1, axis_2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                                 np.linspace(lo[1], hi[1], resolution))
    points = np.stack([axis_1.ravel(), axis_2.ravel()], axis=1).astype(np.float32)
    if callable(model) and not hasattr(model, "parameters") and not hasattr(model, "layers"):
        scores = np.asarray(model(points), dtype=np.float64).reshape(len(points), -1)
    else:
        from lossbook.train import predict

        scores = predict(model, points)
    regions = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
    classes = int(max(labels.max(), regions.max())) + 1
    figure, ((ax,),) = _figure(width=5.4, height=4.6)
    from matplotlib.colors import ListedColormap

    ax.contourf(axis_1, axis_2, regions.reshape(axis_1.shape), levels=np.arange(classes + 1) - 0.5,
                cmap=ListedColormap(_COLORS[:classes]), alpha=0.18)
    for k in range(classes):
        ax.scatter(x[labels == k, 0], x[labels == k, 1], s=14, color=_COLORS[k], label=f"class {k}")
    _finish(ax, xlabel, ylabel, title)
    return figure
