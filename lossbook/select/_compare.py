"""``compare_losses``: one model per candidate loss and seed, scored on held-out data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from lossbook._validation import check_in_choices, check_int, describe

__all__ = ["Comparison", "compare_losses"]


@dataclass(frozen=True)
class Comparison:
    """Scores of each candidate (rows), seed and metric on the validation data.

    Attributes:
        candidates: the candidates' labels.
        metrics: the metrics' names.
        seeds: the seeds, one run each.
        scores: ``[candidate, seed, metric]`` float64.
        seconds: training time of each run, ``[candidate, seed]``.
    """

    candidates: tuple
    metrics: tuple
    seeds: tuple
    scores: np.ndarray
    seconds: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """``[candidate, metric]``: the mean over seeds."""
        return self.scores.mean(axis=1)

    @property
    def std(self) -> np.ndarray:
        """``[candidate, metric]``: the spread over seeds (sample standard deviation)."""
        return self.scores.std(axis=1, ddof=1) if len(self.seeds) > 1 else 0 * self.mean

    def score(self, candidate: str, metric: str) -> np.ndarray:
        """The per-seed scores of one candidate on one metric."""
        return self.scores[self._index(candidate, self.candidates, "candidate"),
                           :, self._index(metric, self.metrics, "metric")]

    def best(self, metric: str, *, higher: bool = True) -> str:
        """The candidate with the best mean ``metric`` (``higher=False``: the lowest)."""
        column = self.mean[:, self._index(metric, self.metrics, "metric")]
        return self.candidates[int(np.argmax(column) if higher else np.argmin(column))]

    def wins(self, a: str, b: str, metric: str, *, higher: bool = True) -> int:
        """On how many seeds candidate ``a`` beats ``b`` on ``metric`` (paired by seed: the
        same data order and the same initial weights)."""
        difference = self.score(a, metric) - self.score(b, metric)
        return int(np.sum(difference > 0 if higher else difference < 0))

    def rows(self, digits: int = 3) -> list[dict]:
        """One dict per candidate: ``"mean ± std"`` per metric."""
        return [{"loss": label, **{metric: f"{self.mean[i, j]:.{digits}f} ± "
                                           f"{self.std[i, j]:.{digits}f}"
                                   for j, metric in enumerate(self.metrics)}}
                for i, label in enumerate(self.candidates)]

    def _repr_markdown_(self) -> str:
        rows = self.rows()
        header = list(rows[0])
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
        return (f"{len(self.seeds)} seeds, mean ± standard deviation on the held-out data\n\n"
                + "\n".join(lines))

    def figure(self, *, width: float | None = None):
        """Each metric's scores on its own axes: one dot per seed, a bar at the mean, per
        candidate. A detached figure: shown once, as a notebook cell's value."""
        from lossbook.plot._style import _figure

        fig, axes = _figure(1, len(self.metrics), width=width)
        positions = np.arange(len(self.candidates))
        jitter = np.linspace(-0.15, 0.15, len(self.seeds))
        for j, (ax, metric) in enumerate(zip(axes.ravel(), self.metrics, strict=True)):
            for i in positions:
                ax.plot(i + jitter, self.scores[i, :, j], "o", ms=4, alpha=0.7, color=f"C{i}",
                        label="one seed" if i == 0 else None)
                ax.hlines(self.mean[i, j], i - 0.3, i + 0.3, color="black", lw=1.5,
                          label="mean" if i == 0 else None)
            ax.set_xticks(positions, self.candidates, rotation=20, ha="right")
            ax.set(xlabel="loss", ylabel=metric,
                   title=f"{metric}, {len(self.seeds)} seeds (held-out)")
            ax.grid(axis="y", alpha=0.3)
            ax.legend(loc="best", fontsize=8)
        return fig

    @staticmethod
    def _index(name, names, what) -> int:
        if name not in names:
            raise ValueError(f"`{what}` must be one of {list(names)}. Received: {what}={name!r}")
        return names.index(name)


def _candidates(candidates) -> list[tuple[str, object]]:
    from lossbook.select import Recommendation

    if isinstance(candidates, (str, bytes)) or not hasattr(candidates, "__iter__"):
        raise ValueError(f"`candidates` must be a non-empty list of loss names, Recommendations "
                         f"or (label, loss) pairs. Received: candidates={describe(candidates)}")
    found = []
    for candidate in candidates:
        if isinstance(candidate, str):
            found.append((candidate, candidate))
        elif isinstance(candidate, Recommendation):
            found.append((candidate.loss, candidate))
        elif isinstance(candidate, tuple) and len(candidate) == 2 and isinstance(candidate[0], str):
            found.append(candidate)
        else:
            raise ValueError(f"each candidate must be a loss name, a Recommendation or a "
                             f"(label, loss) pair. Received: {describe(candidate)}")
    if not found:
        raise ValueError("`candidates` must name at least one loss: the valid forms are loss "
                         "names of lb.train.LOSSES, Recommendations, (label, loss) pairs. "
                         "Received: candidates=[]")
    labels = [label for label, _ in found]
    if len(set(labels)) != len(labels):
        raise ValueError(f"the candidates' labels must differ. Received: {labels}")
    return found


