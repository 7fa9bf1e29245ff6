"""Every built-in cell configuration with the NumPy step of :mod:`torchseq.testing.reference` that states its
equations: what ``torchseq verify`` and the test suite check with :func:`~torchseq.testing.check_cell`."""
from functools import partial

from ..cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, SimpleRNNCell
from ..cells.variants import VARIANTS
from . import reference as ref

# name -> (cell factory taking (input_size, hidden_size), NumPy step)
CELLS = {
    "simple_rnn_tanh": (SimpleRNNCell, ref.simple_rnn),
    "simple_rnn_relu": (partial(SimpleRNNCell, activation="relu"), partial(ref.simple_rnn, activation="relu")),
    "ln_simple_rnn": (partial(SimpleRNNCell, layer_norm=True), partial(ref.simple_rnn, layer_norm_eps=1e-3)),
    "lstm": (LSTMCell, ref.lstm),
    "peephole_lstm": (PeepholeLSTMCell, ref.peephole_lstm),
    "gru_reset_before": (GRUCell, ref.gru_reset_before),
    "gru_reset_after": (partial(GRUCell, reset_after=True), ref.gru_reset_after),
    "gru_reset_before_relu": (partial(GRUCell, activation="relu"), partial(ref.gru_reset_before, activation="relu")),
    "gru_reset_after_relu": (partial(GRUCell, reset_after=True, activation="relu"),
                             partial(ref.gru_reset_after, activation="relu")),
    "layer_norm_lstm": (LayerNormLSTMCell, ref.layer_norm_lstm),
}

# Greff et al. 2017's vanilla LSTM and variants, by the paper's names: name -> (cell class, NumPy step)
VARIANT_CELLS = {name: (cls, partial(ref.greff_lstm, variant=name)) for name, cls in VARIANTS.items()}
