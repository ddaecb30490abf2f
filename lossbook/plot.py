"""Figures of the book: loss and gradient curves, fits, training histories, decision regions.

Every function returns a :class:`matplotlib.figure.Figure` with axis labels, a title and a
legend, in one style (:func:`use_style`, applied automatically). The figure is detached
from pyplot: in a notebook it appears once, when it is the value of a cell, and many
figures never pile up in memory. ``fig.savefig(...)`` or ``display(fig)`` work as usual::

    lb.plot.loss_curves(["mean_squared_error", "mean_absolute_error", "huber"])

Losses are named as in :mod:`lossbook.catalog` / :mod:`lossbook.reference`, or given as
callables ``fn(y_true, y_pred) -> per-sample values``.
"""

from __future__ import annotations

import numpy as np

from lossbook._validation import as_float_array, check_in_choices, describe

__all__ = ["KINDS", "decision_boundary", "fits", "histories", "loss_curves", "quantile_bands",
           "small_multiples", "use_style"]

#: What the horizontal axis of a loss curve is, and how ``(y_true, y_pred)`` are built from it.
KINDS = {
    # The horizontal axis is the prediction error ŷ − y = −r (r = y − ŷ is the book's residual):
    # over-prediction on the right, so every gradient dℓ/dŷ rises left to right.
    "residual": r"prediction error $\hat y - y = -r$",
    "prediction": r"prediction $\hat y$",
    "margin": r"margin $m = y\,f(x)$ (label $y = 1$, score $f(x) = m$)",
    "probability": r"predicted probability $p$ of the true class",
}
_GRIDS = {"residual": (-3.0, 3.0), "prediction": (0.05, 8.0), "margin": (-3.0, 3.0),
          "probability": (0.01, 0.99)}
_SYMBOLS = {"delta": "δ", "tau": "τ", "gamma": "γ", "alpha": "α", "beta": "β", "epsilon": "ε"}
_STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "savefig.bbox": "tight", "font.size": 10,
    "axes.titlesize": 11, "axes.labelsize": 10, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False, "legend.fontsize": 9,
    "legend.framealpha": 0.85, "lines.linewidth": 2.0, "image.cmap": "viridis",
    "axes.prop_cycle": None,  # set in use_style: the Okabe-Ito colour-blind-safe palette
}
_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
_OUTLIER_COLOR = "#D55E00"
_styled = False


def use_style() -> None:
    """Set the book's matplotlib style (grid, sizes, colour-blind-safe colours); idempotent."""
    global _styled
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({**_STYLE, "axes.prop_cycle": cycler(color=_COLORS)})
    _styled = True


def _figure(nrows=1, ncols=1, *, width=None, height=None, **kwargs):
    """A new detached figure and its axes (squeezed), in the book's style."""
    import matplotlib.pyplot as plt

    if not _styled:
        use_style()
    figure = plt.figure(figsize=(width or 4.2 * ncols + 0.6, height or 3.4 * nrows), layout="constrained")
    plt.close(figure)  # shown once, as a cell's value; never accumulated by pyplot
    return figure, figure.subplots(nrows, ncols, squeeze=False, **kwargs)


def _finish(ax, xlabel: str, ylabel: str, title: str | None = None, legend: bool = True) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="best")


def _param_text(params: dict) -> str:
    return ", ".join(f"{_SYMBOLS.get(k, k)}={v:g}" if isinstance(v, float | int) else f"{k}={v}"
                     for k, v in params.items() if k != "from_logits")


# -- loss curves -------------------------------------------------------------------------------

def _resolve(item, params: dict, kind: str):
    """``(label, reference_name or None, function, params)`` for a loss name or callable."""
    if callable(item):
        return getattr(item, "__name__", "loss"), None, item, dict(params)
    if not isinstance(item, str):
        raise TypeError(f"A loss must be a name or a callable. Received: {describe(item)}")
    import lossbook.reference as reference

    if kind == "margin" and "crossentropy" in item and not item.endswith("_from_logits"):
        item += "_from_logits"  # a margin is a logit
    title, name, merged = item, item, dict(params)
    try:
        from lossbook import catalog

        entry = catalog.get(item)
        title, name, merged = entry.title, entry.reference_name or item, {**entry.fixed_params, **params}
    except (ImportError, ValueError):
        title = name = item.removesuffix("_from_logits")
        if not hasattr(reference, name):
            raise ValueError(f"`losses` must hold reference loss names or callables; no loss named {item!r}. "
                             f"Available: {sorted(n for n in reference.__all__ if n[0].islower())}") from None
        if name != item:
            merged["from_logits"] = True
    label = f"{title} ({_param_text(merged)})" if _param_text(merged) else title
    return label, name, getattr(reference, name), merged


