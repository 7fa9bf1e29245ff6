"""Bad input to the layers fails at the boundary with a message naming the argument, the expected and the
given value: rank, features, dtype, lengths, initial states, wrapper construction."""
import pytest
import torch

import torchseq as ts


@pytest.fixture
def lstm():
    return ts.LSTM(3, 4, return_state=True)


def test_bad_x(lstm):
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, L, F\) = \(batch, time, features\), got shape \(5, 3\)"):
        lstm(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"x must have 3 features in its last dimension .*got shape \(2, 5, 7\)"):
        lstm(torch.zeros(2, 5, 7))
    with pytest.raises(ValueError, match=r"at least one sample and one time step, got shape \(2, 0, 3\)"):
        lstm(torch.zeros(2, 0, 3))
    with pytest.raises(TypeError, match="x must be a torch.Tensor shaped .* got list"):
        lstm([[[0.0] * 3]])
    with pytest.raises(TypeError, match="x must be a floating-point tensor, got dtype torch.int64"):
        lstm(torch.zeros(2, 5, 3, dtype=torch.long))


def test_bad_lengths(lstm):
    x = torch.zeros(3, 5, 3)
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, L\] = \[1, 5\], got values in \[0, 5\]"):
        lstm(x, lengths=[5, 0, 2])
    with pytest.raises(ValueError, match=r"got values in \[2, 6\]"):
        lstm(x, lengths=torch.tensor([6, 2, 3]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\) = \(3,\), got \(2,\)"):
        lstm(x, lengths=[5, 2])
    with pytest.raises(TypeError, match="lengths must hold integers, got a tensor of dtype torch.float32"):
        lstm(x, lengths=torch.tensor([5.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="lengths must be a 1-D integer tensor or a list of ints, got list"):
        lstm(x, lengths=[5, 2.5, 1])


def test_bad_initial_state(lstm):
    x = torch.zeros(2, 5, 3)
    with pytest.raises(TypeError, match=r"initial_state of LSTMCell must be a tuple \(h, c\) .* got Tensor"):
        lstm(x, initial_state=torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"initial_state\[0\] \(h\) must have shape \(N, H\) = \(2, 4\), got \(1, 2, 4\)"):
        lstm(x, initial_state=(torch.zeros(1, 2, 4), torch.zeros(2, 4)))
    bi = ts.Bidirectional(ts.GRU(3, 4))
    with pytest.raises(TypeError, match=r"initial_state of a Bidirectional layer must be a pair"):
        bi(x, initial_state=torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"initial_state\[1\] \(backward\) must have shape"):
        bi(x, initial_state=(torch.zeros(2, 4), torch.zeros(2, 5)))
    stack = ts.Stacked(ts.GRU(3, 4, return_sequences=True), ts.GRU(4, 4))
    with pytest.raises(TypeError, match="must be a list of 2 states, got tuple of length 1"):
        stack(x, initial_state=(torch.zeros(2, 4),))


def test_bad_wrappers():
    with pytest.raises(TypeError, match="cell must be a torchseq RecurrentCell, got LSTMCell"):
        ts.RNN(torch.nn.LSTMCell(3, 4))
    with pytest.raises(ValueError, match="merge_mode must be one of 'concat', 'sum', 'mul', 'ave', None; got 'max'"):
        ts.Bidirectional(ts.LSTM(3, 4), merge_mode="max")
    with pytest.raises(TypeError, match="layer must be a torchseq RNN layer"):
        ts.Bidirectional(torch.nn.LSTM(3, 4))
    with pytest.raises(ValueError, match="layer must read forward"):
        ts.Bidirectional(ts.LSTM(3, 4, go_backwards=True))
    with pytest.raises(ValueError, match="backward_layer must have go_backwards=True"):
        ts.Bidirectional(ts.LSTM(3, 4), backward_layer=ts.LSTM(3, 4))
    with pytest.raises(ValueError, match="backward_layer.return_sequences=True differs"):
        ts.Bidirectional(ts.LSTM(3, 4), backward_layer=ts.LSTM(3, 4, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="merge_mode='sum' needs equal output sizes, got 4 forward and 5 backward"):
        ts.Bidirectional(ts.LSTM(3, 4), "sum", backward_layer=ts.LSTM(3, 5, go_backwards=True))
    with pytest.raises(ValueError, match="layer 0 must have return_sequences=True"):
        ts.Stacked(ts.LSTM(3, 4), ts.LSTM(4, 4))
    with pytest.raises(ValueError, match="layer 1 reads 5 features but layer 0 outputs 4"):
        ts.Stacked(ts.LSTM(3, 4, return_sequences=True), ts.LSTM(5, 4))
    with pytest.raises(ValueError, match="layer 0 has return_state=True, which a stack cannot honour"):
        ts.Stacked(ts.LSTM(3, 4, return_sequences=True, return_state=True), ts.LSTM(4, 4))
    with pytest.raises(ValueError, match="layer 1 has stateful=True but layer 0 has stateful=False"):
        ts.Stacked(ts.LSTM(3, 4, return_sequences=True), ts.LSTM(4, 4, stateful=True))
    with pytest.raises(ValueError, match="layer 0 has merge_mode=None and cannot feed layer 1"):
        ts.Stacked(ts.Bidirectional(ts.LSTM(3, 4, return_sequences=True), None), ts.LSTM(4, 4))
    with pytest.raises(ValueError, match="Stacked needs at least one layer"):
        ts.Stacked()
    with pytest.raises(TypeError, match="go_backwards must be True or False, got str 'yes'"):
        ts.GRU(3, 4, go_backwards="yes")
    with pytest.raises(TypeError, match="unexpected keyword argument 'unit'"):
        ts.GRU(3, 4, unit=5)
