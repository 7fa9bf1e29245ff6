"""Initialisation schemes: Keras defaults (glorot, orthogonal, zero bias, forget bias 1) and torch.nn's."""
import math

import pytest
import torch

import torchseq as ts
from tests.reference.cases import CELLS


def test_keras_init_lstm():
    torch.manual_seed(0)
    F, H = 7, 16
    cell = ts.LSTMCell(F, H)
    bound = math.sqrt(6 / (F + 4 * H))                              # glorot on Keras' (F, 4H) kernel
    assert cell.weight_ih.abs().max() <= bound
    assert cell.weight_ih.abs().max() > 0.8 * bound                 # uniform on the whole range, not a narrower one
    w = cell.weight_hh.detach()                                     # (4H, H), orthonormal columns
    torch.testing.assert_close(w.T @ w, torch.eye(H), atol=1e-5, rtol=0)
    expected_bias = torch.zeros(4 * H)
    expected_bias[H:2 * H] = 1.0
    assert torch.equal(cell.bias.detach(), expected_bias)


def test_unit_forget_bias_off_and_torch_scheme():
    torch.manual_seed(0)
    H = 8
    keras = ts.LSTMCell(3, H, unit_forget_bias=False)
    assert torch.count_nonzero(keras.bias) == 0
    cell = ts.LSTMCell(3, H, init="torch", unit_forget_bias=False)
    bound = 1 / math.sqrt(H)
    for p in cell.parameters():
        assert p.abs().max() <= bound
        assert p.std() > 0.3 * bound                                 # drawn, not constant
    with_forget = ts.LSTMCell(3, H, init="torch")
    assert torch.equal(with_forget.bias[H:2 * H].detach(), torch.ones(H))


@pytest.mark.parametrize("name", sorted(CELLS))
def test_reset_parameters_redraws_and_layer_norm_starts_neutral(name):
    torch.manual_seed(1)
    make, _ = CELLS[name]
    cell = make(4, 6)
    before = cell.weight_ih.detach().clone()
    cell.reset_parameters()
    assert not torch.equal(before, cell.weight_ih)
    for pname, p in cell.named_parameters():
        if pname.startswith("ln_") and pname.endswith("weight"):
            assert torch.equal(p.detach(), torch.ones_like(p))
        if pname.startswith("ln_") and pname.endswith("bias"):
            assert torch.count_nonzero(p) == 0


def test_peephole_keras_bound():
    torch.manual_seed(2)
    H = 50
    cell = ts.PeepholeLSTMCell(3, H)
    bound = math.sqrt(6 / (2 * H))                                  # glorot on a 1-D (H,) shape
    for w in (cell.weight_ci, cell.weight_cf, cell.weight_co):
        assert w.abs().max() <= bound and w.abs().max() > 0.7 * bound


@pytest.mark.parametrize("cls,gates", [(ts.SimpleRNNCell, 1), (ts.LSTMCell, 4), (ts.GRUCell, 3)])
def test_keras_parameter_counts(cls, gates):
    """One bias per gate block, as Keras counts: LSTM(32) on 1 feature = 4,352 (the seeds' summary)."""
    F, H = 1, 32
    cell = cls(F, H)
    assert sum(p.numel() for p in cell.parameters()) == gates * (H * F + H * H + H)
    assert sum(p.numel() for p in ts.LSTMCell(1, 32).parameters()) == 4352


def test_reset_after_gru_has_two_biases():
    cell = ts.GRUCell(1, 32, reset_after=True)
    assert sum(p.numel() for p in cell.parameters()) == 3 * (32 + 32 * 32 + 2 * 32)
    assert {n for n, _ in cell.named_parameters()} == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
