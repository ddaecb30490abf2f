"""lossbook.select: the rule table is consistent with the catalogue and the book, recommend
ranks and validates, compare_losses is deterministic and validates."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pytest
import yaml

import lossbook as lb
from lossbook import catalog, select
from lossbook.select._rules import DERIVED, Derived

ROOT = Path(__file__).resolve().parent.parent


def _toc_files(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        found |= {node[key] for key in ("file", "root") if key in node}
        for value in node.values():
            found |= _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            found |= _toc_files(item)
    return found


TOC = _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))


@pytest.mark.parametrize("rule", select.RULES, ids=lambda r: f"{r.task}-{r.loss}")
def test_rule_names_a_catalogue_loss_its_parameters_and_a_book_section(rule):
    entry = catalog.get(rule.loss)  # raises on an unknown name
    accepted = inspect.signature(entry.reference).parameters
    assert set(rule.params) <= set(accepted), (rule.loss, rule.params)
    assert f"book/{rule.section}" in TOC, f"{rule.section} is not a page of the book"
    assert set(rule.when) <= {name for name, trait in select.TRAITS.items()
                              if rule.task in trait.tasks}
    for value in rule.params.values():
        assert not isinstance(value, Derived) or value.formula in DERIVED


def test_every_task_has_a_default_and_every_trait_a_rule():
    for task in select.TASKS:
        assert any(rule.task == task and not rule.when for rule in select.RULES), task
    for name, trait in select.TRAITS.items():
        for task in trait.tasks:
            assert any(rule.task == task and name in rule.when for rule in select.RULES), \
                (name, task)


def test_recommend_ranks_specific_rules_first_and_the_default_last():
    found = select.recommend("regression", outliers=True)
    assert [r.loss for r in found] == ["huber", "mean_absolute_error", "mean_squared_error"]
    assert [r.rank for r in found] == [1, 2, 3]
    assert found[0].matched == ("outliers",) and found[-1].matched == ()
    assert "regression/03_huber_logcosh" in found[0].reason
    assert [r.loss for r in select.recommend("regression")] == ["mean_squared_error"]


def test_derived_parameters():
    newsvendor = select.recommend("regression", asymmetric_cost=(3.0, 1.0))[0]
    assert newsvendor.loss == "quantile" and newsvendor.params == {"tau": 0.75}
    taus = sorted(r.params["tau"] for r in select.recommend("regression", intervals=0.8)
                  if r.loss == "quantile")
    assert taus == pytest.approx([0.1, 0.9])
    taus = sorted(r.params["tau"] for r in select.recommend("regression", intervals=True)
                  if r.loss == "quantile")
    assert taus == pytest.approx([0.05, 0.95])
    weighted = [r for r in select.recommend("binary", imbalance=0.05)
                if r.loss == "binary_crossentropy_pos_weight"]
    assert weighted[0].params["pos_weight"] == pytest.approx(19.0)


def test_a_threshold_trait_only_fires_past_its_threshold():
    assert "binary_focal_crossentropy_from_logits" in [
        r.loss for r in select.recommend("binary", imbalance=0.05)]
    assert [r.loss for r in select.recommend("binary", imbalance=0.45)] == [
        "binary_crossentropy_from_logits"]
    assert [r.loss for r in select.recommend("binary", calibration=False)] == [
        "binary_crossentropy_from_logits"]


def test_a_loss_appears_once_at_its_best_rank():
    found = select.recommend("regression", outliers=True, heavy_tails=True)
    losses = [r.loss for r in found]
    assert losses.count("mean_absolute_error") == 1
    assert len(set((r.loss, tuple(r.params.items())) for r in found)) == len(found)


@pytest.mark.parametrize("task, traits, match", [
    ("regresion", {}, r"`task` must be one of \['regression', 'binary'"),
    ("regression", {"shape": True}, r"unknown trait 'shape'.*'outliers'"),
    ("regression", {"imbalance": 0.1}, r"trait 'imbalance' does not apply to task='regression'"),
    ("binary", {"imbalance": 0.0}, r"`imbalance` must be a number in \(0, 0.5\]"),
    ("binary", {"imbalance": 0.6}, r"`imbalance` must be a number in \(0, 0.5\]. Received"),
    ("multiclass", {"noisy_labels": 1.0}, r"`noisy_labels` must be a number in \(0, 1\)"),
    ("regression", {"asymmetric_cost": (0.0, 1.0)}, r"asymmetric_cost\[0\]` must be a number"),
    ("regression", {"asymmetric_cost": (1.0, -2.0)}, r"asymmetric_cost\[1\]` must be a number"),
    ("regression", {"asymmetric_cost": 3.0}, r"must be a pair \(cost_under, cost_over\)"),
    ("regression", {"outliers": "yes"}, r"`outliers` must be True or False"),
    ("regression", {"intervals": 1.5}, r"`intervals` must be a number in \(0, 1\)"),
])
def test_bad_input_lists_the_valid_values(task, traits, match):
    with pytest.raises(ValueError, match=match):
        select.recommend(task, **traits)


def test_guide_is_the_rule_table():
    rows = select.guide()
    assert len(rows) == len(select.RULES)
    assert {row["task"] for row in rows} == set(select.TASKS)
    newsvendor = [row for row in select.guide("regression") if row["when"] == "asymmetric_cost"]
    assert newsvendor[0]["params"] == "tau=c_under / (c_under + c_over)"
    with pytest.raises(ValueError, match="`task` must be one of"):
        select.guide("clustering")


def test_recommendations_give_framework_losses():
    huber = select.recommend("regression", outliers=True)[0]
    assert type(huber.torch()).__name__ == "HuberLoss" and huber.torch().delta == 1.345
    assert type(huber.keras()).__name__ == "Huber"


def _data():
    return lb.data.regression_with_outliers(60, seed=3, n_test=60)


def _mae(y, outputs):
    return float(np.mean(np.abs(y - outputs)))


def test_compare_losses_is_deterministic_and_paired_by_seed():
    kwargs = dict(model={"hidden": (4,)}, metrics={"MAE": _mae}, seeds=2, epochs=3,
                  progress=False)
    first = select.compare_losses(_data(), ["mse", ("Huber", "huber")], **kwargs)
    second = select.compare_losses(_data(), ["mse", ("Huber", "huber")], **kwargs)
    np.testing.assert_array_equal(first.scores, second.scores)
    assert first.scores.shape == (2, 2, 1) and first.candidates == ("mse", "Huber")
    assert first.best("MAE", higher=False) in first.candidates
    assert 0 <= first.wins("Huber", "mse", "MAE", higher=False) <= 2
    assert "2 seeds" in first._repr_markdown_() and " ± " in first.rows()[0]["MAE"]
    assert first.std.shape == (2, 1)


def test_compare_losses_keras_and_recommendations():
    huber = select.recommend("regression", outliers=True)[0]
    result = select.compare_losses(_data(), [huber, "mae"], model={"hidden": (4,)},
                                   metrics={"MAE": _mae}, seeds=[5], epochs=2,
                                   framework="keras", progress=False)
    assert result.candidates == ("huber", "mae") and result.seeds == (5,)
    assert np.all(np.isfinite(result.scores))


@pytest.mark.parametrize("candidates, kwargs, match", [
    ([], {}, r"`candidates` must name at least one loss: the valid forms"),
    ("mse", {}, r"`candidates` must be a non-empty list"),
    ([3], {}, r"each candidate must be a loss name"),
    (["mse", "mse"], {}, r"labels must differ"),
    (["mse"], {"metrics": {}}, r"`metrics` must be a non-empty dict"),
    (["mse"], {"framework": "jax"}, r"`framework` must be one of"),
    (["mse"], {"seeds": 0}, r"`seeds`"),
    (["mse"], {"model": 3}, r"`model` must be a dict of lb.train.mlp keywords"),
])
def test_compare_losses_bad_input(candidates, kwargs, match):
    arguments = {"model": {"hidden": (2,)}, "metrics": {"MAE": _mae}, "epochs": 1,
                 "progress": False, **kwargs}
    with pytest.raises(ValueError, match=match):
        select.compare_losses(_data(), candidates, **arguments)


def test_compare_losses_needs_a_validation_split():
    data = dataclasses.replace(lb.data.linear(20, seed=0), test=None)
    with pytest.raises(ValueError, match="`data` must hold a validation split"):
        select.compare_losses(data, ["mse"], model={"hidden": (2,)}, metrics={"MAE": _mae})


def test_pos_weighted_recommendation_trains_in_both_frameworks_and_matches_the_reference():
    import torch

    weighted = [r for r in select.recommend("binary", imbalance=0.2)
                if r.loss == "binary_crossentropy_pos_weight"][0]
    assert weighted.params == {"pos_weight": pytest.approx(4.0)}
    y_true = np.array([[1.0], [0.0], [1.0], [0.0]])
    logits = np.array([[0.3], [-1.2], [-2.0], [2.5]])
    expected = lb.reference.binary_crossentropy(y_true, logits, from_logits=True, pos_weight=4.0)
    torch_loss = weighted.torch()
    got = torch_loss(torch.tensor(logits, dtype=torch.float32, device=torch_loss.pos_weight.device),
                     torch.tensor(y_true, dtype=torch.float32, device=torch_loss.pos_weight.device))
    assert float(got) == pytest.approx(expected, rel=1e-5)
    assert float(weighted.keras()(y_true, logits)) == pytest.approx(expected, rel=1e-5)
    assert weighted.torch(reduction="sum")(torch.zeros(2, 1), torch.ones(2, 1)).item() == \
        pytest.approx(2 * 4.0 * np.log(2.0), rel=1e-6)


@pytest.mark.parametrize("task", ["alignment", "segmentation"])
def test_a_recommendation_without_a_training_object_says_where_to_look(task):
    last = [r for r in select.recommend(task, **({"imbalance": 0.05} if task == "segmentation"
                                                else {})) if r.loss in ("ctc", "dice")][0]
    with pytest.raises(ValueError, match=f"no ready-made torch loss object.*{last.section}"):
        last.torch()


def test_repr_is_wrapped_to_the_page():
    text = repr(select.recommend("regression", outliers=True)[0])
    assert text.startswith("1. huber(delta=1.345): ") and max(map(len, text.split("\n"))) <= 88


def test_compare_losses_draws_the_data_per_seed():
    def draw(seed):
        return lb.data.regression_with_outliers(40, seed=seed, n_test=40)

    kwargs = dict(model={"hidden": (3,)}, metrics={"MAE": _mae}, seeds=[0, 1], epochs=2,
                  progress=False)
    per_seed = select.compare_losses(draw, ["mse"], **kwargs)
    fixed = select.compare_losses(draw(0), ["mse"], **kwargs)
    assert per_seed.scores[0, 0, 0] == fixed.scores[0, 0, 0]       # seed 0: the same data
    assert per_seed.scores[0, 1, 0] != fixed.scores[0, 1, 0]       # seed 1: other data
    np.testing.assert_array_equal(per_seed.scores,
                                  select.compare_losses(draw, ["mse"], **kwargs).scores)


def test_comparison_figure_has_one_labelled_axes_per_metric():
    result = select.Comparison(("a", "b"), ("MAE", "RMSE"), (0, 1, 2),
                               np.arange(12, dtype=float).reshape(2, 3, 2), np.zeros((2, 3)))
    figure = result.figure()
    assert [ax.get_ylabel() for ax in figure.axes] == ["MAE", "RMSE"]
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["a", "b"]
    assert len(figure.axes[1].lines) == 2 and "3 seeds" in figure.axes[0].get_title()
    np.testing.assert_array_equal(result.mean, [[2.0, 3.0], [8.0, 9.0]])
    assert result.best("MAE", higher=False) == "a" and result.wins("b", "a", "MAE") == 3
