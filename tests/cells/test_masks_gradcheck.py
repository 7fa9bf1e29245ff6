"""gradcheck through the masked products (per-gate and shared masks, DropConnect) of every cell."""
import pytest
import torch
from torch.func import functional_call

import torchseq as ts
from tests.reference.cases import CELLS
from tests.tools import randomize_

N, F, H = 2, 3, 2


@pytest.mark.parametrize("per_gate", [True, False], ids=["per_gate", "shared"])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_masked_step_gradcheck(name, per_gate, gen):
    cell = randomize_(CELLS[name][0](F, H, dtype=torch.float64), generator=gen)
    x = torch.randn(N, F, generator=gen, dtype=torch.float64, requires_grad=True)
    g = torch.Generator().manual_seed(4)
    masks = cell.draw_masks(x, dropout=0.3, recurrent_dropout=0.3, per_gate=per_gate, generator=g)
    keep_w = (torch.rand(cell.weight_hh.shape, generator=g) > 0.3).double() / 0.7
    names = [n for n, _ in cell.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in cell.parameters()]
    n_states = len(cell.state_names)
    states = [torch.randn(N, H, generator=gen, dtype=torch.float64, requires_grad=True) for _ in range(n_states)]

    def f(x, *rest):
        state = tuple(rest[:n_states]) if n_states > 1 else rest[0]
        p = dict(zip(names, rest[n_states:]))
        m = ts.Masks(masks.input, masks.recurrent, p["weight_hh"] * keep_w)     # DropConnect copy of W_h
        y, _ = functional_call(cell, p, (x, state), {"masks": m})
        return y

    assert torch.autograd.gradcheck(f, (x, *states, *params), eps=1e-6, atol=1e-7)
