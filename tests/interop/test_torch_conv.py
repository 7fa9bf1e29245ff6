"""from_torch / to_torch for nn.Conv1d and the pools: same numbers (on transposed layouts), clear refusals."""
import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.interop import from_torch, to_torch
from tests.tools import assert_close


@pytest.mark.parametrize("module", [nn.MaxPool1d(3), nn.MaxPool1d(3, 2), nn.AvgPool1d(2), nn.AvgPool1d(4, 1),
                                    nn.AdaptiveMaxPool1d(1), nn.AdaptiveAvgPool1d(1)])
def test_pools_round_trip(module, gen):
    ours = from_torch(module)
    x = torch.randn(2, 12, 5, generator=gen)
    y = module(x.transpose(1, 2)).transpose(1, 2)
    assert_close(ours(x), y.squeeze(1) if ours(x).dim() == 2 else y, torch.float32, repr(module))
    back = to_torch(ours)
    assert type(back) is type(module)
    assert torch.equal(back(x.transpose(1, 2)), module(x.transpose(1, 2)))


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("conv", [ts.Conv1D(4, 6, 3), ts.Conv1D(4, 6, 4, padding="same", dilation_rate=3),
                                  ts.Conv1D(4, 6, 3, strides=2, groups=2, bias=False),
                                  ts.Conv1D(4, 6, 2, activation="relu")])
def test_conv_round_trip(conv, gen):
    conv = conv.double()
    x = torch.randn(2, 13, 4, generator=gen, dtype=torch.float64)
    theirs = to_torch(conv)
    assert_close(theirs(x.transpose(1, 2)).transpose(1, 2), conv(x), what="to_torch")
    inner = theirs[0] if isinstance(theirs, nn.Sequential) else theirs
    again = from_torch(inner)
    y = again(x)
    assert_close(torch.relu(y) if conv.activation else y, conv(x), what="and back")


@pytest.mark.parametrize("module,message", [
    (ts.Conv1D(2, 2, 3, padding="causal"), "nn.Conv1d has no causal padding"),
    (ts.Conv1D(2, 2, 3, strides=2, padding="same"), "depends on the input length"),
    (ts.MaxPool1D(2, padding="same"), "torch.nn's pools cannot express it"),
])
def test_to_torch_refusals(module, message):
    with pytest.raises(ValueError, match=message):
        to_torch(module)


@pytest.mark.parametrize("module,message", [
    (nn.Conv1d(2, 2, 3, padding=2), r"nn.Conv1d\(padding=2\) pads 2 zeros on both sides"),
    (nn.Conv1d(2, 2, 3, padding=1, padding_mode="reflect"), "padding_mode='reflect'"),
    (nn.MaxPool1d(3, padding=1), "has no torchseq counterpart"),
    (nn.AvgPool1d(3, ceil_mode=True), "has no torchseq counterpart"),
    (nn.AdaptiveAvgPool1d(4), r"output_size=4\) has no torchseq counterpart"),
])
def test_from_torch_refusals(module, message):
    with pytest.raises(ValueError, match=message):
        from_torch(module)
