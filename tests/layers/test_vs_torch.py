"""Layers against torch.nn.RNN/LSTM/GRU with weights copied by from_torch: sequences, final states, the
last output, and the gradients with respect to the input, the initial state and every parameter -- for
one and two layers, one and two directions, full and ragged batches (PackedSequence), go_backwards."""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import torchseq as ts
from torchseq.interop import from_torch, state_from_torch, state_to_torch
from tests.tools import assert_close, weighted_sum

N, L, F, H = 4, 6, 3, 5
LENGTHS = [6, 3, 1, 5]
KINDS = {"rnn_tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn_relu": (nn.RNN, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTM, {}), "gru": (nn.GRU, {})}


def directions(module):
    """torchseq RNNs in torch.nn's parameter order (layer 0 forward, layer 0 reverse, layer 1 ...)."""
    layers = list(module.layers) if isinstance(module, ts.Stacked) else [module]
    out = []
    for layer in layers:
        out += [layer.forward_layer, layer.backward_layer] if isinstance(layer, ts.Bidirectional) else [layer]
    return out


def parameter_pairs(reference, ours):
    D = 2 if reference.bidirectional else 1
    for j, rnn in enumerate(directions(ours)):
        suffix = f"_l{j // D}" + ("_reverse" if j % D else "")
        for name, p in rnn.cell.named_parameters():
            yield f"{name}{suffix}", p, getattr(reference, ("bias_ih" if name == "bias" else name) + suffix)


def run_torch(reference, x, hx, lengths):
    if lengths is None:
        return reference(x, hx)
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, hn = reference(packed, hx)
    return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0], hn


def as_list(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("with_h0", [False, True], ids=["zero_h0", "given_h0"])
@pytest.mark.parametrize("ragged", [False, True], ids=["full", "ragged"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
def test_layer_equals_torch(dtype, kind, num_layers, bidirectional, ragged, with_h0, gen):
    cls, options = KINDS[kind]
    torch.manual_seed(3)
    reference = cls(F, H, num_layers, bidirectional=bidirectional, batch_first=True, dtype=dtype, **options)
    ours = from_torch(reference)
    D = 2 if bidirectional else 1
    x = torch.randn(N, L, F, generator=gen, dtype=dtype, requires_grad=True)
    hx = None
    if with_h0:
        hx = [torch.randn(num_layers * D, N, H, generator=gen, dtype=dtype, requires_grad=True)
              for _ in range(2 if kind == "lstm" else 1)]
        hx = tuple(hx) if kind == "lstm" else hx[0]
    lengths = LENGTHS if ragged else None

    out_ref, hn_ref = run_torch(reference, x, hx, lengths)
    initial = None if hx is None else state_from_torch(ours, hx)
    out, state = ours(x, initial_state=initial, lengths=lengths)
    hn = state_to_torch(ours, state)
    assert_close(out, out_ref, dtype, "outputs")
    for got, want in zip(as_list(hn), as_list(hn_ref)):
        assert_close(got, want, dtype, "final state")

    seed = torch.Generator().manual_seed(5)
    loss_ref = weighted_sum([out_ref, *as_list(hn_ref)], seed)
    seed.manual_seed(5)
    loss = weighted_sum([out, *as_list(hn)], seed)
    pairs = list(parameter_pairs(reference, ours))
    inputs = [x] + ([] if hx is None else as_list(hx))
    g_ref = torch.autograd.grad(loss_ref, inputs + [r for _, _, r in pairs])
    g = torch.autograd.grad(loss, inputs + [p for _, p, _ in pairs])
    for k in range(len(inputs)):
        assert_close(g[k], g_ref[k], dtype, f"d/d input {k}")
    for (name, _, _), a, b in zip(pairs, g[len(inputs):], g_ref[len(inputs):]):
        assert_close(a, b, dtype, f"d/d {name}")

    top = ours.layers[-1] if isinstance(ours, ts.Stacked) else ours
    (top.forward_layer if isinstance(top, ts.Bidirectional) else top).return_sequences = False
    last, _ = ours(x, initial_state=initial, lengths=lengths)
    h_last = as_list(hn_ref)[0]                                        # (layers*D, N, H)
    expected_last = torch.cat([h_last[-2], h_last[-1]], dim=1) if bidirectional else h_last[-1]
    assert_close(last, expected_last, dtype, "last output")


def reverse_each(x, lengths):
    """Per-sample reversal of the valid steps, written as a plain loop (independent of torchseq)."""
    out = x.clone()
    for n, k in enumerate(lengths):
        out[n, :k] = x[n, :k].flip(0)
    return out


@pytest.mark.parametrize("ragged", [False, True], ids=["full", "ragged"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_go_backwards_equals_torch_on_reversed_input(kind, ragged, gen):
    cls, options = KINDS[kind]
    torch.manual_seed(4)
    reference = cls(F, H, batch_first=True, dtype=torch.float64, **options)
    ours = from_torch(reference)
    ours.go_backwards = True
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64, requires_grad=True)
    lengths = LENGTHS if ragged else [L] * N
    out_ref, hn_ref = run_torch(reference, reverse_each(x, lengths), None, lengths if ragged else None)
    out, state = ours(x, lengths=lengths if ragged else None)
    assert_close(out, out_ref, what="outputs in processing order")
    for got, want in zip(as_list(state_to_torch(ours, state)), as_list(hn_ref)):
        assert_close(got, want, what="final state")
    g_ref, = torch.autograd.grad(out_ref.sum(), x)
    g, = torch.autograd.grad(out.sum(), x)
    assert_close(g, g_ref, what="d/dx")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cell_by_cell_equals_layer(kind, gen):
    """The layer is its cell applied step by step (no hidden extra math in the runner)."""
    layer = ts.LSTM(F, H, return_sequences=True, dtype=torch.float64) if kind == "lstm" else \
        ts.GRU(F, H, return_sequences=True, dtype=torch.float64)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    state = None
    ys = []
    for t in range(L):
        y, state = layer.cell(x[:, t], state)
        ys.append(y)
    assert_close(layer(x), torch.stack(ys, 1), what="layer vs its cell step by step")
