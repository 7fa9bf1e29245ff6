"""The one-step Triton kernels (one launch a step, for W_h too large to keep on chip: LSTM, peephole LSTM, GRU
in torch.nn's reset-after form, SimpleRNN; tanh and relu) under Triton's interpreter: the layer through them
equals the readable path -- outputs, final states and every gradient, float64 within 1e-10, float32 within
1e-5, 16-bit within its precision -- for every option, at sizes that cross the kernels' unit tiles and chunks,
with partly filled tiles and both directions in one launch; gradcheck of the Functions; and which layers the
dispatcher gives them."""
import pytest
import torch

import torchseq as ts
from tests.fast.test_fast_vs_reference import KINDS as FAST_KINDS, OPTIONS
from tests.tools import randomize_
from tests.triton.conftest import interpreter_only
from tests.triton.test_kernels import _compare, _leaf, check_against_float64
from torchseq.fast import choose, dispatch, triton_lstm, use_backend
from torchseq.fast.triton_gru_steps import TritonGRUResetAfterStepsFunction
from torchseq.fast.triton_lstm_steps import STEP_TILE, TritonLSTMStepsFunction, TritonPeepholeLSTMStepsFunction
from torchseq.fast.triton_simple_rnn_steps import TritonSimpleRNNStepsFunction

GRU_STEPS, SIMPLE_STEPS = "TritonGRUResetAfterStepsFunction", "TritonSimpleRNNStepsFunction"
STEPS = {"lstm": "TritonLSTMStepsFunction", "peephole_lstm": "TritonPeepholeLSTMStepsFunction",
         "gru_reset_after": GRU_STEPS, "gru_reset_after_relu": GRU_STEPS, "simple_tanh": SIMPLE_STEPS,
         "simple_relu": SIMPLE_STEPS}
KINDS = {name: FAST_KINDS[name] for name in STEPS}
# Every option for the LSTM (the one-step kernels share their tiling, chunking and masking code); the plain call
# and every option at once for the others.
CASES = [("lstm", option) for option in OPTIONS] + \
        [(kind, option) for kind in ("peephole_lstm", "gru_reset_after", "gru_reset_after_relu", "simple_tanh",
                                     "simple_relu") for option in ("plain", "everything")]


@pytest.fixture
def small_chip(monkeypatch):
    """The persistent kernels' limit lowered to 4 units, so that small layers (fast under the interpreter) take
    the one-step kernels."""
    monkeypatch.setattr(triton_lstm, "MAX_HIDDEN", 4)
    monkeypatch.setattr(triton_lstm, "MAX_HIDDEN_PEEPHOLE", 4)


@interpreter_only
@pytest.mark.parametrize("kind, option", CASES)
def test_layer_equals_the_readable_path_float64(kind, option, gen, launches, small_chip):
    opts = dict(OPTIONS[option])
    lengths, given_state = opts.pop("lengths", None), opts.pop("initial_state", False)
    layer = randomize_(KINDS[kind](4, 5, return_sequences=True, return_state=True, dtype=torch.float64, generator=7,
                                   **opts), generator=gen).train()
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    _compare(layer, x, gen, torch.float64, lengths, given_state)
    assert launches == [(1, STEPS[kind])]


