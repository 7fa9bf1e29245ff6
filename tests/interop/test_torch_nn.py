"""from_torch / to_torch: structure, round trips and the refusals that say why."""
import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.interop import from_torch, state_from_torch, state_to_torch, to_torch
from tests.tools import assert_close, randomize_


@pytest.mark.parametrize("module,expected", [
    (nn.LSTM(3, 4, batch_first=True), ts.LSTM),
    (nn.GRU(3, 4, bidirectional=True), ts.Bidirectional),
    (nn.RNN(3, 4, num_layers=3, nonlinearity="relu"), ts.Stacked),
    (nn.LSTMCell(3, 4), ts.LSTMCell),
    (nn.GRUCell(3, 4), ts.GRUCell),
    (nn.RNNCell(3, 4, nonlinearity="relu"), ts.SimpleRNNCell),
])
def test_from_torch_structure(module, expected):
    ours = from_torch(module)
    assert type(ours) is expected
    assert sum(p.numel() for p in ours.parameters()) <= sum(p.numel() for p in module.parameters())
    if isinstance(module, nn.RNNBase):
        assert ours.return_sequences and ours.return_state


def test_from_torch_keeps_dtype_and_device_and_folds_biases():
    m = nn.LSTM(3, 4, dtype=torch.float64)
    ours = from_torch(m)
    assert ours.cell.weight_ih.dtype == torch.float64
    assert_close(ours.cell.bias, m.bias_ih_l0 + m.bias_hh_l0, what="folded bias")
    assert ours.cell.weight_ih.data_ptr() != m.weight_ih_l0.data_ptr()   # copied, not shared
    gru = from_torch(nn.GRU(3, 4))
    assert gru.cell.reset_after


@pytest.mark.parametrize("build", [
    lambda: ts.LSTM(3, 4, dtype=torch.float64),
    lambda: ts.SimpleRNN(3, 4, activation="relu", dtype=torch.float64),
    lambda: ts.Bidirectional(ts.GRU(3, 4, reset_after=True, return_sequences=True, dtype=torch.float64)),
    lambda: ts.Stacked(ts.Bidirectional(ts.LSTM(3, 4, return_sequences=True, dtype=torch.float64)),
                       ts.Bidirectional(ts.LSTM(8, 4, dtype=torch.float64))),
])
def test_to_torch_computes_the_same(build, gen):
    ours = randomize_(build(), generator=gen)
    reference = to_torch(ours)
    assert reference.batch_first
    x = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    ours_seq = from_torch(reference)                                  # and back again
    out_ref, hn = reference(x)
    out, state = ours_seq(x)
    assert_close(out, out_ref, what="round trip outputs")
    for a, b in zip(*(s if isinstance(s, tuple) else (s,) for s in (state_to_torch(ours_seq, state), hn))):
        assert_close(a, b, what="round trip state")
    top = ours.layers[-1] if isinstance(ours, ts.Stacked) else ours
    (top.forward_layer if isinstance(top, ts.Bidirectional) else top).return_sequences = True
    assert_close(ours(x), out_ref, what="original vs torch")


def test_cells_round_trip(gen):
    for cell in (ts.SimpleRNNCell(3, 4, dtype=torch.float64), ts.LSTMCell(3, 4, dtype=torch.float64),
                 ts.GRUCell(3, 4, reset_after=True, dtype=torch.float64)):
        randomize_(cell, generator=gen)
        x = torch.randn(2, 3, generator=gen, dtype=torch.float64)
        want = to_torch(cell)(x)
        got = cell(x)[1]
        for a, b in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            assert_close(a, b, what=type(cell).__name__)


