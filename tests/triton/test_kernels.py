"""The fused Triton kernels (LSTM, peephole LSTM, layer-norm LSTM, both GRU forms, SimpleRNN with and without
layer norm; tanh and relu) under Triton's interpreter, on CPU tensors: the layer through them equals the
readable path -- outputs, final states and every gradient, float64 within 1e-10 and float32 within 1e-5 -- for
every option, hidden sizes on both sides of the padded tile, partly filled batch tiles and both directions in
one launch; bfloat16 and float16 layers within their precision; gradcheck of each Function for every mask
layout; and which layers the dispatcher gives them."""
import copy

import pytest
import torch

import torchseq as ts
from tests.fast.test_fast_vs_reference import KINDS as FAST_KINDS, OPTIONS, _run_both, _state_like
from tests.tools import assert_close, randomize_
from tests.triton.conftest import interpreter_only
from torchseq.fast import choose, dispatch, use_backend
from torchseq.fast.triton_gru import TritonGRUResetAfterFunction, TritonGRUResetBeforeFunction
from torchseq.fast.triton_layer_norm_lstm import TritonLayerNormLSTMFunction
from torchseq.fast.triton_lstm import (KERNEL, MAX_HIDDEN, MAX_HIDDEN_LAYER_NORM, TritonLSTMFunction,
                                       TritonPeepholeLSTMFunction, launch_config)
from torchseq.fast.triton_simple_rnn import TritonLayerNormSimpleRNNFunction, TritonSimpleRNNFunction
from torchseq.layers.states import map_state, state_tensors

# Every cell of the fast path's tests: a Triton kernel takes each.
KINDS = dict(FAST_KINDS)
JOINING = [k for k in KINDS if k not in ("peephole_lstm", "layer_norm_lstm", "simple_layer_norm",
                                         "simple_layer_norm_relu")]


def _compare(layer, x, gen, dtype, lengths=None, given_state=False):
    h0 = _state_like(layer, x, gen) if given_state else None
    with use_backend("triton"):
        (fast, fast_grads), (ref, ref_grads) = _run_both(layer, x, gen, lengths, h0)
    for k, (a, b) in enumerate(zip(fast + list(fast_grads), ref + list(ref_grads))):
        assert_close(a, b, dtype, f"tensor {k}")


# Every option for one cell of each kernel family (the kernels share one code path per option); the plain call
# and every option at once for the others.
FULL = ("simple_tanh", "lstm", "gru_reset_before", "gru_reset_after")
CASES = [(kind, option) for kind in FULL for option in OPTIONS] + \
        [(kind, option) for kind in KINDS if kind not in FULL for option in ("plain", "everything")]


@interpreter_only
@pytest.mark.parametrize("kind, option", CASES)
def test_layer_equals_the_readable_path_float64(kind, option, gen, launches):
    opts = dict(OPTIONS[option])
    lengths, given_state = opts.pop("lengths", None), opts.pop("initial_state", False)
    layer = randomize_(KINDS[kind](4, 5, return_sequences=True, return_state=True, dtype=torch.float64, generator=7,
                                   **opts), generator=gen).train()
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    _compare(layer, x, gen, torch.float64, lengths, given_state)
    assert [d for d, _ in launches] == [1], "the Triton kernel did not run"


