"""torchseq.testing.check_cell: every built-in cell keeps the whole contract (and equals its NumPy reference), a
subclass of its own too; deliberately broken cells -- a wrong gate, a mask drawn at every step, padding that
leaks through the projection, a missing gradient term, a state in the wrong dtype, masks or DropConnect
ignored -- are each caught by the clause that names the fault, with a readable message."""
import copy

import pytest
import torch
import torch.nn.functional as F

import torchseq as ts
from torchseq.cells.masks import keep_mask
from torchseq.testing import CellReport, check_cell, reference
from tests.reference.cases import CELLS


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_every_built_in_cell_keeps_the_contract(kind):
    factory, step = CELLS[kind]
    report = check_cell(factory, reference=step)
    assert report.passed
    assert [c.passed for c in report.checks] == [True] * len(report.checks)      # nothing n/a: all ran
    assert "fast path" in str(report) and "torchseq.fast" in report["fast path"].detail


def test_a_subclass_runs_its_own_step_and_keeps_the_contract():
    class MyLSTMCell(ts.LSTMCell):
        pass

    report = check_cell(MyLSTMCell(2, 3), reference=reference.lstm)
    assert report.passed
    assert report["fast path"].passed is None and "runs this cell's step" in report["fast path"].detail
    assert report["Stacked"].detail.startswith("over SimpleRNNCell(3, 3)")       # reads 3 features, not 2


def test_without_a_reference_the_equations_are_not_checked():
    report = check_cell(ts.GRUCell)
    assert report["equations"].passed is None and report.passed
    assert "n/a" in str(report)


def test_the_given_cell_is_left_unchanged():
    cell = ts.LSTMCell(3, 4)
    before = copy.deepcopy(cell.state_dict())
    check_cell(cell)
    assert all(torch.equal(before[k], v) for k, v in cell.state_dict().items())
    assert cell.weight_ih.dtype == torch.float32 and cell.weight_ih.grad is None


# ---- broken cells ----------------------------------------------------------------------------------------

