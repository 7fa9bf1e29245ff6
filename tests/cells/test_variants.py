"""The LSTM variants of Greff et al. 2017 (torchseq.cells.variants): each keeps the whole cell contract and
equals the independent NumPy statement of its equations (check_cell); each has the parameters the paper
describes; and the identities that hold are exact -- V is the peephole LSTM, NP the LSTM, a gate saturated
open in V is the variant without it, V with f's weights the negation of i's is CIFG, FGR with zero gate
recurrence is V."""
from functools import partial

import numpy as np
import pytest
import torch

import torchseq as ts
from torchseq.cells.variants import VARIANTS
from torchseq.testing import assert_modules_close, check_cell, reference

F, H = 3, 5


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_keeps_the_contract_and_its_equations(name):
    report = check_cell(VARIANTS[name], reference=partial(reference.greff_lstm, variant=name))
    assert report["equations"].passed and report["padding"].passed and report["variational masks"].passed


def test_the_numpy_reference_tells_the_variants_apart():
    """Guard against a reference that ignores ``variant``: each variant's cell fails against V's equations."""
    for name in ("NIAF", "NOAF", "NP", "FGR"):
        report = check_cell(VARIANTS[name], reference=reference.greff_lstm, raise_on_failure=False)
        assert [c.name for c in report.failures] == ["equations"], name


def block_rows(G):
    return G * (F * H + H * H + H)


@pytest.mark.parametrize("name, count", [
    ("V", block_rows(4) + 3 * H), ("NIG", block_rows(3) + 2 * H), ("NFG", block_rows(3) + 2 * H),
    ("NOG", block_rows(3) + 2 * H), ("NIAF", block_rows(4) + 3 * H), ("NOAF", block_rows(4) + 3 * H),
    ("CIFG", block_rows(3) + 2 * H), ("NP", block_rows(4)), ("FGR", block_rows(4) + 3 * H + 9 * H * H)])
def test_parameter_counts_are_the_papers(name, count):
    cell = VARIANTS[name](F, H)
    assert sum(p.numel() for p in cell.parameters()) == count


def layer(cell, **flags):
    return ts.RNN(cell, return_sequences=True, return_state=True, **flags)


def batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(4, 7, F, generator=g, dtype=torch.float64), torch.tensor([7, 5, 2, 1])


def test_vanilla_is_the_peephole_lstm_and_np_is_the_lstm():
    x, lengths = batch()
    for variant, built_in in ((VARIANTS["V"], ts.PeepholeLSTMCell), (VARIANTS["NP"], ts.LSTMCell)):
        mine = layer(variant(F, H, dtype=torch.float64))
        theirs = layer(built_in(F, H, dtype=torch.float64))
        theirs.load_state_dict(mine.state_dict())
        assert_modules_close(mine, theirs, x, lengths=lengths)                       # gradients too


def vanilla_from(cell) -> ts.RNN:
    """A vanilla LSTM holding ``cell``'s parameters, the blocks and peepholes it lacks zero."""
    v = VARIANTS["V"](F, H, dtype=torch.float64)
    with torch.no_grad():
        for p in v.parameters():
            p.zero_()
        for gate in cell.gates:
            k, j = "ifgo".index(gate), cell.gates.index(gate)
            for name in ("weight_ih", "weight_hh", "bias"):
                getattr(v, name)[k * H:(k + 1) * H] = getattr(cell, name)[j * H:(j + 1) * H]
        for gate in cell.peepholes:
            getattr(v, f"weight_c{gate}").copy_(getattr(cell, f"weight_c{gate}"))
    return v


@pytest.mark.parametrize("name, gate", [("NIG", "i"), ("NFG", "f"), ("NOG", "o")])
def test_a_gate_saturated_open_in_vanilla_is_the_variant_without_it(name, gate):
    """sigmoid(100) is 1 to float64's last bit: a vanilla LSTM whose gate has bias 100 and no weights is the
    variant without that gate."""
    cell = VARIANTS[name](F, H, dtype=torch.float64)
    with torch.no_grad():
        cell.bias.uniform_(-1, 1)
    v = vanilla_from(cell)
    k = "ifgo".index(gate)
    with torch.no_grad():
        v.bias[k * H:(k + 1) * H] = 100.0
    assert torch.sigmoid(torch.tensor(100.0, dtype=torch.float64)) == 1.0
    x, lengths = batch(1)
    assert_modules_close(layer(cell), layer(v), x, lengths=lengths, gradients=False)


