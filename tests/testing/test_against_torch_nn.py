"""assert_modules_close with a torch.nn layer as b: packed lengths, stacked states and torch.nn's parameter names
are adapted, so a torchseq layer is compared with torch.nn directly, every gradient included."""
import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.testing import assert_modules_close

KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def hx_for(ref, n):
    shape = (ref.num_layers * (2 if ref.bidirectional else 1), n, ref.hidden_size)
    h = torch.randn(shape, dtype=torch.float64)
    return (h, torch.randn_like(h)) if isinstance(ref, nn.LSTM) else h


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("sequences", [True, False], ids=["sequences", "last"])
def test_torchseq_equals_torch_nn_with_every_gradient(kind, layers, bidirectional, sequences):
    torch.manual_seed(0)
    ref = KINDS[kind](3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=True, dtype=torch.float64)
    ours = ts.interop.from_torch(ref)
    top = ours.layers[-1] if isinstance(ours, ts.Stacked) else ours
    for rnn in ([top.forward_layer, top.backward_layer] if isinstance(top, ts.Bidirectional) else [top]):
        rnn.return_sequences = sequences
    x = torch.randn(5, 7, 3, dtype=torch.float64)
    report = assert_modules_close(ours, ref, x, initial_state=ts.interop.state_from_torch(ours, hx_for(ref, 5)),
                                  lengths=torch.tensor([7, 2, 5, 1, 7]))
    directions = 2 if bidirectional else 1
    biases = [c for c in report.comparisons if " vs bias_" in c.name]
    assert len(biases) == 2 * layers * directions                                 # b_ih and b_hh for each bias
    assert report.passed and "grad x" in [c.name for c in report.comparisons]


def test_a_difference_from_torch_nn_is_named_by_both_names():
    ref = nn.GRU(3, 4, batch_first=True, dtype=torch.float64)
    ours = ts.interop.from_torch(ref)
    with torch.no_grad():
        ours.cell.bias_hh[9] += 1e-4                                             # the candidate's b_hn
    with pytest.raises(AssertionError, match=r"output\[0\] differs") as failed:
        assert_modules_close(ours, ref, torch.randn(2, 5, 3, dtype=torch.float64))
    assert "grad cell.bias_hh vs bias_hh_l0" in str(failed.value)


def test_torch_nn_layers_must_be_batch_first_and_a_must_be_torchseq():
    x = torch.randn(2, 5, 3)
    with pytest.raises(TypeError, match="b must be a torch.nn RNN, LSTM or GRU with batch_first=True"):
        assert_modules_close(ts.LSTM(3, 4), nn.LSTM(3, 4), x)
    with pytest.raises(TypeError, match="a must be a torchseq recurrent layer"):
        assert_modules_close(nn.Linear(3, 4), nn.LSTM(3, 4, batch_first=True), x)
