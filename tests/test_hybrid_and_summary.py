"""CNN + RNN hybrids compose from the parts with no glue (all channels last), and summary counts the seeds'
convolutional models as they print them."""
import torch
from torch import nn

import torchseq as ts


def test_conv_front_end_shortens_the_sequence_for_a_gru():
    """Chollet's Jena recipe: Conv1D(32, 5) - MaxPool1D(3) - Conv1D(32, 5) - GRU(32, 0.1/0.5) - Dense(1)."""
    model = nn.Sequential(ts.Conv1D(14, 32, 5, activation="relu"), ts.MaxPool1D(3),
                          ts.Conv1D(32, 32, 5, activation="relu"),
                          ts.GRU(32, 32, dropout=0.1, recurrent_dropout=0.5), nn.Linear(32, 1))
    x = torch.randn(4, 720 // 3, 14)
    assert model(x).shape == (4, 1)
    rows = ts.summary(model, (240, 14)).rows
    assert [r.output_shape for r in rows] == ["(None, 236, 32)", "(None, 78, 32)", "(None, 74, 32)", "(None, 32)",
                                              "(None, 1)"]
    assert rows[3].params == 3 * (32 * 32 + 32 * 32 + 32)


def test_seed_parameter_counts():
    """../shared/REFERENCE_RESULTS.md: Conv1D(128, 7) on 6 -> 5,504; Conv1D(32, 7) on 128 -> 28,704; on 32 ->
    7,200; the IMDB Conv1D model -> 1,315,937; Conv1D(64, k5) on (7, 1) -> 384 with output (3, 64)."""
    assert ts.summary(nn.Sequential(ts.Conv1D(6, 128, 7)), (50, 6)).total_params == 5504
    imdb = nn.Sequential(nn.Embedding(10000, 128), ts.Conv1D(128, 32, 7, activation="relu"), ts.MaxPool1D(5),
                         ts.Conv1D(32, 32, 7, activation="relu"), ts.GlobalMaxPool1D(), nn.Linear(32, 1))
    s = ts.summary(imdb, (500,), dtype=torch.long)
    assert [r.params for r in s.rows] == [1_280_000, 28_704, 0, 7_200, 0, 33]
    assert s.total_params == 1_315_937
    assert [r.output_shape for r in s.rows][1:5] == ["(None, 494, 32)", "(None, 98, 32)", "(None, 92, 32)", "(None, 32)"]
    stock = ts.summary(nn.Sequential(ts.Conv1D(1, 64, 5, activation="relu")), (7, 1))
    assert stock.total_params == 384 and stock.rows[0].output_shape == "(None, 3, 64)"