def _inputs(kind: str, grid: np.ndarray, target: float):
    if kind == "residual":
        return np.full_like(grid, target), target + grid
    if kind == "prediction":
        return np.full_like(grid, target), grid
    return np.ones_like(grid), grid


def _curve(label, name, function, params, kind, grid, target, gradient):
    """Loss values and ``dL/dŷ`` of one loss along ``grid``."""
    y_true, y_pred = _inputs(kind, grid, target)
    if gradient == "autograd":
        return _autograd_curve(name, function, params, y_true, y_pred)
    if name is None:
        values = np.asarray(function(y_true, y_pred, **params), dtype=np.float64)
        step = 1e-6 * np.maximum(1.0, np.abs(y_pred))  # central differences for a bare callable
        grads = (np.asarray(function(y_true, y_pred + step, **params))
                 - np.asarray(function(y_true, y_pred - step, **params))) / (2 * step)
        return values, grads
    from lossbook.reference import gradient as analytic

    values = function(y_true, y_pred, reduction="none", **params)
    return values, analytic(name, y_true, y_pred, **params)


def _autograd_curve(name, function, params, y_true, y_pred):
    """Values and gradient from torch autograd: lossbook.torch or a torch built-in for names."""
    import torch

    if name is not None:
        import lossbook.torch as lbt
        from lossbook.train import LOSSES, get_loss

        options = {k: v for k, v in params.items() if k != "from_logits"}
        if hasattr(lbt, name):
            torch_fn = getattr(lbt, name)
            function = lambda t, p: torch_fn(p, t, reduction="none", **options)  # noqa: E731
        elif name in LOSSES and params.get("from_logits", True):
            module = get_loss(name, "torch", reduction="none", **options)
            function = lambda t, p: module(p, t)  # noqa: E731
        else:
            raise ValueError(f"No torch version of {name!r} for gradient='autograd'; use gradient='reference'.")
    target = torch.tensor(y_true, dtype=torch.float64)
    prediction = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    values = function(target, prediction, **(params if name is None else {}))
    values.sum().backward()
    return values.detach().numpy(), prediction.grad.numpy()


def loss_curves(losses, *, kind: str = "residual", x=None, params=None, target: float = 0.0,
                gradient: str = "reference", title: str | None = None, xlabel: str | None = None):
    """Each loss (left) and its gradient :math:`\\partial \\ell / \\partial \\hat y` (right) along ``x``.

    Args:
        losses: a list of loss names (``"huber"``), ``(name, params)`` pairs or callables
            ``fn(y_true, y_pred, **params) -> per-sample values``; or a dict ``{label: item}``.
        kind: the horizontal axis, a key of :data:`KINDS`: ``"residual"`` (``ŷ = target + r``),
            ``"prediction"`` (``ŷ = x``, ``y = target``), ``"margin"`` (logit or score with
            label 1), ``"probability"`` (``p`` of label 1).
        x: the grid (1-D); a sensible default for each kind.
        params: ``{name: {hyper-parameter: value}}`` for names in ``losses``.
        gradient: ``"reference"`` (the analytic gradient of :mod:`lossbook.reference`; central
            differences for a bare NumPy callable) or ``"autograd"`` (torch autograd through
            :mod:`lossbook.torch` or the torch built-in; callables then get torch tensors).
        title: the figure's title.
        xlabel: the horizontal axis' label; by default the one of ``kind`` in :data:`KINDS`
            (pass e.g. ``r"prediction error $\\hat y - y$"`` to name the axis your own way).

    >>> fig = loss_curves(["mean_squared_error", ("huber", {"delta": 1.0})])
    >>> [ax.get_xlabel()[:16] for ax in fig.axes]
    ['prediction error', 'prediction error']
    """
    check_in_choices(kind, "kind", tuple(KINDS))
    check_in_choices(gradient, "gradient", ("reference", "autograd"))
    grid = np.linspace(*_GRIDS[kind], 601) if x is None else as_float_array(x, "x").ravel()
    items = losses.items() if isinstance(losses, dict) else [(None, item) for item in losses]
    params = params or {}
    figure, ((ax_loss, ax_grad),) = _figure(1, 2, sharex=True)
    for label, item in items:
        item, extra = item if isinstance(item, tuple) else (item, params.get(item, {}) if isinstance(item, str) else {})
        name_label, name, function, merged = _resolve(item, extra, kind)
        values, grads = _curve(name_label, name, function, merged, kind, grid, target, gradient)
        line, = ax_loss.plot(grid, values, label=label or name_label)
        ax_grad.plot(grid, grads, color=line.get_color(), label=label or name_label)
    _finish(ax_loss, xlabel or KINDS[kind], r"loss $\ell$", "Loss")
    _finish(ax_grad, xlabel or KINDS[kind], r"gradient $\partial\ell/\partial\hat y$",
            f"Gradient ({'autograd' if gradient == 'autograd' else 'analytic'})", legend=False)
    figure.suptitle(title or "Loss and gradient")
    return figure


