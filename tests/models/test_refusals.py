"""Models and modules refuse what they cannot honour, in words naming the argument: WaveNet's conditioning and
prime, a forecaster around a layer that does not return its last output, Dense's sizes, a cell's empty batch."""
import pytest
import torch

import torchseq as ts
from torchseq.models import SeriesForecaster, WaveNet
from torchseq.models.wavenet_generation import generate


def _wavenet(**options):
    return WaveNet(quantization_channels=16, residual_channels=4, gate_channels=4, skip_channels=4,
                   layers_per_stack=2, stacks=1, **options)


def test_wavenet_conditioning_and_prime():
    model = _wavenet(global_classes=3, global_channels=2)
    x = torch.randint(0, 16, (2, 10))
    with pytest.raises(ValueError, match=r"global_cond must hold class ids in \[0, 2\] \(global_classes = 3\), got "
                                         r"values in \[0, 5\]"):
        model(x, global_cond=torch.tensor([0, 5]))
    assert model(x, global_cond=torch.tensor([0, 2])).shape == (2, 10, 16)
    with pytest.raises(ValueError, match="global_classes must be an int >= 0, got -1"):
        _wavenet(global_classes=-1)
    with pytest.raises(ValueError, match=r"prime must hold at least one sample and one step \(N, L\), got shape \(1, 0\)"):
        generate(_wavenet(), 3, prime=torch.zeros(1, 0, dtype=torch.int64))
    with pytest.raises(TypeError, match="prime must be an int64 tensor of classes shaped"):
        generate(_wavenet(), 3, prime=[1, 2])


def test_series_forecaster_needs_a_torchseq_layer_returning_its_last_output():
    with pytest.raises(ValueError, match="give it return_state=False"):
        SeriesForecaster(ts.LSTM(1, 4, return_state=True))
    with pytest.raises(ValueError, match="give it return_sequences=False"):
        SeriesForecaster(ts.GRU(1, 4, return_sequences=True))
    with pytest.raises(TypeError, match="got LSTM \\(for a torch.nn layer, convert it with torchseq.interop.from_torch"):
        SeriesForecaster(torch.nn.LSTM(1, 4, batch_first=True))
    with pytest.raises(ValueError, match="outputs must be a positive int, got 0"):
        SeriesForecaster(ts.LSTM(1, 4), outputs=0)


def test_dense_and_cells():
    with pytest.raises(ValueError, match="out_features must be a positive int, got 0"):
        ts.Dense(3, 0)
    with pytest.raises(ValueError, match=r"x must have in_features = 3 in its last dimension, got shape \(4, 5\)"):
        ts.Dense(3, 2)(torch.randn(4, 5))
    with pytest.raises(ValueError, match=r"x_t must hold at least one sample, got shape \(0, 3\)"):
        ts.LSTMCell(3, 4)(torch.randn(0, 3))
