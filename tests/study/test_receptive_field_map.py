"""receptive_field_map against the closed-form receptive_field and hand-derived tap positions."""
import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.layers import receptive_field
from torchseq.models import SimpleWaveNet
from torchseq.study import receptive_field_map


def test_wavenet_stack_counts_the_closed_form():
    model = SimpleWaveNet(1, filters=3, outputs=2)                                   # dilations (1, 2, 4, 8) x 2
    levels = receptive_field_map(model, length=40, in_channels=1)
    assert len(levels) == 10 and int(levels[0].sum()) == receptive_field(model) == 31
    assert torch.equal(levels[0], torch.arange(40) >= 40 - 31)                        # the last 31 input steps
    # level k (after dilation d_k) sees the output at 39 through 39 - (span of the layers above it)
    assert torch.equal(levels[8], torch.arange(40) == 39)                             # the 1x1 output layer's input
    assert torch.equal(levels[7], (torch.arange(40) == 39) | (torch.arange(40) == 31))   # dilation 8: taps 31, 39


@pytest.mark.parametrize("dilations", [(1,), (1, 2), (1, 2, 4, 8), (2, 3)])
def test_dilated_causal_stacks(dilations):
    layers = [ts.Conv1D(2, 2, 2, padding="causal", dilation_rate=d, activation="tanh") for d in dilations]
    levels = receptive_field_map(layers, 30, 2, position=25)
    seen = torch.nonzero(levels[0]).flatten()
    assert int(seen[-1] - seen[0]) + 1 == receptive_field(layers) == 1 + sum(dilations)   # the extent
    assert seen[-1] == 25                                                             # causal: nothing from the future
    if dilations == (2, 3):                                                           # holes: 25 - {0, 2} - {0, 3}
        assert seen.tolist() == [20, 22, 23, 25]
    else:
        assert len(seen) == receptive_field(layers)                                   # doubling dilations: no holes


def test_strided_valid_and_pool():
    layers = [ts.Conv1D(1, 2, 3, strides=2), ts.MaxPool1D(2), ts.Conv1D(2, 1, 2)]
    levels = receptive_field_map(layers, 21, 1, position=0)
    field = receptive_field(layers)                                                # 1 + 2 + 1*2 + 1*2*2 = 9
    assert torch.equal(levels[0], torch.arange(21) < field)                           # output 0 sees inputs 0..8
    assert [lv.shape[0] for lv in levels] == [21, 10, 5, 4]


def test_errors():
    with pytest.raises(ValueError, match="position"):
        receptive_field_map([ts.Conv1D(1, 1, 2)], 5, 1, position=7)
    with pytest.raises(TypeError, match="layers"):
        receptive_field_map([], 5, 1)
    with pytest.raises(ValueError, match="length"):
        receptive_field_map(nn.Sequential(ts.Conv1D(1, 1, 2)), 0, 1)
