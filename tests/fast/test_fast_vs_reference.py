"""The fast path equals the readable reference path: outputs, final states and every gradient, in float64
within 1e-10 (float32 within 1e-5), for every cell it implements and every option it accepts -- dropout
masks drawn from the same seed, lengths, go_backwards, initial states, Bidirectional and Stacked."""
import copy

import pytest
import torch

import torchseq as ts
from tests.tools import assert_close, randomize_, weighted_sum
from torchseq.fast import use_reference_path
from torchseq.layers.states import state_tensors

KINDS = {
    "simple_tanh": lambda F, H, **o: ts.SimpleRNN(F, H, **o),
    "simple_relu": lambda F, H, **o: ts.SimpleRNN(F, H, activation="relu", **o),
    "simple_layer_norm": lambda F, H, **o: ts.SimpleRNN(F, H, layer_norm=True, **o),
    "simple_layer_norm_relu": lambda F, H, **o: ts.SimpleRNN(F, H, activation="relu", layer_norm=True, **o),
    "lstm": lambda F, H, **o: ts.LSTM(F, H, **o),
    "peephole_lstm": lambda F, H, **o: ts.PeepholeLSTM(F, H, **o),
    "layer_norm_lstm": lambda F, H, **o: ts.LayerNormLSTM(F, H, **o),
    "gru_reset_before": lambda F, H, **o: ts.GRU(F, H, **o),
    "gru_reset_after": lambda F, H, **o: ts.GRU(F, H, reset_after=True, **o),
    "gru_reset_before_relu": lambda F, H, **o: ts.GRU(F, H, activation="relu", **o),
    "gru_reset_after_relu": lambda F, H, **o: ts.GRU(F, H, reset_after=True, activation="relu", **o),
}
OPTIONS = {
    "plain": {},
    "initial_state": {"initial_state": True},
    "lengths": {"lengths": [6, 2, 5]},
    "backwards_lengths": {"go_backwards": True, "lengths": [3, 6, 1]},
    "dropout_per_gate": {"dropout": 0.3, "recurrent_dropout": 0.4},
    "dropout_shared": {"dropout": 0.3, "recurrent_dropout": 0.4, "per_gate_masks": False},
    "recurrent_dropout_only": {"recurrent_dropout": 0.5},
    "weight_dropout": {"weight_dropout": 0.3},
    "everything": {"dropout": 0.2, "recurrent_dropout": 0.3, "weight_dropout": 0.2, "go_backwards": True,
                   "lengths": [4, 6, 2], "initial_state": True},
}


def _state_like(layer, x, gen):
    return ts.layers.states.map_state(lambda z: torch.randn(z.shape, generator=gen, dtype=z.dtype).requires_grad_(),
                                      layer.zero_state(x))


def _run_both(layer, x, gen, lengths=None, initial_state=None):
    """(outputs, state, grads) from the fast path and from the reference, same masks (generator reseeded)."""
    results = []
    for reference in (False, True):
        if getattr(layer, "generator", None) is not None:
            layer.generator.manual_seed(99)
        for sub in layer.modules():
            if getattr(sub, "generator", None) is not None:
                sub.generator.manual_seed(99)
        with use_reference_path(reference):
            y, state = layer(x, initial_state=initial_state, lengths=lengths)
        tensors = [y, *state_tensors(state)]
        leaves = [x, *(list(state_tensors(initial_state)) if initial_state is not None else []),
                  *layer.parameters()]
        loss = weighted_sum(tensors, torch.Generator().manual_seed(5))
        results.append((tensors, torch.autograd.grad(loss, leaves)))
    return results


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_fast_equals_reference_float64(kind, option, gen):
    opts = dict(OPTIONS[option])
    lengths = opts.pop("lengths", None)
    given_state = opts.pop("initial_state", False)
    layer = KINDS[kind](4, 5, return_sequences=True, return_state=True, dtype=torch.float64, generator=7, **opts)
    randomize_(layer, generator=gen)
    layer.train()
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    h0 = _state_like(layer, x, gen) if given_state else None
    (fast, fast_grads), (ref, ref_grads) = _run_both(layer, x, gen, lengths, h0)
    for k, (a, b) in enumerate(zip(fast, ref)):
        assert_close(a, b, torch.float64, f"{kind}/{option} output {k}")
    for k, (a, b) in enumerate(zip(fast_grads, ref_grads)):
        assert_close(a, b, torch.float64, f"{kind}/{option} gradient {k}")


