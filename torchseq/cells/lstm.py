"""Long short-term memory, Hands-On ML (2nd ed.) eq. 15-3 (Hochreiter & Schmidhuber 1997, with the
forget gate of Gers et al. 2000)."""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from .._validate import check_bool
from . import init as initializers
from .base import RecurrentCell
from .masks import Masks
from .._habits import refuses_other_libraries_options


def reset_lstm_parameters(cell: RecurrentCell) -> None:
    """Kernels and the single bias (G*H,) of an LSTM-family cell; b_f = 1 when ``cell.unit_forget_bias`` (and the
    cell has a forget gate "f" among its ``gates``)."""
    H = cell.hidden_size
    initializers.input_kernel_(cell.weight_ih, cell.init, H)
    initializers.recurrent_kernel_(cell.weight_hh, cell.init, H)
    initializers.bias_(cell.bias, cell.init, H)
    if cell.unit_forget_bias and "f" in cell.gates:
        k = cell.gates.index("f")
        with torch.no_grad():
            cell.bias[k * H:(k + 1) * H] = 1.0                                           # b_f = 1


class LSTMCell(RecurrentCell):
    r"""LSTM cell, one time step.

    Hands-On ML, 2nd ed., eq. 15-3, in torch.nn's weight layout and gate order (i, f, g, o):

    .. math::
        i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i) \\
        f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f) \\
        g_t &= \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g) \\
        o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        y_t = h_t &= o_t \odot \tanh(c_t)

    ========  ==========  ==========================================
    symbol    parameter   shape
    ========  ==========  ==========================================
    W_x*      weight_ih   (4H, F), row blocks i, f, g, o
    W_h*      weight_hh   (4H, H), row blocks i, f, g, o
    b_*       bias        (4H,): one bias, as in the book (torch.nn's b_ih + b_hh)
    ========  ==========  ==========================================

    Args:
        input_size: F. hidden_size: H.
        unit_forget_bias: start b_f at 1 (Keras' default; Jozefowicz et al. 2015) whatever ``init``;
            pass False with ``init="torch"`` for torch.nn's draw.
        init: ``"keras"`` (default) or ``"torch"``, see :mod:`torchseq.cells.init`.

    State: the tuple (h, c), each (N, H). Trace entries (per step, (N, H)): i, f, g, o, c, h.

    Fast twin: a layer runs torchseq/fast/lstm.py (LSTMFunction) -- the same equations, backpropagation through
    time written out -- and on CUDA the fused Triton kernels of torchseq/fast/triton_lstm.py (TritonLSTMFunction,
    up to 64 units) or torchseq/fast/triton_lstm_steps.py (TritonLSTMStepsFunction, one launch a step, beyond;
    ``torchseq.fast.use_backend`` chooses). This ``step`` runs inside ``torchseq.use_reference_path()``, for
    subclasses and once patched; ``torchseq.explain(layer)`` says which.
    """

    gates = ("i", "f", "g", "o")
    state_names = ("h", "c")

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, unit_forget_bias: bool = True,
                 init: str = "keras", device=None, dtype=None):
        super().__init__(input_size, hidden_size, init, device, dtype)
        self.unit_forget_bias = check_bool("unit_forget_bias", unit_forget_bias)
        self.bias = self._vector(4 * self.hidden_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_lstm_parameters(self)

    def step(self, xp: torch.Tensor, state: Tuple[torch.Tensor, torch.Tensor], trace: Optional[dict] = None,
             masks: Optional[Masks] = None):
        """xp = W_x x_t + b (N, 4, H); state = (h_{t-1}, c_{t-1}) -> (h_t, (h_t, c_t))."""
        h, c = state
        i, f, g, o = (xp + self.recurrent_product(h, masks)).unbind(1)                   # 4 x (N, H)
        i = torch.sigmoid(i)                                                             # input gate
        f = torch.sigmoid(f)                                                             # forget gate
        g = torch.tanh(g)                                                                # candidate
        o = torch.sigmoid(o)                                                             # output gate
        c = f * c + i * g                                                                # c_t
        h = o * torch.tanh(c)                                                            # h_t = y_t
        if trace is not None:
            trace.update(i=i, f=f, g=g, o=o, c=c, h=h)
        return h, (h, c)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.unit_forget_bias else ", unit_forget_bias=False")
