"""lossbook.plot: every figure is labelled, titled and has a legend; curves are the right ones."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import lossbook as lb  # noqa: E402
from lossbook import plot  # noqa: E402


def assert_labelled(figure):
    """Every axes has x and y labels somewhere in the figure, a title, and a legend exists."""
    assert isinstance(figure, Figure)
    axes = figure.axes
    assert any(ax.get_xlabel() for ax in axes) and any(ax.get_ylabel() for ax in axes)
    assert any(ax.get_title() for ax in axes) or figure._suptitle is not None
    assert any(ax.get_legend() is not None for ax in axes)
    figure.canvas.draw()  # renders without error


def lines_of(ax):
    return {line.get_label(): line.get_ydata() for line in ax.get_lines()}


def test_loss_curves_values_and_analytic_gradients():
    figure = plot.loss_curves(["mean_squared_error", ("huber", {"delta": 1.0})], x=np.array([-2.0, 0.5, 3.0]))
    assert_labelled(figure)
    loss_ax, grad_ax = figure.axes
    values, grads = list(lines_of(loss_ax).values()), list(lines_of(grad_ax).values())
    np.testing.assert_allclose(values[0], [4.0, 0.25, 9.0])
    np.testing.assert_allclose(values[1], [1.5, 0.125, 2.5])
    np.testing.assert_allclose(grads[0], [-4.0, 1.0, 6.0])
    np.testing.assert_allclose(grads[1], [-1.0, 0.5, 1.0])
    assert any("δ=1" in label for label in lines_of(loss_ax))


def test_autograd_gradients_match_the_analytic_ones():
    names = ["mean_squared_error", "mean_absolute_error", ("huber", {"delta": 0.5}), "log_cosh"]
    grid = np.linspace(-3, 3, 41) + 0.013  # avoid the kink of MAE at 0
    analytic = plot.loss_curves(names, x=grid)
    autograd = plot.loss_curves(names, x=grid, gradient="autograd")
    for reference_line, torch_line in zip(analytic.axes[1].get_lines(), autograd.axes[1].get_lines(), strict=True):
        np.testing.assert_allclose(reference_line.get_ydata(), torch_line.get_ydata(), rtol=1e-9, atol=1e-12)
    assert "autograd" in autograd.axes[1].get_title()


@pytest.mark.parametrize("kind", ["margin", "probability"])
def test_classification_kinds(kind):
    figure = plot.loss_curves(["binary_crossentropy"], kind=kind)
    assert_labelled(figure)
    (line,) = figure.axes[0].get_lines()
    x, y = line.get_data()
    expected = np.logaddexp(0.0, -x) if kind == "margin" else -np.log(x)  # label 1
    np.testing.assert_allclose(y, expected, rtol=1e-9)


def test_callables_get_central_difference_or_autograd_gradients():
    def cube(y_true, y_pred):
        return (y_pred - y_true) ** 3

    grid = np.array([-1.0, 0.5, 2.0])
    for gradient in ("reference", "autograd"):
        figure = plot.loss_curves({"cube": cube}, x=grid, gradient=gradient)
        np.testing.assert_allclose(figure.axes[1].get_lines()[0].get_ydata(), 3 * grid**2, rtol=1e-6)
        assert figure.axes[0].get_lines()[0].get_label() == "cube"


def test_prediction_kind_uses_the_target():
    figure = plot.loss_curves(["poisson"], kind="prediction", target=3.0, x=np.array([1.0, 3.0]))
    np.testing.assert_allclose(figure.axes[1].get_lines()[0].get_ydata(), [1 - 3 / 1.0, 0.0])


def test_small_multiples_grid():
    values = (0.25, 0.5, 1, 2, 4)
    figure = plot.small_multiples("huber", values)
    assert_labelled(figure)
    assert len(figure.axes) == 10
    assert [ax.get_title() for ax in figure.axes[:5]] == [f"δ = {v:g}" for v in values]
    gradient_panel = figure.axes[5 + 2]  # δ = 1, gradient row
    assert np.max(gradient_panel.get_lines()[0].get_ydata()) == pytest.approx(1.0)


def test_xlabel_replaces_the_default_axis_label():
    label = r"prediction error $\hat y - y$"
    curves = plot.loss_curves(["mean_absolute_error"], xlabel=label)
    assert [ax.get_xlabel() for ax in curves.axes] == [label, label]
    grid = plot.small_multiples("huber", [0.5, 2.0], xlabel=label)
    assert [ax.get_xlabel() for ax in grid.axes] == ["", "", label, label]
    assert plot.loss_curves(["mean_absolute_error"]).axes[0].get_xlabel() == plot.KINDS["residual"]


def test_fits_with_a_dataset_marks_outliers_and_draws_every_model():
    data = lb.data.regression_with_outliers(100, seed=0)
    model = lb.train.linear_model("torch", weight=2.0, bias=1.0)
    figure = plot.fits(data, {"pair": (1.0, 0.0), "torch": model, "callable": lambda x: 3 * x})
    assert_labelled(figure)
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["data", "outliers", "true line", "pair", "torch", "callable"]
    lines = lines_of(figure.axes[0])
    np.testing.assert_allclose(lines["torch"], lines["true line"], rtol=1e-6)


def test_histories_accepts_every_history_kind():
    runs = {"GD": lb.train.History(loss=[3.0, 2.0], val_loss=[3.5, 2.5], step_loss=[3.0, 2.0]),
            "SGD": lb.train.History(loss=[2.5, 1.0], step_loss=[3, 2, 1.5, 0.5]),
            "list": [4.0, 1.0]}
    figure = plot.histories(runs, steps=True, log=True)
    assert_labelled(figure)
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["GD", "GD (validation)", "SGD", "list"]
    step_line = [line for line in figure.axes[0].get_lines() if line.get_label().startswith("_")][1]
    np.testing.assert_allclose(step_line.get_xdata(), [0.5, 1.0, 1.5, 2.0])  # fractional epochs
    assert figure.axes[0].get_yscale() == "log"


def test_quantile_bands_reports_coverage():
    data = lb.data.heteroscedastic(2000, seed=0)
    figure = plot.quantile_bands(data, {0.1: data.quantile(0.1), 0.9: data.quantile(0.9)})
    assert_labelled(figure)
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    coverage = [float(re.search(r"coverage (\d\.\d\d)", text).group(1)) for text in labels if "coverage" in text]
    assert coverage == pytest.approx([0.1, 0.9], abs=0.03)


def test_decision_boundary_for_scores_and_logits():
    data = lb.data.multiclass_blobs(90, seed=0)
    assert_labelled(plot.decision_boundary(lambda points: points @ np.eye(2, 3), data, resolution=30))
    binary = lb.data.binary_classification(50, seed=0)
    figure = plot.decision_boundary(lb.train.linear_model("torch", 2, seed=0), binary.x, binary.y, resolution=30)
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["class 0", "class 1"]


def test_figures_are_not_left_open_in_pyplot():
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    plot.histories({"a": [1.0, 0.5]})
    assert len(plt.get_fignums()) == before


@pytest.mark.parametrize(("call", "error", "message"), [
    pytest.param(lambda: plot.loss_curves(["hubber"]), ValueError, "no loss named 'hubber'", id="unknown-loss"),
    pytest.param(lambda: plot.loss_curves([3]), TypeError, "A loss must be a name or a callable", id="bad-item"),
    pytest.param(lambda: plot.loss_curves(["huber"], kind="logit"), ValueError, "`kind` must be one of",
                 id="kind"),
    pytest.param(lambda: plot.loss_curves(["huber"], gradient="numeric"), ValueError, "`gradient` must be one of",
                 id="gradient"),
    pytest.param(lambda: plot.small_multiples("huber", []), ValueError, "`values` must hold at least one",
                 id="no-values"),
    pytest.param(lambda: plot.histories([1, 2]), TypeError, "`runs` must be a non-empty dict", id="runs"),
    pytest.param(lambda: plot.quantile_bands(np.zeros((3, 1)), np.zeros(3), None), TypeError,
                 "`predictions` must be a non-empty dict", id="predictions"),
    pytest.param(lambda: plot.fits(lb.data.linear(10, seed=0), np.zeros(10)), TypeError,
                 "either a Dataset or x and y", id="dataset-and-y"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
