"""Figures people would rather look at than read: their structure (panels, labels, legend entries, distinct
line styles, integer ticks, the QUICK stamp), not their pixels."""
import pandas as pd
import pytest
import torch

import torchseq as ts
from torchseq import plotting, study
from torchseq.experiments.dropout import DropoutExperiment, figure as dropout_figure, run_dropout_experiment
from torchseq.reproduce.report import Result, curves_figure
from torchseq.train import history_figure

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.ticker import MaxNLocator  # noqa: E402


def panels(fig):
    """The plotting axes of a figure (colour bars left out)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def integer_x(ax):
    locator = ax.xaxis.get_major_locator()
    return isinstance(locator, MaxNLocator) and locator._integer


def stamped(fig):
    return plotting.is_quick(fig) and fig.get_supxlabel() == plotting.QUICK_STAMP


def legend_labels(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_line_styles_differ_for_twenty_curves():
    styles = {(plotting.line_style(k)["color"], plotting.line_style(k)["linestyle"]) for k in range(20)}
    assert len(styles) == 20


def geron_like():
    curve = [0.03, 0.02]
    one = [Result(f"one-step {k}", "val MSE, next value", 0.02, 0.02, 2, 1.0, "cpu", curve=curve) for k in range(5)]
    ten = [Result(f"ten-step {k}", "val MSE, 10 ahead", 0.02, 0.02, 2, 1.0, "cpu", curve=curve) for k in range(3)]
    seq = [Result(f"seq {k}", "val last-step MSE, 10 ahead", 0.02, 0.02, 2, 1.0, "cpu", curve=curve) for k in range(6)]
    naive = [Result("naive: last value", "val MSE, next value", 0.0202, 0.0202, 0, 0.0, "cpu"),
             Result("10 steps: naive", "val MSE, 10 ahead", 0.257, 0.257, 0, 0.0, "cpu"),
             Result("iterated", "val MSE, 10 ahead", 0.03, 0.0275, 2, 0.0, "cpu")]
    return one + ten + seq + naive


def test_reproduction_curves_get_one_panel_per_metric_and_labelled_baselines():
    fig = curves_figure(geron_like(), "Hands-On ML ch. 15", quick=True)
    axes = panels(fig)
    assert [ax.get_title() for ax in axes] == ["val MSE, next value", "val MSE, 10 ahead", "val last-step MSE, 10 ahead"]
    assert [len(ax.get_lines()) for ax in axes] == [6, 5, 6]                       # curves + baselines
    assert legend_labels(axes[1])[-1] == "iterated (final value)"
    assert legend_labels(axes[0])[-1] == "naive: last value (no training)" and len(legend_labels(axes[2])) == 6
    for ax in axes:
        styles = [(line.get_color(), line.get_linestyle()) for line in ax.get_lines()]
        assert len(set(styles)) == len(styles)                                       # every curve tells apart
        assert integer_x(ax) and ax.get_xlabel() == "epoch" and ax.get_yscale() == "log"
        legend = ax.get_legend()
        assert legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1       # outside the axes
    assert stamped(fig) and fig._suptitle.get_text() == "Hands-On ML ch. 15"
    assert not stamped(curves_figure(geron_like(), "T"))
    assert fig.get_layout_engine() is not None


def test_history_names_loss_model_and_data():
    history = pd.DataFrame({"loss": [0.3, 0.2, 0.1], "mae": [0.5, 0.4, 0.3], "val_loss": [0.35, 0.25, 0.2],
                            "val_mae": [0.6, 0.5, 0.4], "lr": 1e-3, "seconds": 1.0}, index=pd.Index([1, 2, 3], name="epoch"))
    fig = history_figure(history, "gru on jena (generated stand-in)", quick=True, loss="mae")
    axes = panels(fig)
    assert [ax.get_title() for ax in axes] == ["loss (mae)", "mae"]
    assert all(integer_x(ax) and legend_labels(ax) == ["training", "validation"] for ax in axes)
    assert fig._suptitle.get_text() == "gru on jena (generated stand-in)" and stamped(fig)


def test_dropout_figure_keeps_coinciding_curves_visible():
    result = run_dropout_experiment(DropoutExperiment.quick())
    fig = dropout_figure(result, quick=True)
    train, valid = panels(fig)
    styles = [(line.get_color(), line.get_linestyle(), line.get_marker()) for line in train.get_lines()]
    assert len(styles) == 3 and len(set(styles)) == 3
    assert legend_labels(valid) == ["no dropout", "naive per-step", "variational", "naive forecast (last value)"]
    assert integer_x(train) and stamped(fig)


def test_masks_say_kept_and_dropped():
    layer = ts.GRU(3, 6, recurrent_dropout=0.5, generator=0)
    fig = study.plot_masks(study.masks_over_time(layer, torch.randn(2, 9, 3)))    # what the function returns
    (ax,) = panels(fig)
    assert legend_labels(ax) == ["kept", "dropped"] and ax.get_title(loc="left").startswith("mask: ")
    assert ax.get_title(loc="left").endswith("% dropped") and ax.get_xlabel() == "time step t" and integer_x(ax)
    matplotlib.pyplot.close(fig)


def test_gradient_norms_take_the_function_output_and_are_not_clipped():
    layer = ts.LSTM(1, 4)
    fig = study.plot_gradient_norms(study.gradient_norms(layer, torch.randn(3, 12, 1)), marks={"signal": 2})
    (ax,) = panels(fig)
    assert ax.get_xlabel() == "time step t" and integer_x(ax) and legend_labels(ax) == ["||dL/dh_t||", "signal"]
    fig.canvas.draw()
    label = ax.xaxis.label.get_window_extent()
    assert label.y0 >= 0 and fig.get_layout_engine() is not None                    # inside the saved figure
    matplotlib.pyplot.close(fig)


def test_trace_panels_are_named_and_events_marked():
    layer = ts.LSTM(1, 5, return_sequences=True)
    fig = study.plot_trace(ts.trace(layer, torch.randn(2, 10, 1)), ["i", "f", "c"], marks={"marker": 3})
    axes = panels(fig)
    assert [ax.get_title(loc="left") for ax in axes] == ["input gate i", "forget gate f", "cell state c"]
    assert all(integer_x(ax) and ax.get_ylabel() == "unit" for ax in axes)
    assert all(any(line.get_xdata()[0] == 3 for line in ax.get_lines()) for ax in axes)
    assert legend_labels(axes[0]) == ["marker"] and axes[-1].get_xlabel() == "time step t"
    with pytest.raises(ValueError, match="marks must hold time steps"):
        study.plot_trace(ts.trace(layer, torch.randn(2, 10, 1)), marks=[-1])
    matplotlib.pyplot.close("all")
