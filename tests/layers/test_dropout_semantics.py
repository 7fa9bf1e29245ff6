"""Variational dropout in the recurrent layers: the masks the runner draws are the masks the equations use
(checked against the NumPy reference applying them explicitly, as Keras' implementation 1 does), and
they have the structure Gal & Ghahramani prescribe."""
import pytest
import torch

import torchseq as ts
from torchseq.testing import reference as ref
from tests.reference.cases import CELLS
from tests.tools import assert_close, params_numpy, per_sample_states, randomize_, stack_finals

N, L, F, H = 4, 5, 3, 6
LENGTHS = [5, 2, 4, 1]
P_IN, P_REC = 0.4, 0.3


def make(name, gen, **options):
    make_cell, _ = CELLS[name]
    cell = randomize_(make_cell(F, H, dtype=torch.float64), generator=gen)
    return ts.RNN(cell, return_sequences=True, return_state=True, generator=1, **options)


def run_and_record(layer, x, lengths=None):
    with ts.record_internals(layer) as internals:
        out, state = layer(x, lengths=lengths)
    return out, state, internals[""]


def reference(layer, name, x, inner, lengths=None, params=None, zoneout=None, keep=None):
    return ref.run(CELLS[name][1], params or params_numpy(layer.cell), x.numpy(),
                   per_sample_states(layer.cell.zero_state(x)), lengths, layer.go_backwards,
                   mx=inner["input_mask"].numpy() if "input_mask" in inner else None,
                   mh=inner["recurrent_mask"].numpy() if "recurrent_mask" in inner else None,
                   zoneout=zoneout, keep=keep)


def assert_matches(out, state, want_out, finals):
    assert_close(out, want_out, what="outputs")
    want = stack_finals(finals)
    for a, b in zip(state if isinstance(state, tuple) else (state,), want if isinstance(want, tuple) else (want,)):
        assert_close(a, b, what="final state")


@pytest.mark.parametrize("variational", [True, False], ids=["variational", "naive"])
@pytest.mark.parametrize("per_gate", [True, False], ids=["per_gate", "shared"])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_masks_recorded_are_masks_applied(name, per_gate, variational, gen):
    layer = make(name, gen, dropout=P_IN, recurrent_dropout=P_REC, per_gate_masks=per_gate, variational=variational)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    out, state, inner = run_and_record(layer, x)
    G = len(layer.cell.gates) if per_gate else 1
    assert inner["input_mask"].shape == (G, N, L, F) and inner["recurrent_mask"].shape == (G, N, L, H)
    assert_matches(out, state, *reference(layer, name, x, inner)[:2])


@pytest.mark.parametrize("name", ["lstm", "gru_reset_before", "layer_norm_lstm"])
def test_ragged_backwards_with_dropout(name, gen):
    layer = make(name, gen, dropout=P_IN, recurrent_dropout=P_REC, go_backwards=True)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    out, state, inner = run_and_record(layer, x, LENGTHS)
    assert_matches(out, state, *reference(layer, name, x, inner, LENGTHS)[:2])


@pytest.mark.parametrize("name", ["lstm", "gru_reset_after", "simple_rnn_tanh"])
def test_dropconnect_is_one_weight_mask_per_call(name, gen):
    """DropConnect: the outputs are those of the cell with W_h * M / (1-p) for one M per call, and the
    gradient reaches only the kept entries of W_h."""
    p = 0.5
    layer = make(name, gen, weight_dropout=p)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    out, state = layer(x)
    out.sum().backward()
    grad = layer.cell.weight_hh.grad
    dropped = grad == 0
    assert 0.3 < dropped.double().mean() < 0.7                            # about p of the entries
    params = params_numpy(layer.cell)
    params["weight_hh"] = params["weight_hh"] * (~dropped).numpy() / (1 - p)
    inner = {}
    assert_matches(out, state, *reference(layer, name, x, inner, params=params)[:2])


def test_mask_structure(gen):
    """Same at every step, different across samples, units and gates, new at the next call, values
    0 or 1/(1-p)."""
    layer = make("lstm", gen, dropout=P_IN, recurrent_dropout=P_REC)
    x = torch.randn(16, L, F, generator=gen, dtype=torch.float64)
    _, _, first = run_and_record(layer, x)
    _, _, second = run_and_record(layer, x)
    for kind, p in (("input_mask", P_IN), ("recurrent_mask", P_REC)):
        m = first[kind]                                                    # (G, N, L, D)
        assert torch.equal(m, m[:, :, :1].expand_as(m)), "the mask must not change over time"
        values = set(m.unique().tolist())
        assert values == {0.0, 1 / (1 - p)}
        step = m[:, :, 0]                                                  # (G, N, D)
        assert not torch.equal(step[0], step[1]), "gates share a mask"
        assert not torch.equal(step[:, 0], step[:, 1]), "samples share a mask"
        assert not torch.equal(step[..., 0], step[..., 1]), "units share a mask"
        assert not torch.equal(m, second[kind]), "the next call must draw new masks"


