"""The per-gate masked input product with its written-out backward, both ways (gate by gate, and per sample with
the masks folded into the weights), against the same products under autograd (one masked copy of x per gate)
and by gradcheck."""
import pytest
import torch

import torchseq as ts
from torchseq.fast import kernel_for
from torchseq.fast.per_gate_input import per_gate_input_product
from tests.tools import assert_close


def reference(x, masks, weight, bias):
    """W_g (m_g * x) + b_g gate by gate, under autograd: (G, ..., N, H)."""
    G = masks.shape[0]
    blocks = weight.chunk(G)                                                           # G x (H, F)
    biases = [None] * G if bias is None else bias.chunk(G)
    return torch.stack([torch.nn.functional.linear(x * masks[g], blocks[g], biases[g]) for g in range(G)])


def inputs(lead, N=3, F=5, H=4, G=3, bias=True, transposed=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (N, *lead, F) if transposed else (*lead, N, F)
    x = torch.randn(shape, dtype=torch.float64, generator=g)
    if transposed:
        x = x.movedim(0, -2)                                                           # (..., N, F), not contiguous
    masks = (torch.rand(G, N, F, generator=g, dtype=torch.float64) > 0.3) / 0.7        # inverted dropout masks
    weight = torch.randn(G * H, F, dtype=torch.float64, generator=g)
    b = torch.randn(G * H, dtype=torch.float64, generator=g) if bias else None
    return [t if t is None else t.detach().requires_grad_() for t in (x, masks.double(), weight, b)]


CASES = [((), True, False, False), ((7,), True, False, False), ((7,), False, False, False), ((7,), True, True, False),
         ((2, 3), True, False, False), ((7,), True, False, True), ((7,), False, False, True), ((7,), True, True, True)]


@pytest.mark.parametrize("lead, bias, transposed, per_sample", CASES)
def test_outputs_and_gradients_match_autograd(lead, bias, transposed, per_sample):
    args = inputs(lead, bias=bias, transposed=transposed)
    out = per_gate_input_product(*args, per_sample=per_sample)
    ref = reference(*args)
    assert out.shape == ref.shape
    assert_close(out, ref, what="xp")
    d = torch.randn_like(ref)
    wrt = [t for t in args if t is not None]
    for got, want, name in zip(torch.autograd.grad(out, wrt, d), torch.autograd.grad(ref, wrt, d),
                               ("x", "masks", "weight", "bias")):
        assert got.shape == want.shape
        assert_close(got, want, what=f"d{name}")


@pytest.mark.parametrize("per_sample", [False, True])
def test_gradcheck(per_sample):
    args = inputs((4,), N=2, F=3, H=2)
    assert torch.autograd.gradcheck(lambda *a: per_gate_input_product(*a, per_sample=per_sample), args)


def test_the_choice_of_way_and_its_check():
    x, masks, weight, bias = inputs((12,), H=4)                                        # G*H = 12 <= L = 12
    assert per_gate_input_product(x, masks, weight, bias).grad_fn.name().startswith("PerSample")
    x, masks, weight, bias = inputs((11,), H=4)
    assert per_gate_input_product(x, masks, weight, bias).grad_fn.name().startswith("PerGate")
    with pytest.raises(ValueError, match="per-sample product takes x"):
        per_gate_input_product(x[0], masks, weight, bias, per_sample=True)


@pytest.mark.parametrize("per_sample", [False, True])
def test_only_the_gradients_asked_for(per_sample):
    x, masks, weight, bias = inputs((6,))
    masks = masks.detach()
    out = per_gate_input_product(x.detach(), masks, weight, bias, per_sample=per_sample)
    d_weight, d_bias = torch.autograd.grad(out, (weight, bias), torch.ones_like(out))
    ref = reference(x.detach(), masks, weight, bias)
    want_weight, want_bias = torch.autograd.grad(ref, (weight, bias), torch.ones_like(ref))
    assert_close(d_weight, want_weight, what="dW")
    assert_close(d_bias, want_bias, what="db")


@pytest.mark.parametrize("make", [lambda: ts.LSTM(5, 4, dropout=0.4), lambda: ts.GRU(5, 4, dropout=0.4),
                                  lambda: ts.GRU(5, 4, dropout=0.4, reset_after=True),
                                  lambda: ts.LayerNormLSTM(5, 4, dropout=0.4)])
def test_fast_projection_of_the_cells_equals_the_readable_one(make):
    """The projection each cell's kernel computes (per-gate product, layer norm after it) = the cell's own."""
    layer = make().double()
    cell = layer.cell
    x = torch.randn(7, 3, 5, dtype=torch.float64, requires_grad=True)                  # (L, N, F)
    masks = cell.draw_masks(x[0], dropout=0.4, generator=torch.Generator().manual_seed(1))
    fused, readable = kernel_for(cell).project(cell, x, masks), cell.project_input(x, masks)
    assert fused.shape == readable.shape == (7, 3, len(cell.gates), 4)
    assert_close(fused, readable, what="xp")
    d = torch.randn_like(readable)
    params = [x] + [p for p in cell.parameters() if p.requires_grad]
    got = torch.autograd.grad(fused, params, d, allow_unused=True)
    want = torch.autograd.grad(readable, params, d, allow_unused=True)
    for a, b in zip(got, want):
        assert (a is None) == (b is None)
        if a is not None:
            assert_close(a, b, what="gradient")