class WrongGate(ts.LSTMCell):
    """The forget gate reads the output gate's pre-activation: a consistent cell, but not the LSTM."""

    def step(self, xp, state, trace=None, masks=None):
        h, c = state
        i, f, g, o = (xp + self.recurrent_product(h, masks)).unbind(1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        return h, (h, c)


class PerStepMask(ts.LSTMCell):
    """Ignores the call's recurrent mask and draws a fresh one at every step: naive dropout."""

    def step(self, xp, state, trace=None, masks=None):
        if masks is not None and masks.recurrent is not None:
            h = state[0]
            fresh = keep_mask(tuple(masks.recurrent.shape), 0.25, h)
            masks = type(masks)(input=masks.input, recurrent=fresh, weight_hh=masks.weight_hh)
        return super().step(xp, state, trace, masks)


class CentredOverTime(ts.LSTMCell):
    """Centres the inputs over the positions it is given: over the sequence (padding included) when the
    runner hoists the projection, over the batch for one step."""

    def project_input(self, x, masks=None):
        return super().project_input(x - x.mean(dim=0, keepdim=True), masks)


class DetachedCell(ts.LSTMCell):
    """Drops the gradient through c_{t-1}: a missing term of backpropagation through time."""

    def step(self, xp, state, trace=None, masks=None):
        h, c = state
        return super().step(xp, (h, c.detach()), trace, masks)


class IgnoresDropConnect(ts.SimpleRNNCell):
    """Uses its own W_h whatever the call's masks hold: weight_dropout= silently does nothing."""

    def recurrent_weight(self, masks=None):
        return self.weight_hh


class Float32State(ts.GRUCell):
    """Makes its zero state in the default dtype whatever the input's."""

    def zero_state(self, x):
        return torch.zeros(x.shape[0], self.hidden_size)


class IgnoresMasks(ts.SimpleRNNCell):
    """Projects without the dropout masks: dropout= silently does nothing."""

    def project_input(self, x, masks=None):
        return F.linear(x, self.weight_ih, self.bias).unflatten(-1, (1, self.hidden_size))

    def step(self, xp, state, trace=None, masks=None):
        return super().step(xp, state, trace, None)


@pytest.mark.filterwarnings("ignore:Input #1 requires gradient")       # the float32 state, in gradcheck
@pytest.mark.parametrize("cell, fails, words", [
    (WrongGate, {"equations"}, "equations"),
    (PerStepMask, {"variational masks"}, "differs; dropout = recurrent_dropout = weight_dropout"),
    (CentredOverTime, {"projection per step", "padding"}, "projection"),
    (DetachedCell, {"gradcheck step", "gradcheck layer"}, "Jacobian mismatch"),
    (Float32State, {"state shapes", "padding", "go_backwards", "Bidirectional", "Stacked", "dtype and device",
                    "gradcheck layer"}, "torch.float32"),
    (IgnoresMasks, {"variational masks"}, "changed nothing"),
    (IgnoresDropConnect, {"variational masks"}, "DropConnect against eval with W_h masked differs"),
], ids=["wrong gate", "mask per step", "leaking padding", "missing gradient", "state dtype", "ignored masks",
        "ignored DropConnect"])
def test_a_broken_cell_is_caught_by_the_clause_that_names_its_fault(cell, fails, words):
    step = reference.gru_reset_before if issubclass(cell, ts.GRUCell) else (
        reference.simple_rnn if issubclass(cell, ts.SimpleRNNCell) else reference.lstm)
    report = check_cell(cell, reference=step, raise_on_failure=False)
    failed = {c.name for c in report.failures}
    assert fails <= failed, str(report)
    assert words in str(report)
    with pytest.raises(AssertionError, match="breaks the recurrent-cell contract") as caught:
        check_cell(cell, reference=step)
    assert all(name in str(caught.value) for name in fails)


def test_the_wrong_gate_keeps_every_other_clause():
    """The contract alone cannot tell which equations were meant: only the reference catches a wrong gate."""
    report = check_cell(WrongGate, reference=reference.lstm, raise_on_failure=False)
    assert [c.name for c in report.failures] == ["equations"]
    assert check_cell(WrongGate).passed


def test_a_failing_clause_reports_the_difference_and_tolerance():
    report = check_cell(CentredOverTime, raise_on_failure=False)
    check = report["padding"]
    assert check.passed is False and check.difference > check.tolerance == 1e-10
    assert isinstance(report, CellReport) and "FAIL" in str(report)


@pytest.mark.parametrize("call, error, words", [
    (lambda: check_cell("LSTMCell"), TypeError, "cell_or_factory must be"),
    (lambda: check_cell(ts.LSTM(2, 3)), TypeError, "cell_or_factory must be"),
    (lambda: check_cell(lambda F, H: torch.nn.Linear(F, H)), TypeError, "must return a torchseq RecurrentCell"),
    (lambda: check_cell(ts.LSTMCell, batch=1), ValueError, "batch >= 2"),
    (lambda: check_cell(ts.LSTMCell, steps=2), ValueError, "steps >= 3"),
    (lambda: check_cell(ts.LSTMCell, input_size=0), ValueError, "input_size"),
    (lambda: check_cell(ts.LSTMCell, reference="lstm"), TypeError, "reference must be a step function"),
])
def test_bad_arguments_are_refused_by_name(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_an_unknown_check_name_is_a_key_error():
    with pytest.raises(KeyError, match="no check named"):
        check_cell(ts.SimpleRNNCell)["padding!"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal where there is no GPU")
def test_cuda_is_refused_without_a_gpu():
    with pytest.raises(ValueError, match="cuda"):
        check_cell(ts.LSTMCell, device="cuda")


@pytest.mark.cuda
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_every_built_in_cell_keeps_the_contract_on_cuda(kind):
    factory, step = CELLS[kind]
    report = check_cell(factory, reference=step, device="cuda")
    assert "cuda float64 against cpu" in report["dtype and device"].detail