def small_multiples(loss, values, *, param: str = "delta", kind: str = "residual",
                    neighbours=("mean_squared_error", "mean_absolute_error"), x=None,
                    target: float = 0.0, gradient: bool = True, title: str | None = None,
                    xlabel: str | None = None):
    """One panel per hyper-parameter value (columns), loss on top and gradient below.

    ``loss`` is a name or callable taking ``param=value``; ``neighbours`` are drawn dashed
    in every panel for comparison (Huber between MSE and MAE, say). ``xlabel`` replaces the
    default label of ``kind`` (see :func:`loss_curves`).

    >>> fig = small_multiples("huber", [0.5, 1.0, 2.0])
    >>> len(fig.axes), fig.axes[0].get_title()
    (6, 'δ = 0.5')
    """
    check_in_choices(kind, "kind", tuple(KINDS))
    values = list(values)
    if not values:
        raise ValueError(f"`values` must hold at least one value of `{param}`. Received: values={values!r}")
    grid = np.linspace(*_GRIDS[kind], 401) if x is None else as_float_array(x, "x").ravel()
    rows = 2 if gradient else 1
    figure, axes = _figure(rows, len(values), width=3.1 * len(values) + 0.6, height=2.9 * rows,
                           sharex=True, sharey="row")
    neighbour_curves = [(*_resolve(n, {}, kind),) for n in neighbours]
    for column, value in enumerate(values):
        label, name, function, merged = _resolve(loss, {param: value}, kind)
        curves = [(label, _curve(label, name, function, merged, kind, grid, target, "reference"), "-")]
        curves += [(n[0], _curve(*n, kind, grid, target, "reference"), "--") for n in neighbour_curves]
        for row in range(rows):
            ax = axes[row, column]
            for i, (curve_label, curve, style) in enumerate(curves):
                ax.plot(grid, curve[row], style, color=_COLORS[i], lw=2.0 if style == "-" else 1.2,
                        label=curve_label.split(" (")[0] if style == "--" else curve_label.split(" (")[0])
            ax.set_ylim(*_limits(curves, row))
            _finish(ax, (xlabel or KINDS[kind]) if row == rows - 1 else "",
                    (r"loss $\ell$" if row == 0 else r"$\partial\ell/\partial\hat y$") if column == 0 else "",
                    f"{_SYMBOLS.get(param, param)} = {value:g}" if row == 0 else None,
                    legend=row == 0 and column == 0)
    figure.suptitle(title or f"{label.split(' (')[0]} for {_SYMBOLS.get(param, param)} in "
                    f"{', '.join(f'{v:g}' for v in values)}")
    return figure


def _limits(curves, row):
    """y-limits set by the main curve, so steep neighbours (MSE) do not flatten it."""
    main = curves[0][1][row]
    low, high = float(np.min(main)), float(np.max(main))
    pad = 0.15 * (high - low or 1.0)
    return low - pad, high + pad


# -- data, fits and training -------------------------------------------------------------------

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
        ax.plot(grid[:, 0], _evaluate(tuple(truth), grid), "k--", lw=1.5, label="true line", zorder=3)
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
        raise TypeError(f"`runs` must be a non-empty dict {{label: history}}. Received: runs={describe(runs)}")
    figure, ((ax,),) = _figure(width=6.0, height=4.0)
    for i, (label, history) in enumerate(runs.items()):
        color = _COLORS[i % len(_COLORS)]
        loss, val_loss, step_loss = _series(history)
        if steps and step_loss:
            where = np.arange(1, len(step_loss) + 1) * len(loss) / len(step_loss)
            ax.plot(where, step_loss, color=color, lw=0.6, alpha=0.45)
        ax.plot(np.arange(1, len(loss) + 1), loss, color=color, label=f"{label}")
        if validation and val_loss:
            ax.plot(np.arange(1, len(val_loss) + 1), val_loss, "--", color=color, label=f"{label} (validation)")
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
    if _is_dataset(x) and isinstance(y, dict) and predictions is None:  # quantile_bands(data, predictions)
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
            ax.plot(x[order, 0], dataset.quantile(q)[order, 0], ":", color=_COLORS[i % len(_COLORS)],
                    lw=1.3, label=f"true {q:g} quantile")
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
    axis_1, axis_2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
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
