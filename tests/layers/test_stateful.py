"""Stateful use: chunks of a long series, fed in order, give the same numbers as the whole series;
reset_states starts over; detach_states cuts the graph for truncated backpropagation through time."""
import pytest
import torch

import torchseq as ts
from tests.tools import assert_close


def make(layer_class=ts.LSTM, **kw):
    torch.manual_seed(0)
    return layer_class(2, 3, return_sequences=True, dtype=torch.float64, **kw)


@pytest.mark.parametrize("layer_class", [ts.LSTM, ts.GRU, ts.SimpleRNN])
def test_chunks_equal_whole_sequence(layer_class, gen):
    whole = make(layer_class)
    chunked = make(layer_class, stateful=True)
    x = torch.randn(4, 12, 2, generator=gen, dtype=torch.float64)
    expected = whole(x)
    got = torch.cat([chunked(x[:, k:k + 4]) for k in range(0, 12, 4)], dim=1)
    assert_close(got, expected, what="chunked stateful run")


def test_bidirectional_and_stacked_keep_states(gen):
    torch.manual_seed(1)
    stack = ts.Stacked(ts.GRU(2, 3, return_sequences=True, stateful=True, dtype=torch.float64),
                       ts.LSTM(3, 3, return_sequences=True, stateful=True, dtype=torch.float64))
    x = torch.randn(2, 8, 2, generator=gen, dtype=torch.float64)
    stack(x[:, :4])
    assert isinstance(stack.states, list) and len(stack.states) == 2
    second = stack(x[:, 4:])
    stack.reset_states()
    assert stack.states is None
    full = stack(x)
    assert_close(second, full[:, 4:], what="stacked stateful continuation")
    bi = ts.Bidirectional(ts.LSTM(2, 3, stateful=True, dtype=torch.float64))
    bi(x)
    assert isinstance(bi.states, tuple) and len(bi.states) == 2


def test_reset_states_starts_from_zeros(gen):
    layer = make(stateful=True)
    x = torch.randn(2, 5, 2, generator=gen, dtype=torch.float64)
    first = layer(x)
    assert not torch.equal(layer(x), first)                           # continued from the kept state
    layer.reset_states()
    assert torch.equal(layer(x), first)


def test_initial_state_overrides_kept_state(gen):
    layer = make(stateful=True)
    x = torch.randn(2, 5, 2, generator=gen, dtype=torch.float64)
    first = layer(x)
    zeros = (torch.zeros(2, 3, dtype=torch.float64),) * 2
    assert torch.equal(layer(x, initial_state=zeros), first)


def test_detach_states_for_truncated_bptt(gen):
    layer = make(stateful=True)
    x = torch.randn(2, 10, 2, generator=gen, dtype=torch.float64)
    layer(x[:, :5]).sum().backward()
    assert layer.states[0].grad_fn is not None                        # still on the first chunk's graph
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        layer(x[:, 5:]).sum().backward()
    layer.reset_states()
    layer(x[:, :5]).sum().backward()
    layer.detach_states()
    assert layer.states[0].grad_fn is None and not layer.states[0].requires_grad
    layer(x[:, 5:]).sum().backward()                                  # fine: the graph was cut


def test_batch_size_change_needs_reset(gen):
    layer = make(stateful=True)
    layer(torch.randn(3, 4, 2, generator=gen, dtype=torch.float64))
    with pytest.raises(ValueError, match="keeps states for a batch of 3 samples but x has 2; .*reset_states"):
        layer(torch.randn(2, 4, 2, generator=gen, dtype=torch.float64))
    layer.reset_states()
    layer(torch.randn(2, 4, 2, generator=gen, dtype=torch.float64))


def test_not_stateful_keeps_nothing(gen):
    layer = make()
    layer(torch.randn(2, 4, 2, generator=gen, dtype=torch.float64))
    assert layer.states is None