def _float32_case(kind, gen):
    layer = KINDS[kind](8, 16, return_sequences=True, return_state=True, dropout=0.2, recurrent_dropout=0.2,
                        generator=3)
    layer.train()
    x = torch.randn(4, 30, 8, generator=gen, requires_grad=True)
    return layer, x, [30, 11, 1, 29]


# The layer norms divide by the spread of W_h h, which is tiny at the first steps (h_0 = 0): there float32
# rounding is amplified in both paths alike, so those kinds are held to the accuracy test below instead.
CONDITIONED = [k for k in KINDS if "layer_norm" not in k]


@pytest.mark.parametrize("kind", CONDITIONED)
def test_fast_equals_reference_float32(kind, gen):
    layer, x, lengths = _float32_case(kind, gen)
    (fast, fast_grads), (ref, ref_grads) = _run_both(layer, x, gen, lengths=lengths)
    for a, b in zip(fast + list(fast_grads), ref + list(ref_grads)):
        assert_close(a, b, torch.float32, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_fast_path_as_accurate_as_reference(kind, gen):
    """Both float32 paths against the float64 readable path: the fast path's error is within twice the
    readable path's own (plus 1e-6 relative), for every output and gradient."""
    layer, x, lengths = _float32_case(kind, gen)
    (fast, fast_grads), (ref, ref_grads) = _run_both(layer, x, gen, lengths=lengths)
    layer64, x64 = copy.deepcopy(layer).double(), x.detach().double().requires_grad_()
    (_, _), (truth, truth_grads) = _run_both(layer64, x64, gen, lengths=lengths)
    for k, (a, b, t) in enumerate(zip(fast + list(fast_grads), ref + list(ref_grads), truth + list(truth_grads))):
        reference_error = (b.double() - t).abs().max()
        bound = 2 * reference_error + 1e-6 * (1 + t.abs())
        assert ((a.double() - t).abs() <= bound).all(), f"{kind} tensor {k}: fast float32 less accurate"


@pytest.mark.parametrize("kind", ["lstm", "peephole_lstm", "layer_norm_lstm", "gru_reset_before", "gru_reset_after",
                                  "simple_tanh", "simple_layer_norm"])
def test_bidirectional_and_stacked(kind, gen):
    make = KINDS[kind]
    model = ts.Stacked(
        ts.Bidirectional(make(3, 4, return_sequences=True, dtype=torch.float64, recurrent_dropout=0.3, generator=1)),
        make(8, 5, return_sequences=True, return_state=True, dtype=torch.float64, dropout=0.2, generator=2),
        dropout=0.25, generator=4)
    randomize_(model, generator=gen)
    model.train()
    x = torch.randn(3, 7, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    (fast, fast_grads), (ref, ref_grads) = _run_both(model, x, gen, lengths=[7, 3, 5])
    for a, b in zip(fast + list(fast_grads), ref + list(ref_grads)):
        assert_close(a, b, torch.float64, kind)


@pytest.mark.parametrize("lengths", [None, [6, 2, 5]])
@pytest.mark.parametrize("used", ["outputs", "h", "c"])
@pytest.mark.parametrize("kind", ["lstm", "peephole_lstm", "layer_norm_lstm"])
def test_lstm_family_with_a_loss_on_one_output_only(kind, used, lengths, gen):
    """The LSTM kernels leave unused outputs' gradients undefined (no zeros built): a loss on the outputs
    alone, on the final h alone (the outputs' last step) or on the final c alone still gives the readable
    path's gradients."""
    layer = randomize_(KINDS[kind](4, 5, return_sequences=True, return_state=True, dtype=torch.float64,
                                   recurrent_dropout=0.3, generator=7), generator=gen)
    x = torch.randn(3, 6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(3, 6, 5, generator=gen, dtype=torch.float64)
    grads = []
    for reference in (False, True):
        layer.generator.manual_seed(99)
        with use_reference_path(reference):
            y, (h, c) = layer(x, lengths=lengths)
        loss = {"outputs": (y * weights).sum(), "h": (h * weights[:, 0]).sum(), "c": (c * weights[:, 0]).sum()}[used]
        grads.append(torch.autograd.grad(loss, [x, *layer.parameters()]))
    for k, (a, b) in enumerate(zip(*grads)):
        assert_close(a, b, torch.float64, f"{kind}/{used} gradient {k}")


def test_eval_mode_ignores_masks_on_both_paths(gen):
    layer = ts.LSTM(3, 4, return_sequences=True, return_state=True, dropout=0.5, recurrent_dropout=0.5,
                    dtype=torch.float64).eval()
    x = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    (fast, _), (ref, _) = _run_both(layer, x, gen)
    for a, b in zip(fast, ref):
        assert_close(a, b, torch.float64, "eval")