@interpreter_only
@pytest.mark.parametrize("kind", ["lstm", "gru_reset_after", "simple_tanh"])
def test_sizes_across_unit_tiles_and_chunks(kind, gen, launches):
    """H = 70 > 64 (the one-step kernels without any patch): several unit tiles and several chunks of h_{t-1}
    per product, the last ones partly filled, and 17 samples in two tiles of 16."""
    _, block_h, block_k, _ = STEP_TILE
    H = 2 * max(block_h, block_k) + 6
    layer = randomize_(KINDS[kind](3, H, return_sequences=True, return_state=True, dtype=torch.float64,
                                   recurrent_dropout=0.3, generator=3), generator=gen).train()
    x = torch.randn(17, 3, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    lengths = torch.randint(1, 4, (17,), generator=gen).tolist()
    _compare(layer, x, gen, torch.float64, lengths, given_state=True)
    assert launches == [(1, STEPS[kind])]


@pytest.mark.parametrize("kind", ["lstm", "gru_reset_after", "simple_relu"])
def test_float32_within_1e_5(kind, gen, launches, device, small_chip):
    layer = KINDS[kind](8, 16, return_sequences=True, return_state=True, dropout=0.2, recurrent_dropout=0.2,
                        generator=3).train().to(device)
    x = torch.randn(4, 12, 8, generator=gen).to(device).requires_grad_()
    _compare(layer, x, gen, torch.float32, lengths=[12, 11, 1, 9])
    assert launches == [(1, STEPS[kind])]


@pytest.mark.parametrize("kind, dtype", [("lstm", torch.bfloat16), ("gru_reset_after", torch.float16),
                                         ("simple_tanh", torch.bfloat16)])
def test_16_bit_inputs_within_their_precision(kind, dtype, gen, launches, device, small_chip):
    check_against_float64(KINDS[kind], dtype, gen, device)
    assert launches == [(1, STEPS[kind])]


@interpreter_only
@pytest.mark.parametrize("kind, merge_mode", [("lstm", "concat"), ("gru_reset_after", "sum"),
                                              ("simple_relu", "concat")])
def test_both_directions_in_one_launch(kind, merge_mode, gen, launches, monkeypatch, small_chip):
    monkeypatch.setattr(dispatch, "JOINED_DIRECTION_DEVICES", {"cuda", "cpu"})
    layer = randomize_(ts.Bidirectional(KINDS[kind](4, 5, return_sequences=True, return_state=True, dtype=torch.float64,
                                                    recurrent_dropout=0.3, per_gate_masks=False, weight_dropout=0.2,
                                                    generator=7), merge_mode=merge_mode), generator=gen).train()
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    _compare(layer, x, gen, torch.float64, lengths=[6, 2, 5], given_state=True)
    assert launches == [(2, STEPS[kind])]


@interpreter_only
def test_gradcheck_lstm(gen):
    """One mask per gate and ragged lengths: every branch of the kernels (the layer tests above compare every
    gradient entry for each option)."""
    L, N, H = 3, 3, 2
    mask = ((torch.rand(4, N, H, generator=gen) > 0.3) / 0.7).double()
    last = torch.tensor([2, 0, 1])
    xp, h0, c0, w = _leaf(L, N, 4 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(N, H, gen=gen), _leaf(4 * H, H, gen=gen)
    assert torch.autograd.gradcheck(TritonLSTMStepsFunction.apply, (xp, h0, c0, w, mask, last), fast_mode=True)
    peepholes = (_leaf(H, gen=gen), _leaf(H, gen=gen), _leaf(H, gen=gen))
    assert torch.autograd.gradcheck(TritonPeepholeLSTMStepsFunction.apply, (xp, h0, c0, w, *peepholes, mask, last),
                                    fast_mode=True)


@interpreter_only
@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_gru_and_simple_rnn(relu, gen):
    L, N, H = 3, 3, 2
    xp, h0 = _leaf(L, N, 3 * H, gen=gen), _leaf(N, H, gen=gen)
    if relu:
        xp = (xp + 0.1).detach().requires_grad_()                                  # away from relu's kink
    mask = ((torch.rand(3, N, H, generator=gen) > 0.3) / 0.7).double()
    args = (xp, h0, _leaf(3 * H, H, gen=gen), _leaf(3 * H, gen=gen), mask, relu)
    assert torch.autograd.gradcheck(TritonGRUResetAfterStepsFunction.apply, args, fast_mode=True)
    args = (xp[..., :H].detach().requires_grad_(), h0, _leaf(H, H, gen=gen), mask[:1], relu)
    assert torch.autograd.gradcheck(TritonSimpleRNNStepsFunction.apply, args, fast_mode=True)


@interpreter_only
def test_which_layers_take_the_step_kernels():
    with use_backend("triton"):
        assert choose(ts.LSTM(3, triton_lstm.MAX_HIDDEN))[0].function.__name__ == "TritonLSTMFunction"
        assert choose(ts.LSTM(3, triton_lstm.MAX_HIDDEN + 1))[0].function is TritonLSTMStepsFunction
        assert choose(ts.LSTM(3, 512).to(torch.bfloat16))[0].function is TritonLSTMStepsFunction
        assert choose(ts.PeepholeLSTM(3, 33))[0].function is TritonPeepholeLSTMStepsFunction
        assert "TritonLSTMStepsFunction" in ts.explain(ts.LSTM(3, 100))
        assert choose(ts.GRU(3, 100, reset_after=True))[0].function is TritonGRUResetAfterStepsFunction
        assert choose(ts.GRU(3, 100))[0].function.__name__ == "GRUResetBeforeFunction"   # r before the product
        assert choose(ts.SimpleRNN(3, 100))[0].function is TritonSimpleRNNStepsFunction
        assert choose(ts.SimpleRNN(3, 100, layer_norm=True))[0].function.__name__ == "LayerNormSimpleRNNFunction"
    assert choose(ts.LSTM(3, 100))[0].function.__name__ == "LSTMFunction"      # CPU, "auto": the eager loop
