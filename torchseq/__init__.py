"""torchseq: the sequence models of the standard courses, hand-written in PyTorch and proved equal
to torch.nn. Layout everywhere: batch first, x is (N, L, F) = (samples, time steps, features)."""
from .cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, RecurrentCell, SimpleRNNCell
from .cells.masks import Masks
from .layers import (GRU, LSTM, RNN, AvgPool1D, Bidirectional, Conv1D, Dense, EmbeddingDropout, GlobalAvgPool1D,
                     GlobalMaxPool1D, LayerNormLSTM, MaxPool1D, PeepholeLSTM, RecurrentLayer, SimpleRNN, Stacked,
                     VariationalDropout)
from . import data, fast, interop, models, train
from .explain import explain
from .fast import use_reference_path
from .study import record_internals, trace
from .summary import summary
from .uncertainty import mc_dropout_predict

__version__ = "0.1.0"

__all__ = [
    "RecurrentCell", "SimpleRNNCell", "LSTMCell", "PeepholeLSTMCell", "GRUCell", "LayerNormLSTMCell",
    "RecurrentLayer", "RNN", "SimpleRNN", "LSTM", "PeepholeLSTM", "GRU", "LayerNormLSTM",
    "Bidirectional", "Stacked", "VariationalDropout", "EmbeddingDropout", "Masks", "mc_dropout_predict",
    "Dense", "Conv1D", "MaxPool1D", "AvgPool1D", "GlobalMaxPool1D", "GlobalAvgPool1D",
    "record_internals", "trace", "summary", "interop", "data", "models", "train", "fast", "use_reference_path",
    "explain",
]