@interpreter_only
@pytest.mark.parametrize("kind", ["lstm", "gru_reset_after"])
@pytest.mark.parametrize("N, H", [(1, 1), (17, 16), (40, 17), (5, 33), (3, MAX_HIDDEN)])
def test_sizes_and_partly_filled_tiles(N, H, kind, gen, launches):
    """Hidden sizes below, at and above a power of two (padded units stay zero) and batch tiles left partly
    empty (17 samples in two tiles of 16, 40 in three)."""
    layer = randomize_(KINDS[kind](3, H, return_sequences=True, return_state=True, dtype=torch.float64,
                                   recurrent_dropout=0.3, generator=3), generator=gen).train()
    x = torch.randn(N, 4, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    lengths = torch.randint(1, 5, (N,), generator=gen).tolist()
    _compare(layer, x, gen, torch.float64, lengths, given_state=True)
    assert [d for d, _ in launches] == [1]


@interpreter_only
@pytest.mark.parametrize("N, H", [(40, 17), (3, MAX_HIDDEN_LAYER_NORM)])
def test_layer_norm_lstm_tiles(N, H, gen, launches):
    """The layer-norm LSTM's 32-unit tile, partly filled in units (17 of 32; the norms' statistics over the real
    ones) and in samples (40 in three tiles of 16)."""
    layer = randomize_(KINDS["layer_norm_lstm"](3, H, return_sequences=True, return_state=True, dtype=torch.float64,
                                                recurrent_dropout=0.3, generator=3), generator=gen).train()
    x = torch.randn(N, 4, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    lengths = torch.randint(1, 5, (N,), generator=gen).tolist()
    _compare(layer, x, gen, torch.float64, lengths, given_state=True)
    assert launches == [(1, "TritonLayerNormLSTMFunction")]


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "layer_norm_lstm"])
def test_float32_within_1e_5(kind, gen, launches, device):
    layer = KINDS[kind](8, 16, return_sequences=True, return_state=True, dropout=0.2, recurrent_dropout=0.2,
                        generator=3).train().to(device)
    x = torch.randn(4, 30, 8, generator=gen).to(device).requires_grad_()
    _compare(layer, x, gen, torch.float32, lengths=[30, 11, 1, 29])
    assert [d for d, _ in launches] == [1]


def _outputs_and_grads(layer, x, h0, lengths, half):
    """The layer's outputs, final state and the gradients of sum(w * tensor) over them w.r.t. x, h0 and every
    parameter, the weights w the same in every dtype (drawn in float64, rounded to ``half``); the masks drawn
    afresh from the layer's reseeded generator."""
    layer.generator.manual_seed(99)
    y, state = layer(x, initial_state=h0, lengths=lengths)
    tensors = [y, *state_tensors(state)]
    draw = torch.Generator().manual_seed(5)
    loss = sum((t * torch.randn(t.shape, generator=draw, dtype=torch.float64).to(half).to(t)).sum() for t in tensors)
    return tensors + list(torch.autograd.grad(loss, [x, *state_tensors(h0), *layer.parameters()]))


TOLERANCE = {torch.bfloat16: 2e-2, torch.float16: 3e-3, torch.float32: 1e-5}   # of the largest entry, per tensor


@pytest.mark.parametrize("kind, dtype", [(kind, torch.bfloat16) for kind in KINDS] + [
    (kind, torch.float16) for kind in ("simple_relu", "lstm", "layer_norm_lstm", "gru_reset_after")])
def test_16_bit_inputs_within_their_precision(kind, dtype, gen, launches, device):
    check_against_float64(KINDS[kind], dtype, gen, device)
    assert [d for d, _ in launches] == [1], "the Triton kernel did not run"


def test_float32_layer_norm_lstm_as_exact_as_the_eager_loop(gen, launches, device):
    """The layer-norm LSTM's gradients lose more to float32 rounding (both norms' backward subtract means):
    every path, readable, eager or Triton, is some 5e-5 from float64 at 12 steps, so the kernel is held to the
    float64 bound below rather than to 1e-5 from another float32 path."""
    check_against_float64(KINDS["layer_norm_lstm"], torch.float32, gen, device)
    assert [d for d, _ in launches] == [1], "the Triton kernel did not run"


def check_against_float64(make, dtype, gen, device):
    """A layer in ``dtype`` through the kernels (16-bit ones widened to float32 inside) against the readable path
    in float64 on the same rounded weights, inputs and masks: every output and gradient within the type's
    tolerance of its largest entry, or at most 1.5x the eager loop's error in the same type (relu's kink flips
    with rounding)."""
    layer = randomize_(make(6, 16, return_sequences=True, return_state=True, recurrent_dropout=0.3,
                                   generator=3), generator=gen).train()
    x = torch.randn(5, 12, 6, generator=gen)
    h0 = _state_like(layer, x, gen)
    lengths = [12, 7, 1, 12, 3]
    half, wide = copy.deepcopy(layer).to(device, dtype), copy.deepcopy(layer).to(device, torch.float64)

    def leaf(t, like):
        return t.detach().to(device, like).requires_grad_()

    with use_backend("triton"):
        fast = _outputs_and_grads(half, leaf(x, dtype), map_state(lambda z: leaf(z, dtype), h0),
                                  lengths, dtype)
    with ts.use_reference_path():
        exact = _outputs_and_grads(wide, leaf(x.to(dtype), torch.float64),
                                   map_state(lambda z: leaf(z.to(dtype), torch.float64), h0), lengths, dtype)
    with use_backend("eager"):
        eager = _outputs_and_grads(copy.deepcopy(layer).to(device, dtype), leaf(x, dtype),
                                   map_state(lambda z: leaf(z, dtype), h0), lengths, dtype)
    for k, (a, e, b) in enumerate(zip(fast, eager, exact)):
        assert a.dtype == dtype, f"tensor {k} is {a.dtype}"
        error, eager_error = (a.double() - b).abs().max().item(), (e.double() - b).abs().max().item()
        bound = max(TOLERANCE[dtype] * b.abs().max().item(), 1.5 * eager_error)
        assert error <= bound, f"tensor {k}: error {error:.3g}, eager loop's {eager_error:.3g}, bound {bound:.3g}"


