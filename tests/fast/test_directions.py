"""Both halves of a Bidirectional layer in one step loop (torchseq.fast.dispatch.run_directions with
DirectionProduct): gradcheck of the kernels with D = 2 stacked directions, the fused layer equal to the readable
path in float64 for every cell kind and option that runs fused, which layers run fused and which fall back."""
import pytest
import torch

import torchseq as ts
from tests.fast.test_fast_vs_reference import _run_both, _state_like
from tests.tools import assert_close, randomize_
from torchseq.fast import dispatch
from torchseq.fast.dispatch import joins_directions
from torchseq.fast.gru import GRUResetAfterFunction, GRUResetBeforeFunction
from torchseq.fast.lstm import LSTMFunction
from torchseq.fast.product import DirectionProduct
from torchseq.fast.simple_rnn import SimpleRNNFunction

L, N, H, D = 4, 3, 2, 2


def _leaf(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).mul_(0.7).requires_grad_()


def _mask(shared, gen):
    return (torch.rand(1, D * N, H, generator=gen, dtype=torch.float64) > 0.3).double() / 0.7 if shared else None


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("last", [None, [3, 0, 2, 1, 3, 2]])
def test_gradcheck_lstm_two_directions(shared, last, gen):
    args = (_leaf(L, D * N, 4 * H, gen=gen), _leaf(D * N, H, gen=gen), _leaf(D * N, H, gen=gen),
            _leaf(D, 4 * H, H, gen=gen), _mask(shared, gen), None if last is None else torch.tensor(last))
    assert torch.autograd.gradcheck(LSTMFunction.apply, args)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("shared", [False, True])
def test_gradcheck_gru_and_simple_rnn_two_directions(shared, relu, gen):
    xp, h0, w = _leaf(L, D * N, 3 * H, gen=gen), _leaf(D * N, H, gen=gen), _leaf(D, 3 * H, H, gen=gen)
    m = _mask(shared, gen)
    bias_rows = _leaf(D * N, 3 * H, gen=gen)                                      # b_h, one row per sample
    assert torch.autograd.gradcheck(GRUResetAfterFunction.apply, (xp, h0, w, bias_rows, m, relu))
    assert torch.autograd.gradcheck(GRUResetBeforeFunction.apply, (xp, h0, w, m, relu))
    xs = (_leaf(L, D * N, H, gen=gen) + (0.05 if relu else 0.0)).detach().requires_grad_()
    assert torch.autograd.gradcheck(SimpleRNNFunction.apply, (xs, h0, _leaf(D, H, H, gen=gen), m, relu))


def test_direction_product_is_one_product_per_direction(gen):
    w, h, da = _leaf(D, 4 * H, H, gen=gen), _leaf(D * N, H, gen=gen), _leaf(D * N, 4 * H, gen=gen)
    m = _mask(True, gen)
    product = DirectionProduct(w, m)
    for d in range(D):
        rows = slice(d * N, (d + 1) * N)
        assert_close(product.accumulate(torch.zeros(D * N, 4 * H, dtype=torch.float64), h)[rows],
                     (h[rows] * m[0, rows]) @ w[d].T, what=f"forward, direction {d}")
        assert_close(product.back(da)[rows], m[0, rows] * (da[rows] @ w[d]), what=f"backward, direction {d}")
    das, hs = _leaf(L, D * N, 4 * H, gen=gen), _leaf(L, D * N, H, gen=gen)
    expected = torch.stack([sum(das[t, d * N:(d + 1) * N].T @ (hs[t] * m[0])[d * N:(d + 1) * N] for t in range(L))
                            for d in range(D)])
    assert_close(product.weight_grad(das, hs), expected, what="weight gradient")
    with pytest.raises(ValueError, match=r"mask shared by the gates \(1, D\*N, H\); got W \(2, 8, 2\), mask \(4, 6, 2\)"):
        DirectionProduct(w, torch.ones(4, D * N, H))


KINDS = {
    "lstm": lambda F, H, **o: ts.LSTM(F, H, **o),
    "gru_reset_before": lambda F, H, **o: ts.GRU(F, H, **o),
    "gru_reset_after": lambda F, H, **o: ts.GRU(F, H, reset_after=True, **o),
    "gru_relu": lambda F, H, **o: ts.GRU(F, H, activation="relu", **o),
    "simple_tanh": lambda F, H, **o: ts.SimpleRNN(F, H, **o),
    "simple_relu": lambda F, H, **o: ts.SimpleRNN(F, H, activation="relu", **o),
}
OPTIONS = {
    "plain": {},
    "initial_state": {"initial_state": True},
    "lengths": {"lengths": [6, 2, 5]},
    "dropout_shared": {"dropout": 0.3, "recurrent_dropout": 0.4, "per_gate_masks": False},
    "weight_dropout": {"weight_dropout": 0.3},
    "everything": {"dropout": 0.2, "recurrent_dropout": 0.3, "per_gate_masks": False, "weight_dropout": 0.2,
                   "lengths": [4, 6, 2], "initial_state": True},
}


@pytest.fixture(autouse=True)
def joined_on_cpu(monkeypatch):
    """The joined loop is the default on CUDA only (dispatch.JOINED_DIRECTION_DEVICES); these tests run it on
    the CPU."""
    monkeypatch.setattr(dispatch, "JOINED_DIRECTION_DEVICES", {"cuda", "cpu"})


