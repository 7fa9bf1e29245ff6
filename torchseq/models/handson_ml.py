"""The models of Hands-On ML (2nd ed.), chapter 15 ("Processing Sequences Using RNNs and CNNs"), built from
torchseq parts with the book's sizes and Keras' initialisation. Input (N, L, 1); the names follow the
chapter's sections. ``torchseq reproduce geron15`` trains them with the book's settings."""
from __future__ import annotations

from torch import nn

from ..layers import GRU, LSTM, Conv1D, Dense, SimpleRNN
from .simple_wavenet import SimpleWaveNet


def linear_model(n_steps: int = 50, outputs: int = 1) -> nn.Module:
    """Flatten(input_shape=[50, 1]) -> Dense(1): "Baseline Metrics" (Dense(10) for ten steps ahead)."""
    return nn.Sequential(nn.Flatten(), Dense(n_steps, outputs))


def simple_rnn() -> nn.Module:
    """SimpleRNN(1): "Implementing a Simple RNN" -- one recurrent neuron, whose h_t is the forecast."""
    return SimpleRNN(1, 1)


def deep_rnn(dense_output: bool = False, outputs: int = 1) -> nn.Module:
    """SimpleRNN(20, seq) -> SimpleRNN(20, seq) -> SimpleRNN(1), or with ``dense_output`` SimpleRNN(20, seq) ->
    SimpleRNN(20) -> Dense(outputs): "Deep RNNs" (Dense(10): "Forecasting Several Time Steps Ahead")."""
    if dense_output:
        return nn.Sequential(SimpleRNN(1, 20, return_sequences=True), SimpleRNN(20, 20), Dense(20, outputs))
    return nn.Sequential(SimpleRNN(1, 20, return_sequences=True), SimpleRNN(20, 20, return_sequences=True),
                         SimpleRNN(20, 1))


def seq_to_seq(kind: str = "SimpleRNN", outputs: int = 10) -> nn.Module:
    """Two recurrent layers of 20 units returning sequences, then TimeDistributed(Dense(10)): at every step t
    the next ten values. ``kind``: "SimpleRNN", "LNSimpleRNN" (the book's LNSimpleRNNCell: layer norm before
    tanh), "LSTM" or "GRU". Output (N, L, 10)."""
    make = {"SimpleRNN": SimpleRNN, "LNSimpleRNN": lambda f, h, **kw: SimpleRNN(f, h, layer_norm=True, **kw),
            "LSTM": LSTM, "GRU": GRU}
    if kind not in make:
        raise ValueError(f"kind must be one of {', '.join(map(repr, make))}; got {kind!r}")
    return nn.Sequential(make[kind](1, 20, return_sequences=True), make[kind](20, 20, return_sequences=True),
                         Dense(20, outputs))


def conv_gru(outputs: int = 10) -> nn.Module:
    """Conv1D(20, kernel 4, strides 2, valid) -> GRU(20, seq) -> GRU(20, seq) -> TimeDistributed(Dense(10)):
    "Using 1D convolutional layers to process sequences". Output step j covers inputs up to 2j + 3, so the
    targets are Y[:, 3::2]."""
    return nn.Sequential(Conv1D(1, 20, 4, strides=2, padding="valid"), GRU(20, 20, return_sequences=True),
                         GRU(20, 20, return_sequences=True), Dense(20, outputs))


def wavenet(outputs: int = 10) -> nn.Module:
    """Conv1D(20, kernel 2, causal, relu) with dilations (1, 2, 4, 8) x 2, then Conv1D(10, kernel 1): "WaveNet"."""
    return SimpleWaveNet(1, filters=20, dilations=(1, 2, 4, 8) * 2, outputs=outputs)
