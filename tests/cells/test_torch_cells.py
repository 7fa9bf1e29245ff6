"""SimpleRNNCell, LSTMCell and GRUCell(reset_after=True) against torch.nn's cells, weights copied with
from_torch: outputs, states, and the gradients with respect to input, state and every parameter."""
import pytest
import torch
from torch import nn

from torchseq.interop import from_torch
from tests.tools import assert_close, weighted_sum

N, F, H = 4, 3, 5
TORCH_CELLS = {
    "rnn_tanh": lambda dtype: nn.RNNCell(F, H, nonlinearity="tanh", dtype=dtype),
    "rnn_relu": lambda dtype: nn.RNNCell(F, H, nonlinearity="relu", dtype=dtype),
    "lstm": lambda dtype: nn.LSTMCell(F, H, dtype=dtype),
    "gru": lambda dtype: nn.GRUCell(F, H, dtype=dtype),
}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("kind", sorted(TORCH_CELLS))
def test_cell_equals_torch(kind, dtype, gen):
    torch.manual_seed(7)
    reference = TORCH_CELLS[kind](dtype)
    cell = from_torch(reference)
    x = torch.randn(N, F, generator=gen, dtype=dtype, requires_grad=True)
    hx = [torch.randn(N, H, generator=gen, dtype=dtype, requires_grad=True) for _ in range(2 if kind == "lstm" else 1)]
    state = tuple(hx) if kind == "lstm" else hx[0]

    y_ref = reference(x, state)                                # h' or (h', c')
    y, new_state = cell(x, state)
    ref_outs = list(y_ref) if kind == "lstm" else [y_ref]
    outs = list(new_state) if kind == "lstm" else [new_state]
    for got, want, name in zip(outs, ref_outs, ("h", "c")):
        assert_close(got, want, dtype, f"{kind} {name}")
    assert_close(y, ref_outs[0], dtype, "output")

    seed = torch.Generator().manual_seed(99)
    loss_ref = weighted_sum(ref_outs, seed)
    seed.manual_seed(99)
    loss = weighted_sum(outs, seed)
    ref_params = dict(reference.named_parameters())
    ref_grads = torch.autograd.grad(loss_ref, [x, *hx, *ref_params.values()])
    ours = dict(cell.named_parameters())
    grads = torch.autograd.grad(loss, [x, *hx, *ours.values()])
    n_in = 1 + len(hx)
    for k in range(n_in):
        assert_close(grads[k], ref_grads[k], dtype, f"d/d input {k}")
    ref_by_name = dict(zip(ref_params, ref_grads[n_in:]))
    for (name, _), g in zip(ours.items(), grads[n_in:]):
        source = "bias_ih" if name == "bias" else name              # d/db = d/db_ih (= d/db_hh)
        assert_close(g, ref_by_name[source], dtype, f"d/d {name}")
        if name == "bias":
            assert_close(g, ref_by_name["bias_hh"], dtype, "d/d bias vs bias_hh")
