"""torch.autograd.gradcheck on every cell, with respect to the input, the state and every parameter."""
import pytest
import torch
from torch.func import functional_call

from tests.reference.cases import CELLS
from tests.tools import randomize_

N, F, H = 2, 3, 2


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cell_gradcheck(name, gen):
    make, _ = CELLS[name]
    cell = randomize_(make(F, H, dtype=torch.float64), generator=gen)
    names = [n for n, _ in cell.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in cell.parameters()]
    x = torch.randn(N, F, generator=gen, dtype=torch.float64, requires_grad=True)
    n_states = len(cell.state_names)
    states = [torch.randn(N, H, generator=gen, dtype=torch.float64, requires_grad=True) for _ in range(n_states)]

    def f(x, *rest):
        state = tuple(rest[:n_states]) if n_states > 1 else rest[0]
        y, new = functional_call(cell, dict(zip(names, rest[n_states:])), (x, state))
        return (y, *new) if n_states > 1 else (y, new)

    assert torch.autograd.gradcheck(f, (x, *states, *params), eps=1e-6, atol=1e-7)
