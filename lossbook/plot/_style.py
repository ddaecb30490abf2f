"""The book's figure style: colours, sizes, the loss-curve axes (:data:`KINDS`), helpers."""

from __future__ import annotations

__all__ = ["KINDS", "use_style"]


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
    figure = plt.figure(figsize=(width or 4.2 * ncols + 0.6, height or 3.4 * nrows),
                        layout="constrained")
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
