"""Pools against torch.nn where it can express them (valid, symmetric same) and an independent loop
everywhere (TensorFlow's asymmetric 'same'); global pools; gradients; errors."""
import math

import pytest
import torch
import torch.nn.functional as F

import torchseq as ts
from tests.tools import assert_close


def loop_pool(x, P, s, padding, kind):
    """Window by window, TensorFlow's rule: 'same' pads (Q//2, Q - Q//2) steps that take no part."""
    N, L, C = x.shape
    out_len = math.ceil(L / s) if padding == "same" else (L - P) // s + 1
    before = max((out_len - 1) * s + P - L, 0) // 2 if padding == "same" else 0
    out = torch.empty(N, out_len, C, dtype=x.dtype)
    for t in range(out_len):
        lo, hi = max(t * s - before, 0), min(t * s - before + P, L)
        window = x[:, lo:hi]
        out[:, t] = window.max(dim=1).values if kind == "max" else window.mean(dim=1)
    return out


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("P,s", [(2, None), (3, 2), (4, 1), (3, 3), (5, 2), (1, 1)])
def test_pools_match_the_loop_and_torch(P, s, padding, gen):
    x = torch.randn(2, 11, 3, generator=gen, dtype=torch.float64)
    for kind, cls in (("max", ts.MaxPool1D), ("avg", ts.AvgPool1D)):
        pool = cls(P, s, padding)
        y = pool(x)
        assert_close(y, loop_pool(x, P, s or P, padding, kind), what=f"{kind} vs loop")
        before, after = pool.padding_amounts(11)
        if before == after:
            fn = F.max_pool1d if kind == "max" else lambda *a, **k: F.avg_pool1d(*a, **k, count_include_pad=False)
            ref = fn(x.transpose(1, 2), P, s or P, padding=before).transpose(1, 2)
            assert_close(y, ref, what=f"{kind} vs torch")


def test_pool_gradients(gen):
    x = torch.randn(2, 10, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    g, = torch.autograd.grad(ts.MaxPool1D(2)(x).sum(), x)
    assert set(g.unique().tolist()) == {0.0, 1.0} and g.sum() == 2 * 5 * 3     # one winner per window
    assert torch.autograd.gradcheck(ts.AvgPool1D(3, 2, "same"), (x,))


def test_global_pools(gen):
    x = torch.randn(4, 7, 5, generator=gen)
    assert torch.equal(ts.GlobalMaxPool1D()(x), x.max(dim=1).values)
    assert torch.equal(ts.GlobalAvgPool1D()(x), x.mean(dim=1))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions"):
        ts.GlobalMaxPool1D()(torch.zeros(4, 7))


def test_pool_errors():
    with pytest.raises(ValueError, match="x has 2 steps but a 'valid' pool of size 3 needs at least 3"):
        ts.MaxPool1D(3)(torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same'; got 'causal'"):
        ts.AvgPool1D(2, padding="causal")
    with pytest.raises(TypeError, match="pool_size must be a positive int, got float 2.0"):
        ts.MaxPool1D(2.0)
