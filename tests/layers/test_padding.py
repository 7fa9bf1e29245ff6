"""Padding never matters: whatever lies past ``lengths`` -- NaN, inf, huge values -- the outputs, the final
state and every gradient (parameters, initial state, the valid inputs) equal those of the same batch padded
with zeros, and the gradient with respect to a padded input is 0. Every cell, both paths, go_backwards,
Bidirectional and Stacked."""
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import torchseq as ts
from torchseq.fast import use_reference_path

N, L, F, H = 3, 5, 2, 4
LENGTHS = torch.tensor([2, 5, 3])
LAYERS = ["SimpleRNN", "LSTM", "PeepholeLSTM", "GRU", "LayerNormLSTM"]


def _layer(name, wrapper, go_backwards):
    torch.manual_seed(0)
    make = getattr(ts, name)
    if wrapper == "bidirectional":
        return ts.Bidirectional(make(F, H, return_sequences=True, return_state=True))
    if wrapper == "stacked":
        return ts.Stacked(make(F, H, return_sequences=True),
                          make(H, H, return_sequences=True, return_state=True, go_backwards=go_backwards))
    return make(F, H, return_sequences=True, return_state=True, go_backwards=go_backwards)


def _padded(fill):
    x = torch.randn(N, L, F, generator=torch.Generator().manual_seed(1), dtype=torch.float32)
    valid = torch.arange(L).unsqueeze(0) < LENGTHS.unsqueeze(1)                     # (N, L)
    return torch.where(valid.unsqueeze(2), x, torch.as_tensor(fill, dtype=x.dtype))


def _run(layer, x):
    """Outputs, final states and the gradients of a loss touching all of them."""
    layer.zero_grad()
    x = x.clone().requires_grad_()
    out, state = layer(x, lengths=LENGTHS)
    states = [state] if isinstance(state, torch.Tensor) else list(ts.layers.states.state_tensors(state))
    loss = out.sum() + sum((s * (i + 2)).sum() for i, s in enumerate(states))
    loss.backward()
    grads = [p.grad.clone() for p in layer.parameters()]
    return [out.detach(), *[s.detach() for s in states], x.grad, *grads]


def _assert_same(layer, fill):
    got, expected = _run(layer, _padded(fill)), _run(layer, _padded(0.0))
    for i, (a, b) in enumerate(zip(got, expected)):
        assert torch.equal(a, b), f"tensor {i} differs with padding {fill}: max |diff| {(a - b).abs().max()}"
    padded = (torch.arange(L).unsqueeze(0) >= LENGTHS.unsqueeze(1))                 # (N, L)
    assert torch.all(got[len(got) - len(list(layer.parameters())) - 1][padded] == 0), "dL/dx at padding is not 0"


@pytest.mark.parametrize("readable", [False, True], ids=["fast", "readable"])
@pytest.mark.parametrize("wrapper,go_backwards", [(None, False), (None, True), ("bidirectional", False),
                                                  ("stacked", True)])
@pytest.mark.parametrize("name", LAYERS)
def test_nan_and_inf_padding_reach_no_output_and_no_gradient(name, wrapper, go_backwards, readable):
    layer = _layer(name, wrapper, go_backwards)
    with use_reference_path(readable):
        for fill in (math.nan, math.inf, -math.inf):
            _assert_same(layer, fill)


@settings(max_examples=15, deadline=None)
@given(fill=st.floats(allow_nan=True, allow_infinity=True, width=32), name=st.sampled_from(LAYERS))
def test_any_padding_value_gives_the_zero_padded_result(fill, name):
    _assert_same(_layer(name, None, False), fill)
