"""The convenience layers show every option (help(), IDEs), and torch.nn's or Keras' options get a hint."""
import inspect

import pytest
import torch

import torchseq as ts
from torchseq.layers.rnn import RUNNER_OPTIONS

LAYERS = {ts.SimpleRNN: ts.SimpleRNNCell, ts.LSTM: ts.LSTMCell, ts.PeepholeLSTM: ts.PeepholeLSTMCell,
          ts.GRU: ts.GRUCell, ts.LayerNormLSTM: ts.LayerNormLSTMCell}


@pytest.mark.parametrize("layer,cell", LAYERS.items(), ids=lambda c: c.__name__)
def test_signature_holds_every_cell_and_runner_option_with_its_default(layer, cell):
    shown = inspect.signature(layer).parameters
    cell_params = {k: p for k, p in inspect.signature(cell).parameters.items()}
    runner_params = inspect.signature(ts.RNN).parameters
    assert set(shown) == set(cell_params) | set(RUNNER_OPTIONS), set(shown) ^ (set(cell_params) | set(RUNNER_OPTIONS))
    for name in cell_params:
        assert shown[name].default == cell_params[name].default, name
    for name in RUNNER_OPTIONS:
        assert shown[name].default == runner_params[name].default, name
    for name in [*cell_params, *RUNNER_OPTIONS]:
        if name not in ("input_size", "hidden_size"):
            assert f"        {name}" in layer.__doc__ or f", {name}:" in layer.__doc__, f"{layer.__name__} Args lack {name}"


@pytest.mark.parametrize("layer,cell", LAYERS.items(), ids=lambda c: c.__name__)
def test_each_option_reaches_the_cell_or_the_runner(layer, cell):
    options = {"return_sequences": True, "return_state": True, "go_backwards": True, "dropout": 0.25,
               "recurrent_dropout": 0.5, "weight_dropout": 0.125, "per_gate_masks": False, "variational": False,
               "init": "torch", "dtype": torch.float64}
    made = layer(3, 5, **options)
    for name in ("return_sequences", "return_state", "go_backwards", "dropout", "recurrent_dropout",
                 "weight_dropout", "per_gate_masks", "variational"):
        assert getattr(made, name) == options[name], name
    assert made.cell.weight_hh.dtype == torch.float64 and made.cell.init == "torch"
    if layer is ts.GRU:
        assert ts.GRU(3, 5, reset_after=True, activation="relu").cell.reset_after
    if layer is ts.SimpleRNN:
        assert ts.SimpleRNN(3, 5, layer_norm=True, layer_norm_eps=0.5).cell.layer_norm_eps == 0.5


@pytest.mark.parametrize("option,value,hint", [
    ("num_layers", 2, r"stack layers instead, Stacked\(GRU\(F, H, return_sequences=True\), GRU\(H, H\)\).*interop.from_torch"),
    ("batch_first", True, r"torchseq is batch first everywhere, \(N, L, F\)"),
    ("bidirectional", True, r"wrap the layer: Bidirectional\(GRU\(F, H\)\)"),
    ("bias", False, "every torchseq cell has its bias, one vector as in the course equations"),
    ("proj_size", 4, r"torchseq has no projected LSTM: put a Dense\(H, P\)"),
    ("units", 8, "the sizes come first.*Keras' units is hidden_size"),
])
def test_torch_nn_and_keras_options_are_refused_with_what_to_use(option, value, hint):
    for made in (lambda: ts.GRU(1, 8, **{option: value}), lambda: ts.GRUCell(1, 8, **{option: value}),
                 lambda: ts.RNN(ts.GRUCell(1, 8), **{option: value})):
        with pytest.raises(TypeError, match=rf"has no {option}= option \(it is torch.nn's or Keras'\): {hint}"):
            made()


def test_nonlinearity_points_to_activation():
    with pytest.raises(TypeError, match=r"SimpleRNN has no nonlinearity= option.*activation='relu'"):
        ts.SimpleRNN(1, 4, nonlinearity="relu")
