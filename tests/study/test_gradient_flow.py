"""gradient_norms against two independent computations (a NumPy BPTT for the SimpleRNN; for the gated
cells, the public layer restarted at step t+1 from (h_t, c_t), whose gradient w.r.t. that initial state
is dL/dh_t), the vanishing/exploding behaviour the tool exists to show, and spectral_radius."""
import numpy as np
import pytest
import torch

import torchseq as ts
from tests.tools import assert_close, randomize_
from torchseq.study import gradient_norms, spectral_radius

N, L, F, H = 3, 7, 2, 4


def test_simple_rnn_matches_numpy_bptt(gen):
    layer = randomize_(ts.SimpleRNN(F, H, return_sequences=True, dtype=torch.float64), generator=gen)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    _, inner = ts.trace(layer, x)
    h = inner["h"].detach().numpy()                                                     # (N, L, H)
    W = layer.cell.weight_hh.detach().numpy()
    dh = np.ones((N, H))                                                                # dL/dh_{L-1}: loss = sum y_{L-1}
    expected = [None] * L
    for t in range(L - 1, -1, -1):
        expected[t] = np.linalg.norm(dh, axis=1).mean()
        dh = ((1 - h[:, t] ** 2) * dh) @ W                                              # W_h^T (phi'(a_t) dh_t), per row
    assert_close(gradient_norms(layer, x), torch.tensor(expected), what="SimpleRNN norms")


def _restarted_norms(layer, x, loss_on_all):
    """dL/dh_t by rerunning the layer from step t+1 with initial state (h_t, c_t) made a leaf."""
    y, inner = ts.trace(layer, x)
    norms = []
    for t in range(L):
        h_t = inner["h"][:, t].detach().requires_grad_()
        state = (h_t, inner["c"][:, t].detach()) if "c" in inner else h_t
        if t == L - 1:
            grad = torch.ones_like(h_t)                                                 # y_{L-1} = h_{L-1}
        else:
            rest = layer(x[:, t + 1:], initial_state=state)
            loss = rest.sum() + h_t.sum() if loss_on_all else rest[:, -1].sum()
            grad, = torch.autograd.grad(loss, h_t)
        norms.append(grad.norm(dim=1).mean())
    return torch.stack(norms)


@pytest.mark.parametrize("make", [ts.LSTM, ts.GRU, ts.PeepholeLSTM, ts.LayerNormLSTM])
@pytest.mark.parametrize("loss_on_all", [False, True])
def test_gated_cells_match_restarted_runs(make, loss_on_all, gen):
    layer = randomize_(make(F, H, return_sequences=True, dtype=torch.float64), generator=gen)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    loss_fn = (lambda y: y.sum()) if loss_on_all else None
    assert_close(gradient_norms(layer, x, loss_fn), _restarted_norms(layer, x, loss_on_all), what=make.__name__)


def _orthogonal(H, gen):
    q, _ = torch.linalg.qr(torch.randn(H, H, generator=gen, dtype=torch.float64))
    return q


def test_spectral_radius_below_one_vanishes_above_one_explodes(gen):
    x = torch.randn(4, 60, F, generator=gen, dtype=torch.float64) * 0.1
    norms = {}
    for rho, activation in ((0.5, "tanh"), (1.5, "relu")):
        layer = ts.SimpleRNN(F, 16, activation=activation, dtype=torch.float64)
        with torch.no_grad():
            # relu: W_h = 1.5 I and a positive bias keep every unit in relu's linear part (phi' = 1)
            layer.cell.weight_hh.copy_(rho * (_orthogonal(16, gen) if activation == "tanh" else torch.eye(16)))
            layer.cell.bias.fill_(1.0 if activation == "relu" else 0.0)
        assert spectral_radius(layer) == pytest.approx({"h": rho}, rel=1e-12)
        norms[rho] = gradient_norms(layer, x)
    assert norms[0.5][0] < 1e-12 * norms[0.5][-1]                                       # 0.5^59 ~ 1.7e-18
    assert float(norms[1.5][0]) == pytest.approx(1.5 ** 59 * float(norms[1.5][-1]), rel=1e-9)   # grows back in time
    lstm = ts.LSTM(F, 16, dtype=torch.float64)                                           # b_f = 1: c carries it
    kept = gradient_norms(lstm, x)
    assert kept[0] / kept[-1] > 1e3 * norms[0.5][0] / norms[0.5][-1]


def test_spectral_radius_per_gate(gen):
    cell = ts.LSTMCell(3, 4, dtype=torch.float64)
    with torch.no_grad():
        for g, scale in enumerate((0.1, 0.2, 0.3, 0.4)):
            cell.weight_hh[g * 4:(g + 1) * 4] = scale * _orthogonal(4, gen)
    radii = spectral_radius(cell)
    assert list(radii) == ["i", "f", "g", "o"]
    assert radii == pytest.approx({"i": 0.1, "f": 0.2, "g": 0.3, "o": 0.4}, rel=1e-12)


def test_errors(gen):
    x = torch.randn(2, 5, F, generator=gen)
    with pytest.raises(TypeError, match="Bidirectional or Stacked"):
        gradient_norms(ts.Bidirectional(ts.LSTM(F, H)), x)
    with pytest.raises(ValueError, match="scalar"):
        gradient_norms(ts.LSTM(F, H), x, loss_fn=lambda y: y)
    with pytest.raises(ValueError, match="features"):
        gradient_norms(ts.LSTM(F + 1, H), x)
    with pytest.raises(TypeError, match="recurrent cell"):
        spectral_radius(torch.nn.Linear(2, 2))