def test_cifg_is_vanilla_whose_forget_gate_is_the_negated_input_gate():
    """1 - sigmoid(a) = sigmoid(-a): V with W_f = -W_i, R_f = -R_i, b_f = -b_i, p_f = -p_i is CIFG."""
    cell = VARIANTS["CIFG"](F, H, dtype=torch.float64)
    with torch.no_grad():
        cell.bias.uniform_(-1, 1)
    v = vanilla_from(cell)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias"):
            w = getattr(v, name)
            w[H:2 * H] = -w[:H]
        v.weight_cf.copy_(-v.weight_ci)
    x, lengths = batch(2)
    assert_modules_close(layer(cell), layer(v), x, lengths=lengths, gradients=False, tol=1e-12)


def test_fgr_without_gate_recurrence_is_vanilla_with_the_same_gradients():
    fgr = VARIANTS["FGR"](F, H, dtype=torch.float64)
    with torch.no_grad():
        fgr.weight_gates.zero_()
    v = VARIANTS["V"](F, H, dtype=torch.float64)
    v.load_state_dict({k: p for k, p in fgr.state_dict().items() if k != "weight_gates"})
    x, lengths = batch(3)
    x_a, x_b = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_a, _ = layer(fgr)(x_a, lengths=lengths)
    out_b, _ = layer(v)(x_b, lengths=lengths)
    torch.testing.assert_close(out_a, out_b, rtol=0, atol=1e-14)
    w = torch.randn_like(out_a)
    (out_a * w).sum().backward()
    (out_b * w).sum().backward()
    torch.testing.assert_close(x_a.grad, x_b.grad, rtol=0, atol=1e-14)
    for name, p in v.named_parameters():
        torch.testing.assert_close(getattr(fgr, name).grad, p.grad, rtol=0, atol=1e-14)
    assert fgr.weight_gates.grad.abs().sum() > 0                                     # and it would learn


def test_fgr_carries_its_gates_in_the_state():
    fgr = VARIANTS["FGR"](F, H)
    x = torch.randn(2, 4, F)
    (out, state), internals = ts.trace(layer(fgr), x)
    assert len(state) == 5
    for k, gate in zip(range(2, 5), "ifo"):
        torch.testing.assert_close(state[k], internals[gate][:, -1])


@pytest.mark.parametrize("name, gate, value", [("NIG", "i", 1.0), ("NFG", "f", 1.0), ("NOG", "o", 1.0)])
def test_a_removed_gate_traces_as_its_constant(name, gate, value):
    _, internals = ts.trace(ts.RNN(VARIANTS[name](F, H)), torch.randn(2, 4, F))
    assert torch.equal(internals[gate], torch.full_like(internals[gate], value))


def test_cifg_traces_f_as_one_minus_i():
    _, internals = ts.trace(ts.RNN(VARIANTS["CIFG"](F, H)), torch.randn(2, 4, F))
    torch.testing.assert_close(internals["f"], 1 - internals["i"])


def test_unit_forget_bias_lands_on_the_forget_block_or_nowhere():
    for name, cls in VARIANTS.items():
        cell = cls(F, H)
        ones = [g for k, g in enumerate(cell.gates) if torch.all(cell.bias[k * H:(k + 1) * H] == 1)]
        assert ones == (["f"] if "f" in cell.gates else []), name
        assert np.all(cell.bias.detach().numpy()[[k for k in range(len(cell.gates) * H)
                                                  if cell.gates[k // H] != "f"]] == 0)


def test_variants_refuse_torch_nn_options():
    with pytest.raises(TypeError, match="num_layers"):
        VARIANTS["CIFG"](F, H, num_layers=2)
    with pytest.raises(TypeError, match="num_layers"):
        VARIANTS["FGR"](F, H, num_layers=2)
