"""torchseq.testing.assert_modules_close: it passes where two modules compute the same thing (the fast path and
the readable path of every cell, with lengths and initial states) and catches, with a clear message, a changed
weight, a missing gradient term, leaking padding, another structure and other parameters."""
import copy

import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.testing import ModulesReport, assert_modules_close, numpy_parameters, reference
from tests.reference.cases import CELLS


def readable_twin(layer: ts.RNN) -> ts.RNN:
    """The same layer over a subclass of its cell: subclassed cells always run their own readable step."""
    cell = layer.cell
    subclass = type(f"My{type(cell).__name__}", (type(cell),), {})
    twin = copy.deepcopy(layer)
    twin.cell.__class__ = subclass
    return twin


def state_for(layer, n, dtype):
    h = torch.randn(n, layer.hidden_size, dtype=dtype)
    return (h, torch.randn_like(h)) if len(layer.cell.state_names) == 2 else h


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_fast_path_equals_readable_path_for_every_cell(kind, dtype):
    torch.manual_seed(0)
    make, _ = CELLS[kind]
    layer = ts.RNN(make(3, 5, dtype=dtype), return_sequences=True, return_state=True)
    x = torch.randn(4, 6, 3, dtype=dtype)
    report = assert_modules_close(layer, readable_twin(layer), x, initial_state=state_for(layer, 4, dtype),
                                  lengths=torch.tensor([6, 4, 1, 5]))
    names = [c.name for c in report.comparisons]
    assert names[:2] == ["output[0]", "output[1]" if isinstance(layer.cell.zero_state(x[:, 0]), torch.Tensor)
                         else "output[1][0]"]
    assert "grad x" in names and any(n.startswith("grad initial_state") for n in names)
    assert {f"grad {p}" for p, _ in layer.named_parameters()} <= set(names)
    assert report.passed and all(c.tolerance == (1e-10 if dtype == torch.float64 else 1e-5) for c in report.comparisons)


def test_a_changed_weight_is_named_with_where_and_how_much():
    layer = ts.GRU(2, 3, return_sequences=True, dtype=torch.float64)
    other = copy.deepcopy(layer)
    with torch.no_grad():
        other.cell.weight_hh[4, 1] += 1e-6
    with pytest.raises(AssertionError, match=r"output differs: largest \|a - b\| / \(1 \+ \|b\|\) = \d\.\d+e-0[6-9] "
                                             r"at index \(\d, \d, \d\), above the tolerance 1\.0e-10") as failed:
        assert_modules_close(layer, other, torch.randn(2, 5, 2, dtype=torch.float64))
    assert "grad cell.weight_hh" in str(failed.value) and "NO" in str(failed.value)          # the whole table


class DetachedInput(nn.Module):
    """An LSTM whose input projection is cut from autograd: the outputs agree, dL/dx does not."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, initial_state=None, lengths=None):
        return self.layer(x.detach() + 0 * x, initial_state=initial_state, lengths=lengths)


class Plain(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, initial_state=None, lengths=None):
        return self.layer(x, initial_state=initial_state, lengths=lengths)


def test_a_missing_gradient_term_is_caught():
    layer = ts.LSTM(2, 3, dtype=torch.float64)
    with pytest.raises(AssertionError, match="grad x differs"):
        assert_modules_close(Plain(layer), DetachedInput(layer), torch.randn(2, 4, 2, dtype=torch.float64))
    report = assert_modules_close(Plain(layer), DetachedInput(layer), torch.randn(2, 4, 2, dtype=torch.float64),
                                  gradients=False)
    assert [c.name for c in report.comparisons] == ["output"]


class IgnoresLengths(Plain):
    def forward(self, x, initial_state=None, lengths=None):
        return self.layer(x)


def test_padding_that_leaks_is_caught():
    layer = ts.SimpleRNN(2, 3, return_sequences=True, dtype=torch.float64)
    x = torch.randn(2, 5, 2, dtype=torch.float64)
    with pytest.raises(AssertionError, match=r"output differs: .* at index \(1, [234], \d\)"):
        assert_modules_close(Plain(layer), IgnoresLengths(layer), x, lengths=torch.tensor([5, 2]))


def test_other_structures_and_parameters_are_refused_in_words():
    x = torch.randn(2, 4, 2)
    with pytest.raises(AssertionError, match="a returns 1 tensor and b 3: the modules do not return the same structure"):
        assert_modules_close(ts.LSTM(2, 3), ts.LSTM(2, 3, return_state=True), x)
    with pytest.raises(AssertionError, match=r"different parameters: only in a \['cell.bias'\]"):
        assert_modules_close(ts.GRU(2, 3), ts.GRU(2, 3, reset_after=True), x)
    with pytest.raises(AssertionError, match=r"output \(shapes \(2, 3\) vs \(2, 4\)\) differs"):
        assert_modules_close(ts.GRU(2, 3), ts.GRU(2, 4), x, gradients=False)
    with pytest.raises(TypeError, match="a and b must be torch.nn.Modules"):
        assert_modules_close(ts.GRU(2, 3), "gru", x)
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        assert_modules_close(ts.GRU(2, 3), ts.GRU(2, 3), torch.zeros(2, 4, 2, dtype=torch.long))


def test_the_modules_given_are_left_as_they_were():
    layer = ts.LSTM(2, 3)
    before = {k: v.clone() for k, v in layer.state_dict().items()}
    assert isinstance(assert_modules_close(layer, layer, torch.randn(2, 4, 2)), ModulesReport)
    assert all(p.grad is None for p in layer.parameters())
    assert all(torch.equal(before[k], v) for k, v in layer.state_dict().items())


def test_the_reference_is_public_and_matches_a_cell():
    cell = ts.LSTMCell(3, 4, dtype=torch.float64)
    x, h, c = torch.randn(3, dtype=torch.float64), torch.randn(4, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    out, (h1, c1), _ = reference.lstm(numpy_parameters(cell), x.numpy(), (h.numpy(), c.numpy()))
    y, (h_t, c_t) = cell(x.unsqueeze(0), (h.unsqueeze(0), c.unsqueeze(0)))
    assert torch.allclose(h_t[0], torch.from_numpy(h1), atol=1e-12) and torch.allclose(c_t[0], torch.from_numpy(c1), atol=1e-12)
    with pytest.raises(TypeError, match="cell must be a torch.nn.Module"):
        numpy_parameters({"weight_ih": 1})
