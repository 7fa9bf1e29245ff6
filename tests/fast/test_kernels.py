"""The fast kernels on their own: gradcheck of each autograd Function (every mask layout, LSTM with a
final step per sample), which path a layer takes, and mixed precision."""
import pytest
import torch

import torchseq as ts
from torchseq.fast import KERNELS, choose, dispatch, has_fast_path, kernel_for, use_reference_path
from torchseq.fast.gru import GRUResetAfterFunction, GRUResetBeforeFunction
from torchseq.fast.layer_norm_lstm import LayerNormLSTMFunction
from torchseq.fast.layer_norm_simple_rnn import LayerNormSimpleRNNFunction
from torchseq.fast.lstm import KERNEL as LSTM_KERNEL, LSTMFunction
from torchseq.fast.peephole_lstm import PeepholeLSTMFunction
from torchseq.fast.simple_rnn import SimpleRNNFunction
from torchseq.study import record_internals
from tests.tools import assert_close

L, N, H = 4, 3, 2


def _mask(kind, gates, gen):
    if kind is None:
        return None
    rows = gates if kind == "per_gate" else 1
    return (torch.rand(rows, N, H, generator=gen, dtype=torch.float64) > 0.3).double() / 0.7


def _leaf(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).mul_(0.7).requires_grad_()


# The LSTM family's Functions: (xp, h0, c0, W_h, *their own parameters, mask, last).
LSTM_FAMILY = {
    "lstm": (LSTMFunction, lambda gen: ()),
    "peephole": (PeepholeLSTMFunction, lambda gen: (_leaf(H, gen=gen), _leaf(H, gen=gen), _leaf(H, gen=gen))),
    "layer_norm": (LayerNormLSTMFunction,
                   lambda gen: (_leaf(4 * H, gen=gen), _leaf(H, gen=gen), _leaf(H, gen=gen), 1e-3)),
}


