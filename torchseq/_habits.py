"""torch.nn's and Keras' keyword arguments that torchseq's recurrent layers and cells do not take, refused with
what to write instead (rather than Python's bare "unexpected keyword argument")."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

INSTEAD = {
    "num_layers": "stack layers instead, Stacked({kind}(F, H, return_sequences=True), {kind}(H, H)), or convert a "
                  "torch.nn layer with interop.from_torch (nn.RNN, nn.LSTM and nn.GRU of any num_layers)",
    "batch_first": "torchseq is batch first everywhere, (N, L, F): leave batch_first out (time-first tensors: pass "
                   "x.transpose(0, 1))",
    "bidirectional": "wrap the layer: Bidirectional({kind}(F, H))",
    "bias": "every torchseq cell has its bias, one vector as in the course equations (torch.nn's bias=False has "
            "no counterpart here)",
    "proj_size": "torchseq has no projected LSTM: put a Dense(H, P) on the outputs",
    "nonlinearity": "the activation is called activation here: SimpleRNN(F, H, activation='relu')",
    "units": "the sizes come first, as in torch.nn: {kind}(input_size, hidden_size); Keras' units is hidden_size",
    "input_shape": "give the input's feature count as the first argument: {kind}(F, H)",
}

Init = TypeVar("Init", bound=Callable[..., None])


def refuses_other_libraries_options(init: Init) -> Init:
    """Wrap a layer's or cell's ``__init__`` so that torch.nn's and Keras' options it does not take (``INSTEAD``)
    raise a TypeError saying what to use; ``help()`` and IDEs still show the original signature."""
    @functools.wraps(init)
    def checked(self, *args, **kwargs):
        for name in kwargs:
            if name in INSTEAD:
                raise TypeError(f"{type(self).__name__} has no {name}= option (it is torch.nn's or Keras'): "
                                f"{INSTEAD[name].format(kind=_kind(self, args, kwargs))}")
        init(self, *args, **kwargs)
    return checked  # type: ignore[return-value]


def _kind(module, args, kwargs) -> str:
    """The layer to name in a hint: GRU for a GRU or a GRUCell, and for RNN(GRUCell(...)) too."""
    name = type(module).__name__
    if name == "RNN":
        name = type(args[0] if args else kwargs.get("cell")).__name__
    name = name[:-4] if name.endswith("Cell") else name
    return name if name in ("SimpleRNN", "LSTM", "PeepholeLSTM", "GRU", "LayerNormLSTM") else "LSTM"