@pytest.mark.parametrize("module,message", [
    (ts.GRU(3, 4), "reset-before GRU .* has no torch.nn counterpart"),
    (ts.GRUCell(3, 4), "reset-before GRU"),
    (ts.GRU(3, 4, reset_after=True, activation="relu"), "candidate is tanh only; this GRU has activation='relu'"),
    (ts.PeepholeLSTM(3, 4), "no peephole connections"),
    (ts.LayerNormLSTMCell(3, 4), "torch.nn.LSTM has no layer normalisation"),
    (ts.SimpleRNN(3, 4, layer_norm=True), "torch.nn.RNN has no layer normalisation"),
    (ts.LSTM(3, 4, go_backwards=True), "no layer that reads only backward"),
    (ts.Bidirectional(ts.LSTM(3, 4), merge_mode="sum"), "merge_mode='sum' cannot be expressed"),
    (ts.Stacked(ts.LSTM(3, 4, return_sequences=True), ts.GRU(4, 4, reset_after=True)), "one cell type"),
    (ts.Stacked(ts.LSTM(3, 4, return_sequences=True), ts.LSTM(4, 5)), "one cell type, activation and hidden size"),
    (ts.Stacked(ts.Bidirectional(ts.LSTM(3, 4, return_sequences=True)), ts.LSTM(8, 4)), "bidirectional or none"),
])
def test_to_torch_refuses_with_reason(module, message):
    with pytest.raises(ValueError, match=message):
        to_torch(module)


def test_bad_from_torch():
    with pytest.raises(TypeError, match=r"module must be one of nn.RNN, .* \(from_torch's inputs\); got Linear"):
        from_torch(nn.Linear(3, 4))
    with pytest.raises(ValueError, match=r"LSTM\(bias=False\) has no torchseq counterpart"):
        from_torch(nn.LSTM(3, 4, bias=False))
    with pytest.raises(ValueError, match=r"proj_size=2"):
        from_torch(nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(TypeError, match=r"module must be a torchseq cell, recurrent layer, Conv1D or pool \(to_torch's inputs\); got Linear"):
        to_torch(nn.Linear(3, 4))


def test_state_conversion_round_trip(gen):
    ours = from_torch(nn.LSTM(3, 4, num_layers=2, bidirectional=True))
    h = torch.randn(4, 2, 4, generator=gen)
    c = torch.randn(4, 2, 4, generator=gen)
    state = state_from_torch(ours, (h, c))
    assert isinstance(state, list) and len(state) == 2 and len(state[0]) == 2
    assert torch.equal(state[1][0][1], c[2])                          # layer 1, forward, c
    h2, c2 = state_to_torch(ours, state)
    assert torch.equal(h2, h) and torch.equal(c2, c)
    with pytest.raises(ValueError, match=r"hx must be a tensor \(layers\*directions, N, H\) with 4 slices, got \(2, 2, 4\)"):
        state_from_torch(ours, (h[:2], c))


def test_inter_layer_dropout_both_ways():
    with pytest.warns(UserWarning, match=r"GRU\(dropout=0.5\) becomes variational dropout between the layers"):
        ours = from_torch(nn.GRU(3, 4, num_layers=2, dropout=0.5))
    assert isinstance(ours, ts.Stacked) and ours.dropout == 0.5
    with pytest.warns(UserWarning, match="the stack's variational dropout \\(0.5\\) becomes torch.nn's"):
        back = to_torch(ours)
    assert back.dropout == 0.5
    ours.eval()
    back.eval()
    x = torch.randn(2, 5, 3)
    assert_close(ours(x)[0], back(x)[0], torch.float32, "eval mode is the same")


@pytest.mark.parametrize("option", [{"dropout": 0.1}, {"recurrent_dropout": 0.2}, {"weight_dropout": 0.3},
                                    {"zoneout": 0.1}])
def test_to_torch_refuses_layer_regularisers(option):
    name = next(iter(option))
    with pytest.raises(ValueError, match=f"torch.nn's recurrent layers have no {name}=.*set them to 0"):
        to_torch(ts.LSTM(3, 4, **option))
    with pytest.raises(ValueError, match=f"no {name}="):
        to_torch(ts.Bidirectional(ts.GRU(3, 4, reset_after=True, **option)))
