"""Layers of every cell variant -- including those torch.nn lacks (reset-before GRU, peephole and
layer-norm cells) -- against the NumPy reference's per-sample loop: forward and backward reading,
ragged batches, bidirectional merging, stacks, and the recorded internals."""
import numpy as np
import pytest
import torch

import torchseq as ts
from torchseq.testing import reference as ref
from tests.reference.cases import CELLS
from tests.tools import assert_close, params_numpy, per_sample_states, randomize_, stack_finals

N, L, F, H = 3, 5, 3, 4
LENGTHS = [5, 2, 4]


def make_layer(name, gen, input_size=F, **flags):
    make, _ = CELLS[name]
    return ts.RNN(randomize_(make(input_size, H, dtype=torch.float64), generator=gen), **flags)


def numpy_run(layer, name, x, lengths, backwards, state=None):
    state = layer.cell.zero_state(x) if state is None else state
    return ref.run(CELLS[name][1], params_numpy(layer.cell), x.detach().numpy(), per_sample_states(state),
                   lengths, backwards)


def assert_state(state, finals, what):
    want = stack_finals(finals)
    for got, w in zip(state if isinstance(state, tuple) else (state,), want if isinstance(want, tuple) else (want,)):
        assert_close(got, w, what=what)


@pytest.mark.parametrize("backwards", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize("ragged", [False, True], ids=["full", "ragged"])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_layer_matches_reference(name, ragged, backwards, gen):
    layer = make_layer(name, gen, return_sequences=True, return_state=True, go_backwards=backwards)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    lengths = LENGTHS if ragged else None
    with ts.record_internals(layer) as internals:
        out, state = layer(x, lengths=lengths)
    want_out, finals, want_inner = numpy_run(layer, name, x, lengths, backwards)
    assert_close(out, want_out, what="outputs")
    assert_state(state, finals, "final state")
    assert set(internals[""]) == set(want_inner)
    for k, v in internals[""].items():
        assert_close(v, want_inner[k], what=f"internal {k}")


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("name", ["gru_reset_before", "peephole_lstm", "layer_norm_lstm", "ln_simple_rnn"])
def test_bidirectional_matches_reference(name, merge_mode, gen):
    forward = make_layer(name, gen, return_sequences=True, return_state=True)
    bi = ts.Bidirectional(forward, merge_mode=merge_mode)
    randomize_(bi.backward_layer, generator=gen)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    out, (state_f, state_b) = bi(x, lengths=LENGTHS)
    f_out, f_fin, _ = numpy_run(bi.forward_layer, name, x, LENGTHS, False)
    b_out, b_fin, _ = numpy_run(bi.backward_layer, name, x, LENGTHS, True)
    b_aligned = np.zeros_like(b_out)                                  # back to input order, per sample
    for n, k in enumerate(LENGTHS):
        b_aligned[n, :k] = b_out[n, :k][::-1]
    merged = {"concat": lambda a, b: np.concatenate([a, b], -1), "sum": np.add, "mul": np.multiply,
              "ave": lambda a, b: (a + b) / 2, None: lambda a, b: (a, b)}[merge_mode](f_out, b_aligned)
    if merge_mode is None:
        assert_close(out[0], merged[0], what="forward half")
        assert_close(out[1], merged[1], what="backward half")
    else:
        assert_close(out, merged, what="merged outputs")
    assert_state(state_f, f_fin, "forward state")
    assert_state(state_b, b_fin, "backward state")


@pytest.mark.parametrize("name", ["gru_reset_before", "peephole_lstm", "layer_norm_lstm"])
def test_stack_matches_reference(name, gen):
    first = make_layer(name, gen, return_sequences=True)
    second = make_layer(name, gen, input_size=H, return_sequences=True, return_state=True)
    stack = ts.Stacked(first, second)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    out, states = stack(x, lengths=LENGTHS)
    mid, fin0, _ = numpy_run(first, name, x, LENGTHS, False)
    top, fin1, _ = numpy_run(second, name, torch.from_numpy(mid), LENGTHS, False)
    assert_close(out, top, what="stack outputs")
    assert_state(states[0], fin0, "layer 0 state")
    assert_state(states[1], fin1, "layer 1 state")


def test_initial_state_is_used(gen):
    layer = make_layer("peephole_lstm", gen, return_state=True)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    h0 = (torch.randn(N, H, generator=gen, dtype=torch.float64), torch.randn(N, H, generator=gen, dtype=torch.float64))
    last, state = layer(x, initial_state=h0, lengths=LENGTHS)
    want_out, finals, _ = numpy_run(layer, "peephole_lstm", x, LENGTHS, False, h0)
    assert_state(state, finals, "final state from h0")
    assert_close(last, want_out[np.arange(N), np.array(LENGTHS) - 1], what="last valid output")
