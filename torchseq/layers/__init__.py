"""Layers over sequences (N, L, F): the generic runner, its convenience forms, bidirectional and stacks."""
from .base import RecurrentLayer
from .bidirectional import Bidirectional
from .conv import Conv1D
from .dense import Dense
from .dropout import EmbeddingDropout, VariationalDropout
from .pooling import AvgPool1D, GlobalAvgPool1D, GlobalMaxPool1D, MaxPool1D
from .receptive_field import receptive_field
from .recurrent import GRU, LSTM, LayerNormLSTM, PeepholeLSTM, SimpleRNN
from .rnn import RNN
from .stacked import Stacked

__all__ = ["RecurrentLayer", "RNN", "SimpleRNN", "LSTM", "PeepholeLSTM", "GRU", "LayerNormLSTM",
           "Bidirectional", "Stacked", "VariationalDropout", "EmbeddingDropout",
           "Dense", "Conv1D", "MaxPool1D", "AvgPool1D", "GlobalMaxPool1D", "GlobalAvgPool1D", "receptive_field"]
