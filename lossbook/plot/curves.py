"""Loss and gradient curves of named losses or callables, and small multiples over a
hyper-parameter."""

from __future__ import annotations

import numpy as np

from lossbook._validation import as_float_array, check_in_choices, describe
from lossbook.plot._style import _COLORS, _GRIDS, _SYMBOLS, KINDS, _figure, _finish, _param_text

__all__ = ["loss_curves", "small_multiples"]


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
        title, name, merged = (entry.title, entry.reference_name or item,
                               {**entry.fixed_params, **params})
    except (ImportError, ValueError):
        title = name = item.removesuffix("_from_logits")
        if not hasattr(reference, name):
            raise ValueError(f"`losses` must hold reference loss names or callables; no loss "
                             f"named {item!r}. Available: "
                             f"{sorted(n for n in reference.__all__ if n[0].islower())}") from None
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
    """Values and gradient from torch autograd: for a name, the first torch implementation of
    its catalogue entry that runs on tensors (the built-in where one exists)."""
    import torch

    labels = False
    if name is not None:
        from lossbook import catalog

        for entry in catalog.entries():
            if entry.reference_name != name or any(params.get(key) != value for key, value
                                                    in entry.fixed_params.items()):
                continue
            tensor_ready = [i for i in entry.implementations("torch") if hasattr(i, "call")]
            if tensor_ready:
                implementation = tensor_ready[0]
                labels = implementation.labels

                def function(target, prediction, implementation=implementation):
                    return implementation.call(target, prediction, reduction="none", **params)
                break
        else:
            raise ValueError(f"No torch version of {name!r} for gradient='autograd'; "
                             "use gradient='reference'.")
    target = torch.tensor(y_true, dtype=torch.int64 if labels else torch.float64)
    prediction = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    values = function(target, prediction, **(params if name is None else {}))
    values.sum().backward()
    return values.detach().numpy(), prediction.grad.numpy()


def loss_curves(losses, *, kind: str = "residual", x=None, params=None, target: float = 0.0,
                gradient: str = "reference", title: str | None = None, xlabel: str | None = None):
    """Each loss (left) and its gradient :math:`\\partial \\ell / \\partial \\hat y` (right)
    along ``x``.

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
        item, extra = (item if isinstance(item, tuple)
                       else (item, params.get(item, {}) if isinstance(item, str) else {}))
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
        raise ValueError(f"`values` must hold at least one value of `{param}`. "
                         f"Received: values={values!r}")
    grid = np.linspace(*_GRIDS[kind], 401) if x is None else as_float_array(x, "x").ravel()
    rows = 2 if gradient else 1
    figure, axes = _figure(rows, len(values), width=3.1 * len(values) + 0.6, height=2.9 * rows,
                           sharex=True, sharey="row")
    neighbour_curves = [(*_resolve(n, {}, kind),) for n in neighbours]
    for column, value in enumerate(values):
        label, name, function, merged = _resolve(loss, {param: value}, kind)
        curves = [(label, _curve(label, name, function, merged, kind, grid, target, "reference"),
                   "-")]
        curves += [(n[0], _curve(*n, kind, grid, target, "reference"), "--")
                   for n in neighbour_curves]
        for row in range(rows):
            ax = axes[row, column]
            for i, (curve_label, curve, style) in enumerate(curves):
                ax.plot(grid, curve[row], style, color=_COLORS[i], lw=2.0 if style == "-" else 1.2,
                        label=(curve_label.split(" (")[0] if style == "--"
                               else curve_label.split(" (")[0]))
            ax.set_ylim(*_limits(curves, row))
            _finish(ax, (xlabel or KINDS[kind]) if row == rows - 1 else "",
                    ((r"loss $\ell$" if row == 0 else r"$\partial\ell/\partial\hat y$")
                     if column == 0 else ""),
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
