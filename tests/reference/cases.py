"""Every cell variant with its NumPy reference step: the grid the equation tests run over."""
from functools import partial

import torchseq as ts

from torchseq.testing import reference as ref

# name -> (cell factory taking (F, H, **options), NumPy step)
CELLS = {
    "simple_rnn_tanh": (ts.SimpleRNNCell, ref.simple_rnn),
    "simple_rnn_relu": (partial(ts.SimpleRNNCell, activation="relu"), partial(ref.simple_rnn, activation="relu")),
    "ln_simple_rnn": (partial(ts.SimpleRNNCell, layer_norm=True), partial(ref.simple_rnn, layer_norm_eps=1e-3)),
    "lstm": (ts.LSTMCell, ref.lstm),
    "peephole_lstm": (ts.PeepholeLSTMCell, ref.peephole_lstm),
    "gru_reset_before": (ts.GRUCell, ref.gru_reset_before),
    "gru_reset_after": (partial(ts.GRUCell, reset_after=True), ref.gru_reset_after),
    "gru_reset_before_relu": (partial(ts.GRUCell, activation="relu"), partial(ref.gru_reset_before, activation="relu")),
    "gru_reset_after_relu": (partial(ts.GRUCell, reset_after=True, activation="relu"),
                             partial(ref.gru_reset_after, activation="relu")),
    "layer_norm_lstm": (ts.LayerNormLSTMCell, ref.layer_norm_lstm),
}

