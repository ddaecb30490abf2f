"""lossbook.compare and the catalogue's API: statuses, explanations, check(), errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lossbook import catalog
from lossbook import reference as ref
from lossbook.compare import Disagreement, Row, _classify, assert_agree, check, compare

# ------------------------------------------------------------------------------ catalogue


def test_get_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match="Did you mean 'huber'") as error:
        catalog.get("hubber")
    assert "Received: name='hubber'" in str(error.value)


def test_entries_by_task_cover_every_task():
    for task in ("regression", "classification", "sequence", "metric_learning"):
        assert catalog.entries(task), task
        assert all(entry.task == task for entry in catalog.entries(task))
    assert len(catalog.names()) == len(set(catalog.names()))


def test_unknown_task_is_an_error():
    with pytest.raises(ValueError, match="task"):
        catalog.entries("ranking")


def test_variant_entries_bind_their_fixed_parameters():
    entry = catalog.get("binary_crossentropy_from_logits")
    assert entry.reference_name == "binary_crossentropy"
    assert entry.fixed_params == {"from_logits": True}
    assert entry.reference([1.0], [0.0]) == pytest.approx(np.log(2.0))


def test_an_undocumented_entry_is_refused_at_import():
    from lossbook.catalog._entry import make_entry

    entry = catalog.get("huber")
    with pytest.raises(ValueError, match="must document every field.*'formula'"):
        make_entry(name="x", title="X", task="regression", label_format="y", input_kind="value",
                   formula="", properties=("convex",), reference=ref.huber, torch=entry.torch,
                   keras=entry.keras, sampler=entry.sampler)


# -------------------------------------------------------------------------------- compare


def test_compare_agrees_on_ordinary_inputs():
    result = compare("huber", [0.0, 1.0, 2.0], [0.5, 3.0, -1.0], delta=2.0)
    assert result.ok and [row.status for row in result.rows] == ["agrees", "agrees"]
    assert result.reference == pytest.approx(ref.huber([0.0, 1.0, 2.0], [0.5, 3.0, -1.0],
                                                       delta=2.0))
    text = str(result)
    assert "huber" in text and "torch" in text and "keras" in text and "agrees" in text


def test_compare_explains_keras_clipping_of_certain_wrong_probabilities():
    # p = 0 for y = 1 and p = 1 for y = 0: the exact loss is inf (trap 11)
    result = compare("binary_crossentropy", [[1.0], [0.0]], [[0.0], [1.0]], reduction="none")
    assert np.all(np.isinf(result.reference))
    keras_row, torch_row = result["keras"], result["torch"]
    assert keras_row.status == "explained" and "trap 11" in keras_row.note
    np.testing.assert_allclose(keras_row.value, [16.118, 15.942], atol=1e-3)
    assert torch_row.status == "explained" and "-100" in torch_row.note
    np.testing.assert_allclose(torch_row.value, [100.0, 100.0])
    assert result.ok
    assert_agree("binary_crossentropy", [[1.0], [0.0]], [[0.0], [1.0]])
    with pytest.raises(Disagreement, match="trap 11"):
        assert_agree("binary_crossentropy", [[1.0], [0.0]], [[0.0], [1.0]],
                     allow_explained=False)


def test_a_gap_the_documented_rule_does_not_produce_is_not_explained():
    # interior probabilities: clipping changes nothing, so a 1% gap stays unexplained
    entry = catalog.get("binary_crossentropy")
    y_true, y_pred = np.array([[1.0], [0.0]]), np.array([[0.3], [0.6]])
    expected = entry.reference(y_true, y_pred)
    row = _classify(Row("keras", expected * 1.01), entry, expected, y_true, y_pred,
                    {"reduction": "mean", "from_logits": False})
    assert row.status == "DIFFERS"


def test_compare_shows_the_reference_error_and_still_explains_keras_mape():
    result = compare("mean_absolute_percentage_error", [0.0, 2.0], [1.0, 1.0])
    assert "ValueError" in result.reference_error and not result.ok
    assert result["keras"].status == "explained" and "trap 22" in result["keras"].note
    assert "reference raised" in str(result)


def test_assert_agree_raises_disagreement_with_the_table(monkeypatch):
    entry = catalog.get("mean_squared_error")
    broken = type(entry)(**{**entry.__dict__, "keras": lambda *a, **k: 123.0})
    monkeypatch.setitem(catalog._REGISTRY, "mean_squared_error", broken)
    with pytest.raises(Disagreement) as error:
        assert_agree("mean_squared_error", [0.0, 1.0], [1.0, 1.0])
    assert isinstance(error.value, AssertionError)
    assert "keras" in str(error.value) and "DIFFERS" in str(error.value)


def test_comparison_html_is_a_plain_table():
    html = compare("log_cosh", [0.0, 1.0], [2.0, -1.0])._repr_html_()
    assert html.startswith("<table>") and "<script" not in html and "log_cosh" in html


# ---------------------------------------------------------------------------------- check


def test_check_accepts_tensors_and_shows_numbers():
    result = check(2.5, torch=torch.tensor(2.5000001), numpy=np.float32(2.4999998))
    assert result.ok
    text = repr(result)
    assert "torch" in text and "2.5" in text and "tensor" not in text and "✓" in text
    assert "<table>" in result._repr_html_()


def test_check_accepts_keras_tensors():
    from lossbook._env import quiet_import

    keras = quiet_import("keras")
    value = keras.losses.Huber(delta=2.0)(np.zeros((3, 1)), np.array([[0.5], [3.0], [-1.0]]))
    expected = ref.huber(np.zeros((3, 1)), np.array([[0.5], [3.0], [-1.0]]), delta=2.0)
    assert check(expected, keras=value).ok


def test_check_names_the_framework_that_disagrees():
    with pytest.raises(Disagreement, match=r"keras.*expected 2\.5, got 2\.6") as error:
        check(2.5, torch=2.5, keras=2.6)
    assert "torch" not in str(error.value).splitlines()[0]


def test_check_rejects_a_shape_mismatch():
    with pytest.raises(Disagreement, match="shape"):
        check(np.ones(3), torch=np.ones((3, 1)))


def test_check_needs_a_value():
    with pytest.raises(TypeError, match="at least one value"):
        check(1.0)
