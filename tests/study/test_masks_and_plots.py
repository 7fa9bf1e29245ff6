"""masks_over_time shows variational masks repeating and naive ones changing; the figures draw."""
import pytest
import torch

import torchseq as ts
from torchseq.study import (gradient_norms, masks_over_time, plot_gradient_norms, plot_masks, plot_receptive_field,
                            plot_trace, receptive_field_map)


def test_variational_masks_repeat_naive_ones_do_not(gen):
    x = torch.randn(2, 12, 3, generator=gen)
    variational = ts.LSTM(3, 8, dropout=0.3, recurrent_dropout=0.5, generator=1).eval()
    m = masks_over_time(variational, x)
    assert m.shape == (12, 8) and not variational.training                            # mode restored
    assert torch.equal(m, m[:1].expand_as(m))                                         # the same mask every step
    assert set(m.unique().tolist()) == {0.0, 2.0}                                     # kept units scaled 1/(1-p)
    naive = ts.LSTM(3, 8, dropout=0.3, recurrent_dropout=0.5, variational=False, generator=1)
    n = masks_over_time(naive, x, which="input", gate=2, sample=1)
    assert n.shape == (12, 3) and not torch.equal(n, n[:1].expand_as(n))              # redrawn at each step
    with pytest.raises(ValueError, match="no input mask"):
        masks_over_time(ts.GRU(3, 4, recurrent_dropout=0.2), x, which="input")
    with pytest.raises(ValueError, match="gate"):
        masks_over_time(variational, x, gate=4)


def test_figures_draw(gen):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    x = torch.randn(2, 10, 3, generator=gen)
    layer = ts.LSTM(3, 5, return_sequences=True)
    _, inner = ts.trace(layer, x)
    fig = plot_trace(inner, ["f", "c"])
    assert len(fig.axes) == 4                                                         # two panels, two colorbars
    with pytest.raises(ValueError, match="not in the trace"):
        plot_trace(inner, ["r"])
    fig = plot_gradient_norms({"LSTM": gradient_norms(layer, x)})
    assert len(fig.axes[0].lines) == 1
    levels = receptive_field_map([ts.Conv1D(1, 1, 2, padding="causal", dilation_rate=d) for d in (1, 2)], 8, 1)
    fig = plot_receptive_field(levels)
    assert "4 input steps" in fig.axes[0].get_title()
    fig = plot_masks({"variational": masks_over_time(ts.GRU(3, 4, recurrent_dropout=0.5), x)})
    assert len(fig.axes) == 1
