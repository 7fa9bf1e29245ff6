"""summary: the parameter counts the seeds print, output shapes, and no side effects."""
import pytest
import torch
from torch import nn

import torchseq as ts


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = ts.LSTM(1, 32)
        self.dense = nn.Linear(32, 1)

    def forward(self, x):
        return self.dense(self.lstm(x))


def test_seed_counts_and_shapes():
    s = ts.summary(Forecaster(), (50, 1))
    assert [(r.name, r.type, r.output_shape, r.params) for r in s.rows] == [
        ("lstm", "LSTM", "(None, 32)", 4352), ("dense", "Linear", "(None, 1)", 33)]
    assert s.total_params == 4385 and s.trainable_params == 4385 and s.non_trainable_params == 0
    text = str(s)
    assert "lstm (LSTM)" in text and "4,352" in text and "Total params: 4,385" in text


def test_embedding_bidirectional_and_tuple_outputs():
    model = nn.Sequential(nn.Embedding(10000, 128), ts.Bidirectional(ts.LSTM(128, 32, return_state=True)))
    s = ts.summary(model, (500,), dtype=torch.long)
    assert s.rows[0].params == 1_280_000 and s.rows[0].output_shape == "(None, 500, 128)"
    assert s.rows[1].output_shape.startswith("[(None, 64), [[(None, 32), (None, 32)]")
    assert s.rows[1].params == 2 * 4 * (32 * 128 + 32 * 32 + 32)


def test_no_side_effects_and_non_trainable():
    model = Forecaster()
    model.dense.weight.requires_grad_(False)
    model.lstm.stateful = True
    model.train()
    rng = torch.get_rng_state()
    s = ts.summary(model, (10, 1))
    assert torch.equal(torch.get_rng_state(), rng)
    assert model.training and model.lstm.training and model.lstm.states is None
    assert s.non_trainable_params == 32


def test_uncalled_layer_and_bad_input():
    model = Forecaster()
    model.extra = nn.Linear(2, 2)
    assert ts.summary(model, (5, 1)).rows[-1].output_shape == "(not called)"
    with pytest.raises(TypeError, match="input_shape must be a tuple of ints without the batch"):
        ts.summary(model, 5)
    with pytest.raises(ValueError, match=r"input_shape\[0\] must be a positive int, got 0"):
        ts.summary(model, (0, 1))