@pytest.mark.parametrize("mask", [None, "shared", "per_gate"])
@pytest.mark.parametrize("last", [None, [3, 0, 2]])
@pytest.mark.parametrize("kind", LSTM_FAMILY)
def test_gradcheck_lstm_family(kind, mask, last, gen):
    function, own_parameters = LSTM_FAMILY[kind]
    last = None if last is None else torch.tensor(last)
    args = (_leaf(L, N, 4 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(N, H, gen=gen), _leaf(4 * H, H, gen=gen),
            *own_parameters(gen), _mask(mask, 4, gen), last)
    assert torch.autograd.gradcheck(function.apply, args)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("mask", [None, "shared", "per_gate"])
def test_gradcheck_gru(mask, relu, gen):
    xp, h0, w = _leaf(L, N, 3 * H, gen=gen), _leaf(N, H, gen=gen), _leaf(3 * H, H, gen=gen)
    m = _mask(mask, 3, gen)
    assert torch.autograd.gradcheck(GRUResetAfterFunction.apply, (xp, h0, w, _leaf(3 * H, gen=gen), m, relu))
    assert torch.autograd.gradcheck(GRUResetBeforeFunction.apply, (xp, h0, w, m, relu))


@pytest.mark.parametrize("last", [None, [3, 0, 2]])
def test_gradcheck_gate_first_xp(last, gen):
    """Under per-gate masks the LSTM and GRU kernels also take xp gate-first, (G, L, N, H), and hand its
    gradient back in that layout; the same xp in both layouts gives the same outputs and gradients."""
    last = None if last is None else torch.tensor(last)
    h0, c0, w4, w3, b3 = (_leaf(N, H, gen=gen), _leaf(N, H, gen=gen), _leaf(4 * H, H, gen=gen),
                          _leaf(3 * H, H, gen=gen), _leaf(3 * H, gen=gen))
    runs = {
        "lstm": (4, lambda xp: LSTMFunction.apply(xp, h0, c0, w4, m4, last)[0], _mask("per_gate", 4, gen)),
        "gru_after": (3, lambda xp: GRUResetAfterFunction.apply(xp, h0, w3, b3, m3, False), None),
        "gru_before": (3, lambda xp: GRUResetBeforeFunction.apply(xp, h0, w3, m3, True), None),
    }
    m4, m3 = runs["lstm"][2], _mask("per_gate", 3, gen)
    for name, (gates, run, _) in runs.items():
        first = _leaf(gates, L, N, H, gen=gen)                                         # (G, L, N, H)
        assert torch.autograd.gradcheck(run, (first,)), name
        rows = first.detach().permute(1, 2, 0, 3).reshape(L, N, gates * H).requires_grad_()   # (L, N, G*H)
        out_first, out_rows = run(first), run(rows)
        weights = torch.randn(out_first.shape, generator=gen, dtype=torch.float64)
        (g_first,) = torch.autograd.grad((out_first * weights).sum(), first)
        (g_rows,) = torch.autograd.grad((out_rows * weights).sum(), rows)
        torch.testing.assert_close(out_first, out_rows, rtol=0, atol=1e-14)
        torch.testing.assert_close(g_first.permute(1, 2, 0, 3).reshape(L, N, gates * H), g_rows, rtol=0, atol=1e-14)


@pytest.mark.parametrize("mask", [None, "shared"])
@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_simple_rnn(mask, relu, gen):
    xp = _leaf(L, N, H, gen=gen) + (0.05 if relu else 0.0)          # keep relu's kink away from the samples
    args = (xp.detach().requires_grad_(), _leaf(N, H, gen=gen), _leaf(H, H, gen=gen), _mask(mask, 1, gen), relu)
    assert torch.autograd.gradcheck(SimpleRNNFunction.apply, args)


@pytest.mark.parametrize("mask", [None, "shared"])
@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_layer_norm_simple_rnn(mask, relu, gen):
    H3 = 3                                                           # LN over one unit would be constant
    args = (_leaf(L, N, H3, gen=gen), _leaf(N, H3, gen=gen), _leaf(H3, H3, gen=gen), _leaf(H3, gen=gen),
            _leaf(H3, gen=gen).detach().add_(0.05).requires_grad_(),
            None if mask is None else (torch.rand(1, N, H3, generator=gen, dtype=torch.float64) > 0.3).double() / 0.7,
            relu, 1e-3)
    assert torch.autograd.gradcheck(LayerNormSimpleRNNFunction.apply, args)


def _readable_runs(layer, x, monkeypatch):
    """How many times a call of the layer ran the readable loop of cell.step."""
    calls = []
    original = ts.RNN._readable_loop
    monkeypatch.setattr(ts.RNN, "_readable_loop", lambda self, *a: calls.append(1) or original(self, *a))
    layer(x)
    monkeypatch.undo()
    return len(calls)


def test_path_choice(monkeypatch, gen):
    x = torch.randn(2, 5, 3, generator=gen)
    lstm = ts.LSTM(3, 4)
    assert choose(lstm) == (LSTM_KERNEL, "fast kernel")
    assert _readable_runs(lstm, x, monkeypatch) == 0
    with use_reference_path():
        assert choose(lstm) == (None, "inside use_reference_path()")
        assert _readable_runs(lstm, x, monkeypatch) == 1
    assert choose(ts.LSTM(3, 4, zoneout=0.1))[0] is None                         # zoneout: readable
    naive = ts.GRU(3, 4, dropout=0.2, variational=False)
    assert choose(naive)[0] is None and _readable_runs(naive, x, monkeypatch) == 1   # per-step masks: readable
    assert choose(naive.eval())[0] is not None                                   # ... none are drawn in eval
    with record_internals(lstm):
        assert choose(lstm)[0] is None                                           # a trace needs the steps
    for cell, function in ((ts.PeepholeLSTMCell(3, 4), PeepholeLSTMFunction),
                           (ts.LayerNormLSTMCell(3, 4), LayerNormLSTMFunction),
                           (ts.SimpleRNNCell(3, 4, layer_norm=True), LayerNormSimpleRNNFunction),
                           (ts.SimpleRNNCell(3, 4, activation="relu"), SimpleRNNFunction),
                           (ts.GRUCell(3, 4, reset_after=True), GRUResetAfterFunction),
                           (ts.GRUCell(3, 4), GRUResetBeforeFunction)):
        assert has_fast_path(cell) and kernel_for(cell).function is function, type(cell).__name__

    class Modified(ts.LSTMCell):                                                  # may change step: readable
        pass
    assert not has_fast_path(Modified(3, 4))
    assert choose(ts.RNN(Modified(3, 4)))[1] == "Modified subclasses LSTMCell; its step may differ"


def _doubled_step(original):
    def step(self, xp, state, trace=None, masks=None):
        y, new = original(self, xp, state, trace, masks)
        return 2 * y, new
    return step


@pytest.mark.parametrize("where", ["class", "instance"])
def test_a_patched_step_runs_the_readable_loop(where, monkeypatch, gen):
    """A student who edits a cell's step sees the edit in the layer's output: the layer leaves the fast kernel."""
    layer = ts.LSTM(3, 4, return_sequences=True)
    x = torch.randn(2, 5, 3, generator=gen)
    before = layer(x)
    if where == "class":
        monkeypatch.setattr(ts.LSTMCell, "step", _doubled_step(ts.LSTMCell.step))
        assert choose(layer) == (None, "LSTMCell.step was replaced")
    else:
        layer.cell.step = _doubled_step(ts.LSTMCell.step).__get__(layer.cell)
        assert choose(layer) == (None, "the cell's step was set on the instance")
    after = layer(x)
    assert not has_fast_path(layer.cell) and "readable path, LSTMCell.step" in ts.explain(layer)
    assert_close(after, 2 * before, torch.float32, "the patched step's outputs")
    monkeypatch.undo()
    if where == "instance":
        del layer.cell.step
    assert choose(layer)[0] is LSTM_KERNEL                           # restored: fast again
    assert_close(layer(x), before, what="fast again")


def test_a_patched_helper_of_the_equations_also_leaves_the_fast_path(monkeypatch):
    monkeypatch.setattr(ts.GRUCell, "phi", lambda self, a: torch.relu(a))
    assert choose(ts.GRU(3, 4)) == (None, "GRUCell.phi was replaced")
    assert has_fast_path(ts.LSTMCell(3, 4))                                       # other cells unaffected
    monkeypatch.setattr(ts.LSTMCell, "recurrent_product", ts.RecurrentCell.recurrent_product, raising=False)
    assert choose(ts.LSTM(3, 4)) == (None, "LSTMCell.recurrent_product was replaced")   # a base's method, overridden
    monkeypatch.undo()
    assert has_fast_path(ts.LSTMCell(3, 4)) and has_fast_path(ts.GRUCell(3, 4))


def test_explain_names_the_kernel_or_the_reason(monkeypatch):
    model = torch.nn.Sequential(ts.Bidirectional(ts.GRU(3, 4, return_sequences=True)),
                                ts.LSTM(8, 4, zoneout=0.1), torch.nn.Linear(4, 1))
    text = ts.explain(model)
    assert text.splitlines() == [
        "0: Bidirectional, one loop per direction (halves share one on cuda, through a kernel that joins "
        "directions, without per-gate recurrent masks)",
        "0.forward_layer: GRU on the fast path, kernel torchseq.fast.gru.GRUResetBeforeFunction",
        "0.backward_layer: GRU on the fast path, kernel torchseq.fast.gru.GRUResetBeforeFunction",
        "1: LSTM on the readable path, LSTMCell.step: zoneout draws at every step"]
    monkeypatch.setattr(dispatch, "JOINED_DIRECTION_DEVICES", {"cpu"})
    assert ts.explain(model).splitlines()[0] == "0: Bidirectional, both halves in one step loop"
    with use_reference_path():
        assert "readable path, GRUCell.step: inside use_reference_path()" in ts.explain(model)
    assert ts.explain(torch.nn.Linear(2, 2)) == "Linear: no recurrent layer"
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got str"):
        ts.explain("lstm")


def test_reference_switch_nests_and_restores():
    from torchseq.fast import fast_path_enabled
    assert fast_path_enabled()
    with use_reference_path():
        assert not fast_path_enabled()
        with use_reference_path(False):
            assert fast_path_enabled()
        assert not fast_path_enabled()
    assert fast_path_enabled()


@pytest.mark.parametrize("make", [
    lambda: ts.LSTM(8, 16, return_sequences=True),
    lambda: ts.GRU(8, 16, reset_after=True, return_sequences=True),
    lambda: ts.GRU(8, 16, return_sequences=True),
    lambda: ts.PeepholeLSTM(8, 16, return_sequences=True),
    lambda: ts.LayerNormLSTM(8, 16, return_sequences=True),
    lambda: ts.SimpleRNN(8, 16, layer_norm=True, return_sequences=True)])
def test_bf16_autocast_runs_in_bf16_and_stays_near_float32(make, gen):
    """Under autocast the whole recurrence runs in bf16 (as torch.nn's LSTM/GRU do), layer norms included,
    and lands as near the float32 result as the readable path under autocast does (within twice its
    distance plus 0.02; the layer-norm LSTM amplifies bf16 rounding on both paths: ~0.1 at these sizes)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        layer = make()
    x = torch.randn(4, 20, 8, generator=gen, requires_grad=True)
    reference = layer(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = layer(x)
        with use_reference_path():
            y_readable = layer(x)
    assert y.dtype == torch.bfloat16
    readable_error = (y_readable.float() - reference).abs().max()
    assert (y.float() - reference).abs().max() <= 2 * readable_error + 0.02
    y.float().sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())


def _strided_like(t):
    """The same values as t, held in memory with its first two axes swapped (a batch-first tensor seen
    time-first, as the per-sample input product returns it)."""
    return t.detach().transpose(0, 1).contiguous().transpose(0, 1)


@pytest.mark.parametrize("steps", [L, 1])
def test_kernels_take_any_strides_and_never_write_to_their_inputs(steps, gen):
    """xp and dL/dh_t with batch-first strides give the same outputs and gradients as contiguous ones, and xp is
    left as it was -- also at L = 1, where a gate-major view of a gate-first xp is itself contiguous."""
    h0, c0 = _leaf(N, H, gen=gen), _leaf(N, H, gen=gen)
    w4, w3, w1 = _leaf(4 * H, H, gen=gen), _leaf(3 * H, H, gen=gen), _leaf(H, H, gen=gen)
    b3, peep, g1, b1 = _leaf(3 * H, gen=gen), [_leaf(H, gen=gen) for _ in range(3)], _leaf(H, gen=gen), _leaf(H, gen=gen)
    m4, m3 = _mask("per_gate", 4, gen), _mask("per_gate", 3, gen)
    norms = (_leaf(4 * H, gen=gen), _leaf(H, gen=gen), _leaf(H, gen=gen), 1e-3)
    runs = {
        "lstm": ((4, steps, N, H), lambda xp: LSTMFunction.apply(xp, h0, c0, w4, m4, None)[0]),
        "lstm_rows": ((steps, N, 4 * H), lambda xp: LSTMFunction.apply(xp, h0, c0, w4, None, None)[0]),
        "peephole": ((steps, N, 4 * H), lambda xp: PeepholeLSTMFunction.apply(xp, h0, c0, w4, *peep, m4, None)[0]),
        "layer_norm": ((steps, N, 4 * H), lambda xp: LayerNormLSTMFunction.apply(xp, h0, c0, w4, *norms, m4, None)[0]),
        "gru_after": ((3, steps, N, H), lambda xp: GRUResetAfterFunction.apply(xp, h0, w3, b3, m3, False)),
        "gru_before": ((3, steps, N, H), lambda xp: GRUResetBeforeFunction.apply(xp, h0, w3, m3, False)),
        "gru_before_rows": ((steps, N, 3 * H), lambda xp: GRUResetBeforeFunction.apply(xp, h0, w3, None, False)),
        "simple_rnn": ((steps, N, H), lambda xp: SimpleRNNFunction.apply(xp, h0, w1, None, False)),
        "layer_norm_simple_rnn": ((steps, N, H), lambda xp: LayerNormSimpleRNNFunction.apply(xp, h0, w1, g1, b1,
                                                                                              None, False, 1e-3)),
    }
    for name, (shape, run) in runs.items():
        dense = torch.randn(shape, generator=gen, dtype=torch.float64).requires_grad_()
        strided = _strided_like(dense).requires_grad_()
        before = strided.detach().clone()
        assert not strided.is_contiguous() or steps == 1
        out_dense, out_strided = run(dense), run(strided)
        weights = torch.randn(out_dense.shape, generator=gen, dtype=torch.float64)
        (g_dense,) = torch.autograd.grad(out_dense, dense, weights)
        (g_strided,) = torch.autograd.grad(out_strided, strided, _strided_like(weights))   # dL/dh_t strided too
        assert torch.equal(out_dense, out_strided), name
        assert torch.equal(g_dense, g_strided), name
        assert torch.equal(strided.detach(), before), name


def test_every_cell_docstring_names_its_fast_twin():
    """A reader of a cell's equations learns where the code a layer runs lives."""
    for cell, kernels in KERNELS.items():
        for kernel in kernels:
            path = kernel.function.__module__.replace(".", "/") + ".py"
            assert path in " ".join(cell.__doc__.split()), (cell.__name__, path)
            assert kernel.function.__name__ in cell.__doc__, (cell.__name__, kernel.function.__name__)
