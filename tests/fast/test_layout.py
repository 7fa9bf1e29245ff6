"""The gate-major layout of the fast kernels: the copies in and out of it (from xp (L, N, G*H) and from a
gate-first xp (G, L, N, H)), its gate blocks, and the batched product on it against the row-major masked product
(independent code) and an explicit loop."""
import pytest
import torch

from torchseq.fast.layout import arrange, gate_blocks, gate_first, gate_span, like_xp, per_gate, product_for, sizes
from torchseq.fast.product import GateMajorProduct, MaskedProduct, recurrent_weight_grad

L, N, H = 5, 3, 4


@pytest.mark.parametrize("gates", [2, 3, 4])
def test_arrange_blocks_and_back(gates, gen):
    xp = torch.randn(L, N, gates * H, generator=gen, dtype=torch.float64)
    major = arrange(xp, gates, gate_major=True)
    assert major.shape == (L, gates, N, H) and major.is_contiguous()
    for g, (a, b) in enumerate(zip(gate_blocks(major, gates, True), gate_blocks(xp, gates, False))):
        assert torch.equal(a, xp[..., g * H:(g + 1) * H]) and torch.equal(a, b)
    assert torch.equal(gate_span(major, 2, gates, True).transpose(1, 2).reshape(L, N, 2 * H), xp[..., :2 * H])
    first = gate_first(major)                                                          # (G, L, N, H)
    assert first.shape == (gates, L, N, H) and first.is_contiguous()
    assert all(torch.equal(first[g], xp[..., g * H:(g + 1) * H]) for g in range(gates))
    assert torch.equal(like_xp(first, False), xp) and like_xp(first, True) is first
    assert torch.equal(arrange(first, gates, gate_major=True), major)                  # from a gate-first xp
    assert sizes(xp, gates) == sizes(first, gates) == (L, N, H)
    copy = arrange(xp, gates, gate_major=False)
    assert torch.equal(copy, xp) and copy.data_ptr() != xp.data_ptr()


def test_per_gate_picks_the_product():
    w = torch.randn(4 * H, H)
    assert not per_gate(None) and not per_gate(torch.ones(1, N, H)) and per_gate(torch.ones(4, N, H))
    assert isinstance(product_for(w, torch.ones(4, N, H)), GateMajorProduct)
    assert isinstance(product_for(w, torch.ones(1, N, H)), MaskedProduct)
    with pytest.raises(ValueError, match="one row per gate"):
        GateMajorProduct(w, torch.ones(1, N, H))


@pytest.mark.parametrize("gates", [2, 3, 4])
def test_gate_major_product_equals_row_major(gates, gen):
    w = torch.randn(gates * H, H, generator=gen, dtype=torch.float64)
    mask = (torch.rand(gates, N, H, generator=gen, dtype=torch.float64) > 0.4).double() / 0.6
    h = torch.randn(N, H, generator=gen, dtype=torch.float64)
    da = torch.randn(N, gates * H, generator=gen, dtype=torch.float64)
    major, rows = GateMajorProduct(w, mask), MaskedProduct(w, mask)
    out_rows = da.clone()
    out_major = arrange(da.unsqueeze(0), gates, True)[0]                                 # (gates, N, H)
    rows.accumulate(out_rows, h)
    major.accumulate(out_major, h)
    explicit = da + torch.cat([(h * mask[g]) @ w[g * H:(g + 1) * H].T for g in range(gates)], dim=1)
    torch.testing.assert_close(like_xp(gate_first(out_major.unsqueeze(0)), False)[0], explicit, rtol=0, atol=1e-12)
    torch.testing.assert_close(out_rows, explicit, rtol=0, atol=1e-12)
    for m in (None, mask[:1], mask):                                                     # none, shared, per gate
        written = torch.full_like(da, float("nan"))                                      # every entry overwritten
        MaskedProduct(w, m).write(written, h)
        ones = torch.ones(gates, N, H, dtype=torch.float64) if m is None else m.expand(gates, N, H)
        product = torch.cat([(h * ones[g]) @ w[g * H:(g + 1) * H].T for g in range(gates)], dim=1)
        torch.testing.assert_close(written, product, rtol=0, atol=1e-12)
    da_major = arrange(da.unsqueeze(0), gates, True)[0]
    back = sum(mask[g] * (da[:, g * H:(g + 1) * H] @ w[g * H:(g + 1) * H]) for g in range(gates))
    torch.testing.assert_close(major.back(da_major), back, rtol=0, atol=1e-12)
    dh = torch.randn(N, H, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(major.accumulate_back(dh.clone(), da_major), dh + back, rtol=0, atol=1e-12)
    hs = torch.randn(L, N, H, generator=gen, dtype=torch.float64)
    das = torch.randn(L, N, gates * H, generator=gen, dtype=torch.float64)
    dw = torch.cat([sum(das[t, :, g * H:(g + 1) * H].T @ (mask[g] * hs[t]) for t in range(L)) for g in range(gates)])
    das_first = gate_first(arrange(das, gates, True))                                  # (gates, L, N, H)
    torch.testing.assert_close(major.weight_grad(das_first, hs), dw, rtol=0, atol=1e-12)
    torch.testing.assert_close(rows.weight_grad(das, hs), dw, rtol=0, atol=1e-12)
    h0 = torch.randn(N, H, generator=gen, dtype=torch.float64)                         # da_t paired with h_{t-1}
    h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]])
    dw_prev = torch.cat([sum(das[t, :, g * H:(g + 1) * H].T @ (mask[g] * h_prev[t]) for t in range(L))
                         for g in range(gates)])
    torch.testing.assert_close(recurrent_weight_grad(major, das_first, h0, hs), dw_prev, rtol=0, atol=1e-12)
    torch.testing.assert_close(recurrent_weight_grad(rows, das, h0, hs), dw_prev, rtol=0, atol=1e-12)
    one = recurrent_weight_grad(rows, das[:1], h0, hs[:1])                             # a single step: h0 only
    torch.testing.assert_close(one, rows.weight_grad(das[:1], h0.unsqueeze(0)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("gate_major", [False, True])
def test_arrange_is_a_contiguous_copy_whatever_the_strides(gate_major, gen):
    xp = torch.randn(N, L, 3 * H, generator=gen, dtype=torch.float64).transpose(0, 1)   # (L, N, 3H), batch-first memory
    work = arrange(xp, 3, gate_major)
    assert work.is_contiguous() and work.data_ptr() != xp.data_ptr()
    assert torch.equal(work, arrange(xp.contiguous(), 3, gate_major))
