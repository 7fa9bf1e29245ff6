"""Bad arguments to the cells fail at the boundary, naming the argument, the expectation and the value."""
import math

import numpy as np
import pytest
import torch

import torchseq as ts


@pytest.mark.parametrize("value,error,text", [
    (0, ValueError, "hidden_size must be a positive int, got 0"),
    (-3, ValueError, "got -3"),
    (2.5, TypeError, "got float 2.5"),
    (math.inf, TypeError, "got float inf"),
    (math.nan, TypeError, "got float nan"),
    (True, TypeError, "got bool"),
    ("8", TypeError, "got str"),
])
def test_bad_hidden_size(value, error, text):
    with pytest.raises(error, match=text):
        ts.LSTMCell(3, value)


def test_numpy_integer_sizes_are_fine():
    assert ts.GRUCell(np.int64(3), np.int32(4)).hidden_size == 4


def test_bad_options():
    with pytest.raises(ValueError, match="activation must be one of 'tanh', 'relu'; got 'sigmoid'"):
        ts.SimpleRNNCell(2, 3, activation="sigmoid")
    with pytest.raises(ValueError, match="init must be one of 'keras', 'torch'; got 'xavier'"):
        ts.GRUCell(2, 3, init="xavier")
    with pytest.raises(TypeError, match="reset_after must be True or False, got int 1"):
        ts.GRUCell(2, 3, reset_after=1)
    with pytest.raises(ValueError, match="layer_norm_eps must be a positive finite float, got 0"):
        ts.SimpleRNNCell(2, 3, layer_norm=True, layer_norm_eps=0)


def test_bad_step_input():
    cell = ts.LSTMCell(3, 4)
    with pytest.raises(TypeError, match=r"x_t must be a torch.Tensor shaped \(N, F\).*got ndarray"):
        cell(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"x_t must have 2 dimensions \(N, F\).*got shape \(2, 5, 3\)"):
        cell(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match=r"x_t must have 3 features .*got shape \(2, 4\)"):
        cell(torch.zeros(2, 4))
    with pytest.raises(TypeError, match="x_t must be a floating-point tensor, got dtype torch.int64"):
        cell(torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(TypeError, match=r"x_t has dtype torch.float64 but the module's parameters are torch.float32"):
        cell(torch.zeros(2, 3, dtype=torch.float64))


def test_bad_state():
    lstm, gru = ts.LSTMCell(3, 4), ts.GRUCell(3, 4)
    x = torch.zeros(2, 3)
    with pytest.raises(TypeError, match=r"state of LSTMCell must be a tuple \(h, c\) of \(N, H\) tensors, got Tensor"):
        lstm(x, torch.zeros(2, 4))
    with pytest.raises(TypeError, match=r"got tuple of length 3"):
        lstm(x, (torch.zeros(2, 4),) * 3)
    with pytest.raises(ValueError, match=r"state\[1\] \(c\) must have shape \(N, H\) = \(2, 4\), got \(2, 5\)"):
        lstm(x, (torch.zeros(2, 4), torch.zeros(2, 5)))
    with pytest.raises(ValueError, match=r"state must have shape \(N, H\) = \(2, 4\), got \(3, 4\)"):
        gru(x, torch.zeros(3, 4))
    with pytest.raises(TypeError, match="state has dtype torch.float64 but the input has torch.float32"):
        gru(x, torch.zeros(2, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match="state must be a torch.Tensor shaped"):
        gru(x, [[0.0] * 4] * 2)
