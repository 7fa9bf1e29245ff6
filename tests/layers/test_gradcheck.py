"""gradcheck through whole layers in float64 on tiny shapes: every cell variant over a ragged batch
read backwards, a bidirectional layer and a stack -- input, initial state and every parameter."""
import pytest
import torch
from torch.func import functional_call

import torchseq as ts
from tests.reference.cases import CELLS
from tests.tools import randomize_

N, L, F, H = 2, 3, 2, 2
LENGTHS = [3, 2]


def check(layer, x, initial_state):
    names = [n for n, _ in layer.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in layer.parameters()]
    leaves = list(initial_state) if isinstance(initial_state, tuple) else [initial_state]

    def f(x, *rest):
        state = tuple(rest[:len(leaves)]) if isinstance(initial_state, tuple) else rest[0]
        out, _ = functional_call(layer, dict(zip(names, rest[len(leaves):])),
                                 (x,), {"initial_state": state, "lengths": LENGTHS})
        return out

    assert torch.autograd.gradcheck(f, (x, *leaves, *params), eps=1e-6, atol=1e-7)


def rand(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_layer_gradcheck(name, gen):
    make, _ = CELLS[name]
    layer = ts.RNN(randomize_(make(F, H, dtype=torch.float64), generator=gen), return_sequences=True,
                   return_state=True, go_backwards=True)
    n_states = len(layer.cell.state_names)
    state = tuple(rand(N, H, gen=gen) for _ in range(n_states)) if n_states > 1 else rand(N, H, gen=gen)
    check(layer, rand(N, L, F, gen=gen), state)


def test_bidirectional_and_stack_gradcheck(gen):
    bi = ts.Bidirectional(ts.GRU(F, H, return_sequences=True, dtype=torch.float64), merge_mode="mul")
    stack = ts.Stacked(bi, ts.PeepholeLSTM(H, H, return_sequences=True, return_state=True, dtype=torch.float64))
    randomize_(stack, generator=gen)
    x = rand(N, L, F, gen=gen)
    names = [n for n, _ in stack.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in stack.parameters()]

    def f(x, *params):
        out, _ = functional_call(stack, dict(zip(names, params)), (x,), {"lengths": LENGTHS})
        return out

    assert torch.autograd.gradcheck(f, (x, *params), eps=1e-6, atol=1e-7)