def test_naive_masks_change_every_step(gen):
    layer = make("gru_reset_before", gen, dropout=P_IN, recurrent_dropout=P_REC, variational=False)
    _, _, inner = run_and_record(layer, torch.randn(8, L, F, generator=gen, dtype=torch.float64))
    m = inner["recurrent_mask"]
    assert not torch.equal(m[:, :, 0], m[:, :, 1])


@pytest.mark.parametrize("name", sorted(CELLS))
def test_eval_mode_and_zero_rates_are_the_identity(name, gen):
    layer = make(name, gen, dropout=0.5, recurrent_dropout=0.5, weight_dropout=0.5)
    plain = ts.RNN(layer.cell, return_sequences=True, return_state=True)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    layer.eval()
    assert torch.equal(layer(x)[0], plain(x)[0])
    layer.train()
    assert not torch.equal(layer(x)[0], plain(x)[0])
    zero = ts.RNN(layer.cell, return_sequences=True, dropout=0.0, recurrent_dropout=0.0)
    assert torch.equal(zero(x), plain(x)[0])
    with ts.record_internals(zero) as internals:
        zero(x)
    assert "input_mask" not in internals[""]


def test_gradients_flow_only_through_kept_inputs(gen):
    """With one mask shared by the gates, a dropped input feature gets no gradient at any step;
    with per-gate masks, only a feature dropped in every gate gets none."""
    x = torch.randn(32, L, F, generator=gen, dtype=torch.float64, requires_grad=True)
    for per_gate in (False, True):
        layer = make("lstm", gen, dropout=0.5, per_gate_masks=per_gate)
        with ts.record_internals(layer) as internals:
            out, _ = layer(x)
        g, = torch.autograd.grad(out.sum(), x)                            # (N, L, F)
        kept_any = (internals[""]["input_mask"][:, :, 0] > 0).any(dim=0)  # (N, F)
        assert (g.abs().sum(dim=1)[~kept_any] == 0).all()
        assert (g.abs().sum(dim=1)[kept_any] > 0).all()


def test_same_generator_seed_repeats_exactly(gen):
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    a = make("lstm", gen, dropout=P_IN, recurrent_dropout=P_REC)
    b = ts.RNN(a.cell, return_sequences=True, return_state=True, dropout=P_IN, recurrent_dropout=P_REC, generator=1)
    assert torch.equal(a(x)[0], b(x)[0])
    torch.manual_seed(5)
    c = ts.RNN(a.cell, return_sequences=True, dropout=P_IN)
    first = c(x)
    torch.manual_seed(5)
    assert torch.equal(c(x), first), "with the global generator, torch.manual_seed repeats a run"


def test_bidirectional_halves_draw_different_masks(gen):
    bi = ts.Bidirectional(ts.GRU(F, H, return_sequences=True, dropout=0.5, recurrent_dropout=0.5, generator=3))
    assert bi.backward_layer.generator is bi.forward_layer.generator
    with ts.record_internals(bi) as internals:
        bi(torch.randn(N, L, F, generator=gen))
    assert not torch.equal(internals["forward_layer"]["input_mask"], internals["backward_layer"]["input_mask"])


@pytest.mark.parametrize("option,value", [("dropout", 1.0), ("recurrent_dropout", -0.1), ("weight_dropout", 1.5),
                                          ("zoneout", 1.0)])
def test_rates_outside_unit_interval(option, value):
    with pytest.raises(ValueError, match=rf"{option} must be in \[0, 1\), got {value}"):
        ts.LSTM(F, H, **{option: value})


def test_bad_regulariser_arguments():
    with pytest.raises(TypeError, match="dropout must be a float in \\[0, 1\\), got str '0.2'"):
        ts.GRU(F, H, dropout="0.2")
    with pytest.raises(TypeError, match=r"zoneout must be a rate in \[0, 1\) or one rate per state \(h, c\)"):
        ts.LSTM(F, H, zoneout=(0.1, 0.2, 0.3))
    with pytest.raises(TypeError, match="generator must be None, a torch.Generator or an int seed, got float"):
        ts.LSTM(F, H, generator=0.5)
    with pytest.raises(TypeError, match="masks must be a torchseq Masks"):
        ts.LSTMCell(F, H)(torch.zeros(2, F), masks={"input": None})