def _loss_for(loss, framework: str):
    from lossbook.select import Recommendation

    if isinstance(loss, Recommendation):
        return getattr(loss, framework)()
    return loss  # a name (lb.train resolves it) or a callable in the framework's order


def _split(data):
    if hasattr(data, "test"):
        if data.test is None:
            raise ValueError("`data` must hold a validation split: a Dataset with `.test` (the "
                             "generators' n_test=, or lb.data.split). Received: data.test=None")
        return (data.x, data.y), (data.test.x, data.test.y)
    try:
        (x, y), (x_val, y_val) = data
    except (TypeError, ValueError):
        raise ValueError(f"`data` must be a Dataset with `.test` or ((x, y), (x_val, y_val)). "
                         f"Received: data={describe(data)}") from None
    return (x, y), (x_val, y_val)


def compare_losses(data, candidates, *, model, metrics: Mapping[str, Callable], seeds=5,
                   framework: str = "torch", epochs: int = 50, batch_size: int | None = None,
                   lr: float = 0.01, optimizer: str = "adam", progress: bool = True) -> Comparison:
    """Train one model per candidate loss and seed; score each on the validation data.

    Every candidate trains with the same budget (model, epochs, optimiser, learning rate) and,
    for a given seed, from the same initial weights and batch order, so differences between
    candidates are paired by seed. Deterministic for fixed seeds on a given machine.

    Args:
        data: a :class:`lossbook.data.Dataset` with a held-out ``.test`` split (the one scored),
            or ``((x, y), (x_val, y_val))``; or a callable ``seed -> data`` (either form), so
            that each seed also draws its own data set and the spread includes the sampling.
        candidates: loss names (:data:`lossbook.train.LOSSES`), :class:`Recommendation` s, or
            ``(label, loss)`` pairs with ``loss`` a name or a loss callable of ``framework``.
        model: a dict of :func:`lossbook.train.mlp` keywords (``hidden=``, ``out_features=``,
            ...; the input width is taken from the data), or a callable ``seed -> model``.
        metrics: ``{name: function(y_val, outputs) -> float}`` on NumPy arrays, the outputs
            being the model's raw outputs (logits for classification names): e.g. scikit-learn
            metrics wrapped to threshold or squash them.
        seeds: a number of seeds (0, 1, ...) or the seeds themselves.
        framework: ``"torch"`` or ``"keras"``.
        epochs, batch_size, lr, optimizer: as :func:`lossbook.train.fit`.
        progress: a progress bar over the runs.
    """
    from lossbook import train

    check_in_choices(framework, "framework", ("torch", "keras"))
    runs = _candidates(candidates)
    seeds = tuple(range(check_int(seeds, "seeds", minimum=1))) if isinstance(seeds, int) \
        else tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("`seeds` must be a positive number or a non-empty list. Received: []")
    if not isinstance(metrics, Mapping) or not metrics or not all(map(callable, metrics.values())):
        raise ValueError(f"`metrics` must be a non-empty dict of name -> function(y_val, "
                         f"outputs). Received: metrics={describe(metrics)}")
    draw = data if callable(data) else (lambda seed: data)
    if isinstance(model, Mapping):
        settings = dict(model)
        make = lambda seed, x: train.mlp(framework, np.shape(x)[1], seed=seed,  # noqa: E731
                                         **settings)
    elif callable(model):
        make = lambda seed, x: model(seed)  # noqa: E731
    else:
        raise ValueError(f"`model` must be a dict of lb.train.mlp keywords or a callable "
                         f"seed -> model. Received: model={describe(model)}")
    scores = np.zeros((len(runs), len(seeds), len(metrics)))
    seconds = np.zeros((len(runs), len(seeds)))
    bar = _bar(len(runs) * len(seeds), progress)
    splits = {seed: _split(draw(seed)) for seed in seeds}
    for i, (label, loss) in enumerate(runs):
        for k, seed in enumerate(seeds):
            (x, y), (x_val, y_val) = splits[seed]
            net = make(seed, x)
            if train._framework(net) != framework:
                raise ValueError(f"`model` made a {train._framework(net)} model. Received: "
                                 f"framework={framework!r}")
            history = train.fit(net, x, y, loss=_loss_for(loss, framework), epochs=epochs,
                                batch_size=batch_size, lr=lr, optimizer=optimizer, seed=seed)
            outputs = train.predict(net, x_val)
            scores[i, k] = [float(function(np.asarray(y_val), outputs))
                            for function in metrics.values()]
            seconds[i, k] = history.seconds
            bar.update(1)
            bar.set_postfix_str(label)
    bar.close()
    return Comparison(tuple(label for label, _ in runs), tuple(metrics), seeds, scores, seconds)


def _bar(total: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, desc="compare_losses", leave=False)
