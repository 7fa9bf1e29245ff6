"""The models of Deep Learning with Python (1st ed.), chapter 6, built from torchseq parts with the book's sizes
and Keras' initialisation: the IMDB readers (sections 6.2, 6.3.8, 6.4) and the Jena temperature forecasters
(section 6.3). ``torchseq reproduce chollet-imdb`` and ``chollet-jena`` train them with the book's settings.

The IMDB models end in one logit instead of Dense(1, sigmoid): trained with binary cross-entropy on logits
(``binary_crossentropy_from_logits``), which is the same function computed without overflow.
"""
from __future__ import annotations

from torch import nn

from ..layers import GRU, LSTM, Bidirectional, Conv1D, Dense, GlobalMaxPool1D, MaxPool1D, SimpleRNN

MAX_FEATURES, MAXLEN = 10_000, 500                                                     # IMDB: top words, words kept
JENA_FEATURES = 14


def embedding(num_words: int, dim: int) -> nn.Embedding:
    """Keras' Embedding: word index (N, L) -> vectors (N, L, dim), initialised U(-0.05, 0.05) (nn.Embedding's
    default is N(0, 1))."""
    layer = nn.Embedding(num_words, dim)
    nn.init.uniform_(layer.weight, -0.05, 0.05)
    return layer


def imdb_simple_rnn(num_words: int = MAX_FEATURES) -> nn.Module:
    """Embedding(10000, 32) -> SimpleRNN(32) -> Dense(1) (section 6.2.1, listing 6.22)."""
    return nn.Sequential(embedding(num_words, 32), SimpleRNN(32, 32), Dense(32, 1))


def imdb_lstm(num_words: int = MAX_FEATURES) -> nn.Module:
    """Embedding(10000, 32) -> LSTM(32) -> Dense(1) (section 6.2.3, listing 6.27)."""
    return nn.Sequential(embedding(num_words, 32), LSTM(32, 32), Dense(32, 1))


def imdb_bidirectional_lstm(num_words: int = MAX_FEATURES, embedding_dim: int = 128) -> nn.Module:
    """Embedding(10000, 128) -> Bidirectional(LSTM(32)) -> Dense(1) (section 6.3.8, listing 6.42)."""
    return nn.Sequential(embedding(num_words, embedding_dim), Bidirectional(LSTM(embedding_dim, 32)), Dense(64, 1))


def imdb_conv1d(num_words: int = MAX_FEATURES) -> nn.Module:
    """Embedding(10000, 128) -> Conv1D(32, 7, relu) -> MaxPooling1D(5) -> Conv1D(32, 7, relu) -> GlobalMaxPooling1D
    -> Dense(1) (section 6.4.3, listing 6.45): 1,315,937 parameters."""
    return nn.Sequential(embedding(num_words, 128), Conv1D(128, 32, 7, activation="relu"), MaxPool1D(5),
                         Conv1D(32, 32, 7, activation="relu"), GlobalMaxPool1D(), Dense(32, 1))


def jena_dense(steps: int = 240, features: int = JENA_FEATURES) -> nn.Module:
    """Flatten -> Dense(32, relu) -> Dense(1) (listing 6.37)."""
    return nn.Sequential(nn.Flatten(), Dense(steps * features, 32, activation="relu"), Dense(32, 1))


def jena_gru(features: int = JENA_FEATURES, dropout: float = 0.0, recurrent_dropout: float = 0.0,
             go_backwards: bool = False) -> nn.Module:
    """GRU(32) -> Dense(1) (listing 6.39); with dropout 0.2 / 0.2 listing 6.40; ``go_backwards``: the GRU reads
    each window from its last step to its first, which is the book's GRU on reversed sequences."""
    return nn.Sequential(GRU(features, 32, dropout=dropout, recurrent_dropout=recurrent_dropout,
                             go_backwards=go_backwards), Dense(32, 1))


def jena_stacked_gru(features: int = JENA_FEATURES) -> nn.Module:
    """GRU(32, dropout 0.1, recurrent_dropout 0.5, seq) -> GRU(64, relu, dropout 0.1, recurrent_dropout 0.5) ->
    Dense(1) (listing 6.41; the second GRU's candidate uses relu, its gates sigmoid)."""
    return nn.Sequential(GRU(features, 32, dropout=0.1, recurrent_dropout=0.5, return_sequences=True),
                         GRU(32, 64, activation="relu", dropout=0.1, recurrent_dropout=0.5), Dense(64, 1))


def jena_bidirectional_gru(features: int = JENA_FEATURES) -> nn.Module:
    """Bidirectional(GRU(32)) -> Dense(1) (listing 6.44)."""
    return nn.Sequential(Bidirectional(GRU(features, 32)), Dense(64, 1))


def jena_conv1d(features: int = JENA_FEATURES) -> nn.Module:
    """Conv1D(32, 5, relu) -> MaxPooling1D(3) -> Conv1D(32, 5, relu) -> MaxPooling1D(3) -> Conv1D(32, 5, relu) ->
    GlobalMaxPooling1D -> Dense(1) (listing 6.47)."""
    return nn.Sequential(Conv1D(features, 32, 5, activation="relu"), MaxPool1D(3), Conv1D(32, 32, 5, activation="relu"),
                         MaxPool1D(3), Conv1D(32, 32, 5, activation="relu"), GlobalMaxPool1D(), Dense(32, 1))


def jena_conv_gru(features: int = JENA_FEATURES) -> nn.Module:
    """Conv1D(32, 5, relu) -> MaxPooling1D(3) -> Conv1D(32, 5, relu) -> GRU(32, dropout 0.1, recurrent_dropout 0.5)
    -> Dense(1) (listing 6.49; trained on windows of lookback 720, step 3)."""
    return nn.Sequential(Conv1D(features, 32, 5, activation="relu"), MaxPool1D(3), Conv1D(32, 32, 5, activation="relu"),
                         GRU(32, 32, dropout=0.1, recurrent_dropout=0.5), Dense(32, 1))