@pytest.fixture
def fused_calls(monkeypatch):
    """How many cells each joined call of run_kernel inside Bidirectional ran together."""
    calls = []
    original = dispatch.run_kernel

    def spy(kernel, cells, *args):
        if len(cells) > 1:
            calls.append(len(cells))
        return original(kernel, cells, *args)

    monkeypatch.setattr(dispatch, "run_kernel", spy)
    return calls


@pytest.mark.parametrize("merge_mode", ["concat", "sum"])
@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_fused_bidirectional_equals_reference(kind, option, merge_mode, gen, fused_calls):
    opts = dict(OPTIONS[option])
    lengths = opts.pop("lengths", None)
    given_state = opts.pop("initial_state", False)
    layer = ts.Bidirectional(KINDS[kind](4, 5, return_sequences=True, return_state=True, dtype=torch.float64,
                                         generator=7, **opts), merge_mode=merge_mode)
    randomize_(layer, generator=gen)
    layer.train()
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    h0 = _state_like(layer, x, gen) if given_state else None
    (fast, fast_grads), (ref, ref_grads) = _run_both(layer, x, gen, lengths, h0)
    assert fused_calls == [2], "the two halves did not share one loop"
    for k, (a, b) in enumerate(zip(fast + list(fast_grads), ref + list(ref_grads))):
        assert_close(a, b, torch.float64, f"{kind}/{option}/{merge_mode} tensor {k}")


def test_halves_with_different_dropout_share_the_loop(gen, fused_calls):
    """An explicit backward layer without recurrent dropout: its rows of the joined mask are ones."""
    forward = ts.LSTM(3, 4, return_sequences=True, recurrent_dropout=0.5, per_gate_masks=False, generator=1,
                      dtype=torch.float64)
    backward = ts.LSTM(3, 4, return_sequences=True, go_backwards=True, dtype=torch.float64)
    layer = randomize_(ts.Bidirectional(forward, backward_layer=backward), generator=gen).train()
    x = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    (fast, fast_grads), (ref, ref_grads) = _run_both(layer, x, gen, lengths=[5, 3])
    assert fused_calls == [2]
    for a, b in zip(fast + list(fast_grads), ref + list(ref_grads)):
        assert_close(a, b, torch.float64, "mixed dropout")


@pytest.mark.parametrize("make, reason", [
    (lambda: ts.Bidirectional(ts.LSTM(3, 4, recurrent_dropout=0.3)), "one recurrent mask per gate"),
    (lambda: ts.Bidirectional(ts.PeepholeLSTM(3, 4)), "peephole cells"),
    (lambda: ts.Bidirectional(ts.LayerNormLSTM(3, 4)), "layer-norm LSTM cells"),
    (lambda: ts.Bidirectional(ts.SimpleRNN(3, 4, layer_norm=True)), "layer-norm SimpleRNN cells"),
    (lambda: ts.Bidirectional(ts.LSTM(3, 4), backward_layer=ts.LSTM(3, 6, go_backwards=True)), "different sizes"),
    (lambda: ts.Bidirectional(ts.GRU(3, 4), backward_layer=ts.GRU(3, 4, reset_after=True, go_backwards=True)),
     "different GRU forms"),
    (lambda: ts.Bidirectional(ts.LSTM(3, 4), backward_layer=ts.GRU(3, 4, go_backwards=True)), "different cells"),
])
def test_what_keeps_one_loop_per_direction(make, reason, gen):
    layer = make().train()
    x = torch.randn(2, 5, 3, generator=gen)
    assert not joins_directions((layer.forward_layer, layer.backward_layer)), reason
    layer(x)                                                                      # and still runs, one loop each


def test_zoneout_and_the_reference_switch_keep_one_loop_per_direction(gen, fused_calls):
    x = torch.randn(2, 5, 3, generator=gen)
    ts.Bidirectional(ts.LSTM(3, 4, zoneout=0.1)).train()(x)
    with ts.use_reference_path():
        ts.Bidirectional(ts.LSTM(3, 4))(x)
    assert fused_calls == []
    ts.Bidirectional(ts.LSTM(3, 4))(x)
    assert fused_calls == [2]


def test_fused_halves_under_bf16_autocast(gen, fused_calls, monkeypatch):
    """Under autocast the joined loop runs in bf16 as each half's own loop does, to bf16 rounding."""
    layer = ts.Bidirectional(ts.GRU(3, 8, reset_after=True, return_sequences=True)).train()
    x = torch.randn(4, 9, 3, generator=gen)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fused = layer(x)
        monkeypatch.setattr(dispatch, "_joined_kernel", lambda layers: None)
        separate = layer(x)
    assert fused_calls == [2] and fused.dtype == separate.dtype == torch.bfloat16
    torch.testing.assert_close(fused.float(), separate.float(), rtol=2e-2, atol=2e-2)


def test_on_the_cpu_by_default_one_loop_per_direction(gen, fused_calls, monkeypatch):
    monkeypatch.setattr(dispatch, "JOINED_DIRECTION_DEVICES", {"cuda"})
    layer = ts.Bidirectional(ts.LSTM(3, 4))
    x = torch.randn(2, 5, 3, generator=gen)
    assert not joins_directions((layer.forward_layer, layer.backward_layer))
    layer(x)
    assert fused_calls == []