@interpreter_only
@pytest.mark.parametrize("merge_mode", ["concat", "sum"])
@pytest.mark.parametrize("kind", JOINING)
def test_both_directions_in_one_launch(kind, merge_mode, gen, launches, monkeypatch):
    monkeypatch.setattr(dispatch, "JOINED_DIRECTION_DEVICES", {"cuda", "cpu"})
    layer = randomize_(ts.Bidirectional(KINDS[kind](4, 5, return_sequences=True, return_state=True,
                                                    dtype=torch.float64, recurrent_dropout=0.3, per_gate_masks=False,
                                                    weight_dropout=0.2, generator=7), merge_mode=merge_mode),
                       generator=gen).train()
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    _compare(layer, x, gen, torch.float64, lengths=[6, 2, 5], given_state=True)
    assert [d for d, _ in launches] == [2]


def _leaf(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).mul_(0.7).requires_grad_()


@interpreter_only
@pytest.mark.parametrize("gates", [None, 1, 4])
@pytest.mark.parametrize("last", [None, [3, 0, 2]])
def test_gradcheck_lstm(gates, last, gen):
    L, N, H = 4, 3, 2
    mask = None if gates is None else (torch.rand(gates, N, H, generator=gen, dtype=torch.float64) > 0.3) / 0.7
    args = (_leaf(L, N, 4 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(N, H, gen=gen), _leaf(4 * H, H, gen=gen),
            None if mask is None else mask.double(), None if last is None else torch.tensor(last))
    assert torch.autograd.gradcheck(TritonLSTMFunction.apply, args, fast_mode=True)   # the layer tests compare every entry


@interpreter_only
@pytest.mark.parametrize("gates", [None, 1, 4])
@pytest.mark.parametrize("last", [None, [3, 0, 2]])
def test_gradcheck_peephole(gates, last, gen):
    L, N, H = 4, 3, 2
    mask = None if gates is None else ((torch.rand(gates, N, H, generator=gen) > 0.3) / 0.7).double()
    args = (_leaf(L, N, 4 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(N, H, gen=gen), _leaf(4 * H, H, gen=gen),
            _leaf(H, gen=gen), _leaf(H, gen=gen), _leaf(H, gen=gen), mask, None if last is None else torch.tensor(last))
    assert torch.autograd.gradcheck(TritonPeepholeLSTMFunction.apply, args, fast_mode=True)


@interpreter_only
@pytest.mark.parametrize("gates, last", [(None, None), (4, [3, 0, 2])])
def test_gradcheck_layer_norm_lstm(gates, last, gen):
    """Over H + 1 = 3 units, so that both norms' statistics have more than two entries."""
    L, N, H = 4, 3, 3
    mask = None if gates is None else ((torch.rand(gates, N, H, generator=gen) > 0.3) / 0.7).double()
    args = (_leaf(L, N, 4 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(N, H, gen=gen), _leaf(4 * H, H, gen=gen),
            _leaf(4 * H, gen=gen), _leaf(H, gen=gen), _leaf(H, gen=gen), 1e-3, mask,
            None if last is None else torch.tensor(last))
    assert torch.autograd.gradcheck(TritonLayerNormLSTMFunction.apply, args, fast_mode=True)


@interpreter_only
@pytest.mark.parametrize("gates", [None, 1, 3])
@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_gru(gates, relu, gen):
    L, N, H = 4, 3, 2
    mask = None if gates is None else ((torch.rand(gates, N, H, generator=gen) > 0.3) / 0.7).double()
    xp, h0, w = _leaf(L, N, 3 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(3 * H, H, gen=gen)
    if relu:
        xp = (xp + 0.1).detach().requires_grad_()                                  # away from relu's kink
    assert torch.autograd.gradcheck(TritonGRUResetAfterFunction.apply, (xp, h0, w, _leaf(3 * H, gen=gen), mask, relu),
                                    fast_mode=True)
    assert torch.autograd.gradcheck(TritonGRUResetBeforeFunction.apply, (xp, h0, w, mask, relu), fast_mode=True)


@interpreter_only
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_simple_rnn(shared, relu, gen):
    L, N, H = 4, 3, 2
    mask = ((torch.rand(1, N, H, generator=gen) > 0.3) / 0.7).double() if shared else None
    xp = (_leaf(L, N, H, gen=gen) + (0.1 if relu else 0.0)).detach().requires_grad_()
    args = (xp, _leaf(N, H, gen=gen), _leaf(H, H, gen=gen), mask, relu)
    assert torch.autograd.gradcheck(TritonSimpleRNNFunction.apply, args, fast_mode=True)
    norm = (_leaf(H + 1, gen=gen), _leaf(H + 1, gen=gen))                            # gain, shift over H + 1 units
    xp, h0, w = _leaf(L, N, H + 1, gen=gen), _leaf(N, H + 1, gen=gen), _leaf(H + 1, H + 1, gen=gen)
    mask = None if mask is None else torch.ones(1, N, H + 1, dtype=torch.float64) / 0.7
    assert torch.autograd.gradcheck(TritonLayerNormSimpleRNNFunction.apply, (xp, h0, w, *norm, mask, relu, 1e-3),
                                    fast_mode=True)


@interpreter_only
def test_which_layers_take_the_triton_kernel():
    lstm = ts.LSTM(3, 8)
    assert choose(lstm)[0] is not KERNEL                                          # CPU, "auto": the eager loop
    with use_backend("triton"):
        assert choose(lstm)[0] is KERNEL
        assert "kernel torchseq.fast.triton_lstm.TritonLSTMFunction" in ts.explain(lstm)
        assert choose(ts.LSTM(3, MAX_HIDDEN + 1))[0] is not KERNEL                 # W_h does not fit on chip
        assert choose(ts.PeepholeLSTM(3, 32))[0].function is TritonPeepholeLSTMFunction
        assert choose(ts.PeepholeLSTM(3, 33))[0].function is not TritonPeepholeLSTMFunction   # its tiles spill
        with use_backend("eager"):
            assert choose(lstm)[0] is not KERNEL
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert choose(lstm)[0] is not KERNEL                                  # autocast runs the eager loop
        assert choose(ts.LSTM(3, 8).to(torch.bfloat16))[0] is KERNEL              # a bf16 layer runs the kernel
        assert choose(ts.SimpleRNN(3, 8, layer_norm=True))[0].function is TritonLayerNormSimpleRNNFunction
        assert choose(ts.LayerNormLSTM(3, 8))[0].function is TritonLayerNormLSTMFunction
        assert choose(ts.LayerNormLSTM(3, MAX_HIDDEN_LAYER_NORM + 1))[0].function.__name__ == "LayerNormLSTMFunction"
    with pytest.raises(ValueError, match=r"backend must be one of \('auto', 'triton', 'eager'\), got 'cuda'"):
        with use_backend("cuda"):
            pass


def test_launch_config():
    assert launch_config(1) == (16, 16, 8)
    assert launch_config(32) == (16, 32, 4)
    assert launch_config(33) == (16, 64, 8)
    assert launch_config(17, peephole=True) == (16, 32, 4)
    assert launch_config(16, layer_norm=True) == (32, 16, 8)                       # its 16 x 16 backward spills
    assert launch_config(17, layer_norm=True) == (16, 32, 4)
    with pytest.raises(ValueError, match=f"take 1 to {MAX_HIDDEN} hidden units, got 65"):
        launch_config(65)
    with pytest.raises(ValueError, match="peephole kernels take 1 to 32 hidden units, got 33"):
        launch_config(33, peephole=True)
    with pytest.raises(ValueError, match="layer-norm LSTM kernels take 1 to 32 hidden units, got 33"):
        launch_config(33, layer_norm=True)
