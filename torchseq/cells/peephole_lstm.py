"""LSTM with peephole connections, Gers & Schmidhuber 2000 ("Recurrent nets that time and count")."""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from .._validate import check_bool
from . import init as initializers
from .base import RecurrentCell
from .lstm import reset_lstm_parameters
from .masks import Masks
from .._habits import refuses_other_libraries_options


class PeepholeLSTMCell(RecurrentCell):
    r"""LSTM cell whose gates also see the cell state through diagonal (elementwise) peephole weights.

    Gers & Schmidhuber 2000, as in Hands-On ML ch. 15 and Keras' PeepholeLSTMCell: the input and forget
    gates see the previous cell state c_{t-1}; the output gate sees the new one, c_t.

    .. math::
        i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + w_{ci} \odot c_{t-1} + b_i) \\
        f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + w_{cf} \odot c_{t-1} + b_f) \\
        g_t &= \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + w_{co} \odot c_t + b_o) \\
        y_t = h_t &= o_t \odot \tanh(c_t)

    Parameters: those of :class:`LSTMCell` (``weight_ih``, ``weight_hh``, ``bias``, same layout and
    options) plus ``weight_ci``, ``weight_cf``, ``weight_co`` (H,) each. With the three peephole weights
    at zero the cell is exactly :class:`LSTMCell`.
    State (h, c). Trace entries (per step, (N, H)): i, f, g, o, c, h.

    Fast twin: a layer runs torchseq/fast/peephole_lstm.py (PeepholeLSTMFunction) -- the same equations,
    backpropagation through time written out -- and on CUDA the fused Triton kernels of
    torchseq/fast/triton_lstm.py (TritonPeepholeLSTMFunction, up to 32 units) or
    torchseq/fast/triton_lstm_steps.py (TritonPeepholeLSTMStepsFunction, one launch a step, beyond;
    ``torchseq.fast.use_backend`` chooses). This
    ``step`` runs inside ``torchseq.use_reference_path()``, for subclasses and once patched;
    ``torchseq.explain(layer)`` says which.
    """

    gates = ("i", "f", "g", "o")
    state_names = ("h", "c")

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, unit_forget_bias: bool = True,
                 init: str = "keras", device=None, dtype=None):
        super().__init__(input_size, hidden_size, init, device, dtype)
        self.unit_forget_bias = check_bool("unit_forget_bias", unit_forget_bias)
        self.bias = self._vector(4 * self.hidden_size)
        self.weight_ci = self._vector(self.hidden_size)
        self.weight_cf = self._vector(self.hidden_size)
        self.weight_co = self._vector(self.hidden_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_lstm_parameters(self)
        for w in (self.weight_ci, self.weight_cf, self.weight_co):
            initializers.peephole_(w, self.init, self.hidden_size)

    def step(self, xp: torch.Tensor, state: Tuple[torch.Tensor, torch.Tensor], trace: Optional[dict] = None,
             masks: Optional[Masks] = None):
        """xp = W_x x_t + b (N, 4, H); state = (h_{t-1}, c_{t-1}) -> (h_t, (h_t, c_t))."""
        h, c_prev = state
        i, f, g, o = (xp + self.recurrent_product(h, masks)).unbind(1)                  # 4 x (N, H)
        i = torch.sigmoid(i + self.weight_ci * c_prev)                                  # input gate sees c_{t-1}
        f = torch.sigmoid(f + self.weight_cf * c_prev)                                  # forget gate sees c_{t-1}
        g = torch.tanh(g)                                                               # candidate
        c = f * c_prev + i * g                                                          # c_t
        o = torch.sigmoid(o + self.weight_co * c)                                       # output gate sees c_t
        h = o * torch.tanh(c)                                                           # h_t = y_t
        if trace is not None:
            trace.update(i=i, f=f, g=g, o=o, c=c, h=h)
        return h, (h, c)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.unit_forget_bias else ", unit_forget_bias=False")
