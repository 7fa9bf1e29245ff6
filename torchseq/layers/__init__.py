"""Layers over sequences (N, L, F): the generic runner, its convenience forms, bidirectional and stacks."""
from .base import RecurrentLayer
from .bidirectional import Bidirectional
from .dropout import EmbeddingDropout, VariationalDropout
from .recurrent import GRU, LSTM, LayerNormLSTM, PeepholeLSTM, SimpleRNN
from .rnn import RNN
from .stacked import Stacked

__all__ = ["RecurrentLayer", "RNN", "SimpleRNN", "LSTM", "PeepholeLSTM", "GRU", "LayerNormLSTM",
           "Bidirectional", "Stacked", "VariationalDropout", "EmbeddingDropout"]
