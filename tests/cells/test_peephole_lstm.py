"""The degenerate identity: a peephole LSTM with zero peephole weights is the plain LSTM (both on the
readable path, equation against equation; the fast LSTM is compared in tests/fast/)."""
import torch

import torchseq as ts
from torchseq.fast import use_reference_path
from tests.tools import randomize_


def test_zero_peepholes_is_lstm(gen):
    lstm = randomize_(ts.LSTMCell(3, 4, dtype=torch.float64), generator=gen)
    peep = ts.PeepholeLSTMCell(3, 4, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias"):
            getattr(peep, name).copy_(getattr(lstm, name))
        for name in ("weight_ci", "weight_cf", "weight_co"):
            getattr(peep, name).zero_()
    x = torch.randn(2, 6, 3, generator=gen, dtype=torch.float64)
    with use_reference_path():
        y1, s1 = ts.RNN(lstm, return_sequences=True, return_state=True)(x)
        y2, s2 = ts.RNN(peep, return_sequences=True, return_state=True)(x)
        # Equal up to rounding, not bit for bit: sigmoid(o) on a strided gate view and sigmoid(o + 0 * c) on a
        # contiguous sum take different ATen loops, whose last bits differ on some CPUs (seen: 2.8e-17 on an
        # AMD EPYC, 0 elsewhere).
        assert (y1 - y2).abs().max() < 1e-15 and (s1[1] - s2[1]).abs().max() < 1e-15
        with torch.no_grad():
            peep.weight_co.fill_(0.5)                               # the output gate now sees c_t
        y3 = ts.RNN(peep, return_sequences=True)(x)
    assert (y3 - y1).abs().max() > 1e-3


def test_each_peephole_reaches_its_gate(gen):
    """Gradients reach w_ci, w_cf from c_{t-1} and w_co from c_t; at t = 0 (c_{-1} = 0) only w_co gets one."""
    cell = randomize_(ts.PeepholeLSTMCell(3, 4, dtype=torch.float64), generator=gen)
    x = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    y, _ = cell(x)
    g = torch.autograd.grad(y.sum(), [cell.weight_ci, cell.weight_cf, cell.weight_co])
    assert g[0].abs().max() == 0 and g[1].abs().max() == 0 and g[2].abs().max() > 0
    c0 = torch.randn(2, 4, generator=gen, dtype=torch.float64)
    y, _ = cell(x, (torch.zeros(2, 4, dtype=torch.float64), c0))
    g = torch.autograd.grad(y.sum(), [cell.weight_ci, cell.weight_cf, cell.weight_co])
    assert all(v.abs().max() > 0 for v in g)
