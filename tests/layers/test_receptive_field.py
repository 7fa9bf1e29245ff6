"""receptive_field from the architecture, checked against the empirical one: the input steps whose
perturbation changes the last output (a gradient test on random weights)."""
import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.models import SimpleWaveNet


@torch.no_grad()
def empirical(model, length, channels, dtype=torch.float64, inputs=3):
    """Span of the input positions whose perturbation (by +-1000, so a max pool or ReLU notices) changes
    the last output, over a few random inputs (after a max pool a position reaches the output only where it
    can win the max, which one input may not let an edge position do)."""
    seen = set()
    for _ in range(inputs):
        x = torch.randn(1, length, channels, dtype=dtype)
        last = model(x)[0, -1]
        for i in range(length):
            for sign in (1, -1):
                moved = x.clone()
                moved[0, i] += sign * 1000
                if not torch.equal(model(moved)[0, -1], last):
                    seen.add(i)
                    break
    return max(seen) - min(seen) + 1


@pytest.mark.parametrize("build", [
    lambda: nn.Sequential(ts.Conv1D(2, 3, 3), nn.ReLU(), ts.Conv1D(3, 3, 2, dilation_rate=4)),
    lambda: nn.Sequential(ts.Conv1D(2, 3, 5), ts.MaxPool1D(3), ts.Conv1D(3, 3, 5), ts.MaxPool1D(2)),
    lambda: nn.Sequential(ts.Conv1D(2, 3, 4, strides=2), ts.AvgPool1D(2, 1), ts.Conv1D(3, 2, 3, strides=3)),
], ids=["dilated", "max-pooled", "strided"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_formula_matches_gradient_reach(build, seed):
    torch.manual_seed(seed)                                                            # weights and inputs
    model = build().double()
    assert ts.layers.receptive_field(model) == empirical(model, 120, 2)


def test_geron_wavenet_sees_31_steps():
    model = SimpleWaveNet(dtype=torch.float64)
    assert model.receptive_field == 31 == empirical(model, 80, 1)
    assert sum(p.numel() for p in model.parameters()) == (1 * 2 * 20 + 20) + 7 * (20 * 2 * 20 + 20) + (20 * 10 + 10)


def test_unbounded_and_unknown_layers_are_refused():
    with pytest.raises(ValueError, match="GRU reads the whole past: its receptive field is unbounded"):
        ts.layers.receptive_field(nn.Sequential(ts.Conv1D(2, 3, 3), ts.GRU(3, 4)))
    with pytest.raises(ValueError, match="does not know how far Linear looks"):
        ts.layers.receptive_field([nn.Linear(2, 2)])
