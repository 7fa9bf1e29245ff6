"""Statistics of the masks with a fixed seed: the kept fraction is 1 - p and the masked input projection
is unbiased, each within a stated tolerance."""
import torch

import torchseq as ts


def test_kept_fraction(gen):
    """64 samples x 100 units x 4 gates = 25,600 Bernoulli(0.7) draws: the standard deviation of the kept
    fraction is sqrt(0.7*0.3/25600) = 0.0029; tolerance 0.015 is 5 of them."""
    layer = ts.LSTM(100, 100, dropout=0.3, recurrent_dropout=0.3, generator=11)
    with ts.record_internals(layer) as internals:
        layer(torch.randn(64, 2, 100, generator=gen))
    for kind in ("input_mask", "recurrent_mask"):
        kept = (internals[""][kind][:, :, 0] > 0).double().mean().item()
        assert abs(kept - 0.7) < 0.015, (kind, kept)


def test_masked_projection_is_unbiased(gen):
    """E[W_g (m_g * x)] = W_g x because E[m] = 1 (inverted scaling). Averaged over 2,000 mask draws the
    relative error is about 1/sqrt(2000 * (1-p)/p) ~ 2%; tolerance 6%."""
    cell = ts.GRUCell(20, 8, dtype=torch.float64)
    x = torch.randn(4, 20, generator=gen, dtype=torch.float64)
    exact = cell.project_input(x)
    draws = torch.stack([cell.project_input(x, cell.draw_masks(x, dropout=0.3, generator=gen)) for _ in range(2000)])
    err = (draws.mean(0) - exact).norm() / (exact - cell.bias.view(3, -1)).norm()
    assert err < 0.06, err.item()
