"""The fast backward writes over its saved buffers only on their last use: a second backward over a retained
graph, and a backward that builds a graph, get the same gradients as the first."""
import pytest
import torch

import torchseq as ts
from tests.tools import randomize_, weighted_sum
from torchseq.fast.workspace import last_use, scratch, working


class _Probe(torch.autograd.Function):
    """Records, inside its backward, last_use() and whether scratch() handed over the saved buffer itself."""
    seen, handed_over = [], []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x * 3)
        return x * 2

    @staticmethod
    def backward(ctx, d):
        (saved,) = ctx.saved_tensors
        _Probe.seen.append(last_use())
        buffer = scratch(saved)
        _Probe.handed_over.append(buffer is saved)
        assert buffer.shape == saved.shape and buffer.dtype == saved.dtype
        return d * 2


def test_last_use_and_scratch_only_when_autograd_frees_the_graph():
    x = torch.ones(3, requires_grad=True)
    _Probe.seen.clear(), _Probe.handed_over.clear()
    y = _Probe.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    torch.autograd.grad(_Probe.apply(x).sum(), x)
    torch.autograd.grad(_Probe.apply(x).sum(), x, create_graph=True)
    assert _Probe.seen == [False, True, True, False]
    assert _Probe.handed_over == _Probe.seen                                            # scratch(): the saved buffer
    assert last_use() is False                                                         # outside any backward
    a = torch.arange(4.0)
    assert scratch(a) is not a and scratch(a).shape == a.shape


def test_working_copies_unless_last_use():
    a = torch.arange(4.0)
    (copy,) = working(a)
    assert copy is not a and torch.equal(copy, a)


KINDS = {
    "lstm": lambda **o: ts.LSTM(3, 5, **o),
    "peephole_lstm": lambda **o: ts.PeepholeLSTM(3, 5, **o),
    "layer_norm_lstm": lambda **o: ts.LayerNormLSTM(3, 5, **o),
    "gru_reset_after": lambda **o: ts.GRU(3, 5, reset_after=True, **o),
    "gru_reset_before": lambda **o: ts.GRU(3, 5, **o),
}
OPTIONS = {
    "plain": {},
    "per_gate_masks": {"dropout": 0.3, "recurrent_dropout": 0.4},
    "shared_mask": {"recurrent_dropout": 0.4, "per_gate_masks": False},
}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_retained_graph_gives_the_same_gradients_twice(kind, option, gen):
    layer = KINDS[kind](return_sequences=True, return_state=True, dtype=torch.float64, generator=7, **OPTIONS[option])
    randomize_(layer, generator=gen)
    layer.train()
    x = torch.randn(3, 6, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    y, state = layer(x, lengths=torch.tensor([6, 2, 5]))
    loss = weighted_sum([y, *(state if isinstance(state, tuple) else (state,))], torch.Generator().manual_seed(5))
    leaves = [x, *layer.parameters()]
    first = torch.autograd.grad(loss, leaves, retain_graph=True)                       # works on copies
    second = torch.autograd.grad(loss, leaves, retain_graph=True)                      # reads the saved buffers again
    last = torch.autograd.grad(loss, leaves)                                           # writes over them
    for a, b, c_ in zip(first, second, last):
        assert torch.equal(a, b) and torch.equal(a, c_)


def test_double_backward_through_a_retained_graph_with_backward_calls(gen):
    """``loss.backward(retain_graph=True)`` then ``loss.backward()`` accumulates exactly twice the gradient."""
    layer = ts.LSTM(3, 4, dtype=torch.float64)
    randomize_(layer, generator=gen)
    x = torch.randn(2, 7, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    once = torch.autograd.grad(layer(x).square().sum(), x)[0]
    loss = layer(x).square().sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert torch.equal(x.grad, 2 * once)
