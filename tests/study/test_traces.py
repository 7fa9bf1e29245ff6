"""The study hook: per-step internals from the cells' own math, named, masked and scoped."""
import pytest
import torch

import torchseq as ts
from tests.tools import assert_close


def test_lstm_internals_reproduce_the_outputs(gen):
    layer = ts.LSTM(3, 4, return_sequences=True, dtype=torch.float64)
    x = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    out, inner = ts.trace(layer, x)
    assert set(inner) == {"i", "f", "g", "o", "c", "h"} and inner["f"].shape == (2, 5, 4)
    assert torch.equal(inner["h"], out)
    assert_close(inner["o"] * torch.tanh(inner["c"]), out, what="h = o * tanh(c)")
    c_prev = torch.cat([torch.zeros(2, 1, 4, dtype=torch.float64), inner["c"][:, :-1]], dim=1)
    assert_close(inner["f"] * c_prev + inner["i"] * inner["g"], inner["c"], what="c = f c' + i g")


def test_names_in_a_model_and_padding(gen):
    model = torch.nn.Sequential(ts.Bidirectional(ts.GRU(3, 4, return_sequences=True)), ts.SimpleRNN(8, 2))
    x = torch.randn(2, 5, 3, generator=gen)
    with ts.record_internals(model) as internals:
        model(x)
    assert set(internals) == {"0.forward_layer", "0.backward_layer", "1"}
    assert set(internals["1"]) == {"a", "h"}
    layer = ts.GRU(3, 4)
    _, inner = ts.trace(layer, x, lengths=[5, 2])
    assert torch.count_nonzero(inner["z"][1, 2:]) == 0 and torch.count_nonzero(inner["z"][1, :2]) > 0
    out, nested = ts.trace(ts.Bidirectional(ts.GRU(3, 4)), x)
    assert set(nested) == {"forward_layer", "backward_layer"}


def test_recording_stops_after_the_block(gen):
    layer = ts.LSTM(3, 4)
    x = torch.randn(2, 5, 3, generator=gen)
    with ts.record_internals(layer) as internals:
        pass
    layer(x)
    assert internals == {} and layer._trace_sink is None
    with pytest.raises(ValueError, match="holds no torchseq recurrent layer"):
        with ts.record_internals(torch.nn.Linear(2, 2)):
            pass
