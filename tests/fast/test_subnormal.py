"""The fast path's backward flushes subnormal floats (torchseq.fast.subnormal): where a vanishing gradient
passes through the subnormal range the readable path holds subnormal numbers and the fast path zeros; all
other gradients agree as everywhere else; the CPU's flush mode is restored after the backward. (The products
autograd computes after the fast Function, e.g. dL/dx = dL/dxp W_x, may still round to subnormals.)"""
import pytest
import torch

import torchseq as ts
from torchseq.fast.subnormal import flushing
from tests.tools import assert_close


def subnormal(t):
    return (t != 0) & (t.abs() < torch.finfo(t.dtype).tiny)


def vanishing_grads(kind, reference):
    torch.manual_seed(0)
    layer = getattr(ts, kind)(3, 6)
    with torch.no_grad():
        layer.cell.weight_hh.mul_(0.05)                                            # |dh_{t-1}| << |dh_t|
        if kind == "LSTM":
            layer.cell.bias[6:12].fill_(-6.0)                                      # f ~ 0: the conveyor belt forgets
        if kind == "GRU":
            layer.cell.bias[6:12].fill_(-6.0)                                      # z ~ 0: h_t = n_t, h_{t-1} forgotten
    x = torch.randn(2, 120, 3, requires_grad=True)
    with ts.use_reference_path(reference):
        layer(x).sum().backward()
    return x.grad


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("before", [False, True])
def test_flush_restores_mode_and_only_touches_subnormals(kind, before):
    torch.set_flush_denormal(False)
    reference = vanishing_grads(kind, reference=True)
    assert subnormal(reference).any(), "the case must reach the subnormal range"
    torch.set_flush_denormal(before)
    try:
        fast = vanishing_grads(kind, reference=False)
        assert flushing() is before
    finally:
        torch.set_flush_denormal(False)
    flushed = (fast == 0) & subnormal(reference)                                   # zero where the reference is subnormal
    assert flushed.any() and subnormal(fast).sum() < subnormal(reference).sum()
    tiny = torch.finfo(torch.float32).tiny
    small = reference.abs() < tiny
    assert (fast[small].abs() < tiny).all()
    assert_close(fast, reference, torch.float32, "x.grad")
    normal = reference.abs() > 1e6 * tiny                                          # flushed terms are ~tiny: relative agreement above
    torch.testing.assert_close(fast[normal], reference[normal], rtol=1e-4, atol=0)
