"""Choosing a loss: :func:`recommend` reads the rule table, :func:`compare_losses` tests it.

:func:`recommend` turns a task and traits of the data into a ranked list of
:class:`Recommendation` s from one table of rules (:data:`RULES`, data rather than code, so
the book prints it as its decision guide, :func:`guide`); it never trains anything.
:func:`compare_losses` trains one model per candidate loss and seed and scores each on held-out
data: the check that the recommendation holds *on your data*.

>>> from lossbook import select
>>> [r.loss for r in select.recommend("regression", outliers=True)]
['huber', 'mean_absolute_error', 'mean_squared_error']
>>> select.recommend("regression", asymmetric_cost=(4.0, 1.0))[0].params
{'tau': 0.8}
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from lossbook._validation import describe
from lossbook.select._compare import Comparison, compare_losses
from lossbook.select._rules import DERIVED, RULES, TASKS, TRAITS, Derived, Rule, Trait

__all__ = ["RULES", "TASKS", "TRAITS", "Comparison", "Recommendation", "Rule", "Trait",
           "compare_losses", "guide", "recommend"]



@dataclass(frozen=True)
class Recommendation:
    """One recommended loss.

    Attributes:
        loss: the catalogue name (:func:`lossbook.catalog.get`).
        params: its hyper-parameters, computed from the traits where the rule derives them.
        reason: why, in one paragraph, ending with the book section that teaches it.
        section: that section, as a path under ``book/`` (without ``.ipynb``).
        rank: 1 for the first recommendation.
        matched: the traits that selected it (empty for the task's default).
    """

    loss: str
    params: dict
    reason: str
    section: str
    rank: int
    matched: tuple = field(default=())

    def torch(self, reduction: str = "mean"):
        """The torch loss object to train with (``(input, target)``), :attr:`params` bound:
        the catalogue's :meth:`~lossbook.catalog.Entry.framework_loss`.

        Raises:
            ValueError: the loss has no ready-made training object (CTC, Dice, class weights
                that depend on your data...): the message names the section that shows how
                to train with it.
        """
        return self._framework("torch", reduction)

    def keras(self, reduction: str = "mean"):
        """The Keras loss object to train with (``(y_true, y_pred)``), as :meth:`torch`."""
        return self._framework("keras", reduction)

    def _framework(self, framework: str, reduction: str):
        from lossbook import catalog

        entry = catalog.get(self.loss)
        if entry.trainable:
            return entry.framework_loss(framework, reduction=reduction, **self.params)
        if self.loss == "binary_crossentropy_pos_weight":
            return _pos_weighted(framework, reduction, self.params["pos_weight"])
        raise ValueError(f"{self.loss!r} has no ready-made {framework} loss object to train "
                         f"with (it needs inputs or weights that depend on your data): the "
                         f"book section {self.section} shows how to train with it")

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}"
                           for k, v in self.params.items())
        return textwrap.fill(f"{self.rank}. {self.loss}({params}): {self.reason}", width=88,
                             subsequent_indent="   ")


def _pos_weighted(framework: str, reduction: str, pos_weight):
    """BCE on logits with a positive weight, as training objects: the catalogue computes this
    entry through NumPy-facing adapters only. torch: ``BCEWithLogitsLoss(pos_weight=...)`` on
    the device :func:`lossbook.train.fit` uses; Keras: lossbook's
    ``PosWeightedBinaryCrossentropy``."""
    if framework == "torch":
        import torch

        from lossbook._env import device

        weight = torch.tensor([float(pos_weight)], device=device())
        return torch.nn.BCEWithLogitsLoss(pos_weight=weight, reduction=reduction)
    from lossbook.keras import PosWeightedBinaryCrossentropy

    keras_reduction = {"mean": "sum_over_batch_size", "sum": "sum", "none": None}[reduction]
    return PosWeightedBinaryCrossentropy(pos_weight=float(pos_weight),
                                         reduction=keras_reduction)


def _error(what: str, value, valid) -> ValueError:
    return ValueError(f"`{what}` must be one of {list(valid)}. Received: {what}={describe(value)}")


def _number(name: str, value, low: float, high: float, *, closed_high: bool) -> float:
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
          and low < value and (value <= high if closed_high else value < high))
    if not ok:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"`{name}` must be a number in ({low:g}, {high:g}{bracket}. "
                         f"Received: {name}={describe(value)}")
    return float(value)


def _checked_traits(task: str, traits: dict) -> dict:
    if task not in TASKS:
        raise _error("task", task, TASKS)
    valid = [name for name, trait in TRAITS.items() if task in trait.tasks]
    checked = {}
    for name, value in traits.items():
        if name not in TRAITS:
            raise ValueError(f"unknown trait {name!r}: the traits are {list(TRAITS)} (for "
                             f"task={task!r}: {valid}). Received: {name}={describe(value)}")
        if name not in valid:
            raise ValueError(f"trait {name!r} does not apply to task={task!r}; its traits are "
                             f"{valid}. Received: {name}={describe(value)}")
        kind = TRAITS[name].kind
        if value is None or value is False:
            continue
        if kind == "flag":
            if value is not True:
                raise ValueError(f"`{name}` must be True or False. Received: "
                                 f"{name}={describe(value)}")
        elif kind == "fraction":
            value = _number(name, value, 0.0, 0.5, closed_high=True)
        elif kind == "rate":
            value = _number(name, value, 0.0, 1.0, closed_high=False)
        elif kind == "coverage":
            value = 0.9 if value is True else _number(name, value, 0.0, 1.0, closed_high=False)
        elif kind == "costs":
            if not (isinstance(value, (tuple, list)) and len(value) == 2):
                raise ValueError(f"`{name}` must be a pair (cost_under, cost_over) of positive "
                                 f"numbers. Received: {name}={describe(value)}")
            value = tuple(_number(f"{name}[{i}]", v, 0.0, float("inf"), closed_high=False)
                          for i, v in enumerate(value))
        checked[name] = value
    return checked


def _holds(condition, value) -> bool:
    if value is None:
        return False
    if condition is True:
        return True
    operator, bound = condition
    return {">": value > bound, ">=": value >= bound, "<=": value <= bound}[operator]


def recommend(task: str, **traits) -> list[Recommendation]:
    """Ranked losses for ``task`` and the traits of the data (see :data:`TRAITS`).

    The rules of :data:`RULES` whose every condition holds are ranked: the more traits a rule
    matches, the higher; ties keep the table's order; the task's default comes last. A loss
    with the same parameters appears once, at its best rank.

    Args:
        task: one of :data:`TASKS`.
        **traits: ``outliers``, ``heavy_tails``, ``counts``, ``calibration``, ``pairs``,
            ``triplets`` (True/False); ``intervals`` (True for 90 % or a coverage in (0, 1));
            ``asymmetric_cost=(cost_under, cost_over)`` (positive); ``imbalance`` (the
            minority's share, in (0, 0.5]); ``noisy_labels`` (the share of wrong labels).

    Raises:
        ValueError: an unknown task or trait, a trait that does not apply to the task, or a
            value outside its range; the message lists the valid ones.
    """
    checked = _checked_traits(task, traits)
    matches = [(-len(rule.when), index) for index, rule in enumerate(RULES)
               if rule.task == task and all(_holds(condition, checked.get(name))
                                            for name, condition in rule.when.items())]
    found, seen = [], set()
    for _, index in sorted(matches):
        rule = RULES[index]
        params = {name: (DERIVED[value.formula][1](checked) if isinstance(value, Derived)
                         else value) for name, value in rule.params.items()}
        params = {k: round(v, 12) if isinstance(v, float) else v for k, v in params.items()}
        key = (rule.loss, tuple(sorted(params.items())))
        if key in seen:
            continue
        seen.add(key)
        found.append(Recommendation(rule.loss, params, f"{rule.reason} (book: {rule.section})",
                                    rule.section, len(found) + 1, tuple(rule.when)))
    return found


def _condition_text(when) -> str:
    if not when:
        return "(default)"
    parts = []
    for name, condition in when.items():
        parts.append(name if condition is True else f"{name} {condition[0]} {condition[1]:g}")
    return ", ".join(parts)


def guide(task: str | None = None) -> list[dict]:
    """The rule table as rows (task, when, loss, params, section): the book's decision guide.

    >>> guide("alignment")[0]["loss"]
    'ctc'
    """
    if task is not None and task not in TASKS:
        raise _error("task", task, TASKS)
    return [{"task": rule.task, "when": _condition_text(rule.when), "loss": rule.loss,
             "params": ", ".join(f"{k}={v!r}" for k, v in rule.params.items()),
             "section": rule.section, "reason": rule.reason}
            for rule in RULES if task is None or rule.task == task]
