r"""The LSTM variants of Greff, Srivastava, Koutník, Steunebrink & Schmidhuber, "LSTM: A Search Space Odyssey",
IEEE TNNLS 28(10), 2017 -- each a few lines over their vanilla LSTM.

The vanilla LSTM of the paper (their section II, "V") is the LSTM with forget gate and peepholes, in the
paper's names: block input z (torchseq's g), gates i, f, o, cell c, output y (torchseq's h):

.. math::
    z_t &= g(W_z x_t + R_z y_{t-1} + b_z)                        && g = \tanh \\
    i_t &= \sigma(W_i x_t + R_i y_{t-1} + p_i \odot c_{t-1} + b_i) \\
    f_t &= \sigma(W_f x_t + R_f y_{t-1} + p_f \odot c_{t-1} + b_f) \\
    c_t &= z_t \odot i_t + c_{t-1} \odot f_t \\
    o_t &= \sigma(W_o x_t + R_o y_{t-1} + p_o \odot c_t + b_o) \\
    y_t &= h(c_t) \odot o_t                                      && h = \tanh

It is :class:`~torchseq.cells.PeepholeLSTMCell`'s equation block, with the same parameter names. Each variant
changes one part (section III-B of the paper):

=========  ======================================  =================================================
paper      class                                   change
=========  ======================================  =================================================
V          :class:`VanillaLSTMCell`                none
NIG        :class:`NoInputGateLSTMCell`            i_t = 1 (no W_i, R_i, b_i, p_i)
NFG        :class:`NoForgetGateLSTMCell`           f_t = 1 (no W_f, R_f, b_f, p_f)
NOG        :class:`NoOutputGateLSTMCell`           o_t = 1 (no W_o, R_o, b_o, p_o)
NIAF       :class:`NoInputActivationLSTMCell`      g(x) = x: z_t is not squashed
NOAF       :class:`NoOutputActivationLSTMCell`     h(x) = x: y_t = c_t ⊙ o_t
CIFG       :class:`CoupledGateLSTMCell`            f_t = 1 - i_t (no W_f, R_f, b_f, p_f)
NP         :class:`NoPeepholeLSTMCell`             no p_i, p_f, p_o: :class:`~torchseq.cells.LSTMCell`
FGR        :class:`FullGateRecurrenceLSTMCell`     each gate also reads i_{t-1}, f_{t-1}, o_{t-1}
=========  ======================================  =================================================

The rows of ``weight_ih``/``weight_hh``/``bias`` are the blocks of ``gates`` (a subset of i, f, g, o in that
order); a removed gate has no rows and no peephole. ``VARIANTS`` maps the paper's names to the classes. A layer
runs them through :class:`~torchseq.RNN` (``ts.RNN(CoupledGateLSTMCell(F, H), ...)``) on the readable path, with
lengths, dropout, Bidirectional, Stacked and ``trace`` (trace entries i, f, g, o, c, h; a removed gate shows as
its constant).
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch

from .._habits import refuses_other_libraries_options
from .._validate import check_bool
from . import init as initializers
from .base import RecurrentCell
from .lstm import reset_lstm_parameters
from .masks import Masks


class VanillaLSTMCell(RecurrentCell):
    """Greff et al.'s vanilla LSTM (V): the equation block above, with hooks that the variants replace.

    Args:
        input_size: F. hidden_size: H.
        unit_forget_bias: start b_f at 1 (where there is a forget gate), as the other LSTM cells do.
        init: ``"keras"`` (default) or ``"torch"``, see :mod:`torchseq.cells.init`.

    Parameters: ``weight_ih`` (G*H, F), ``weight_hh`` (G*H, H), ``bias`` (G*H,) over the blocks of ``gates``;
    ``weight_c<gate>`` (H,) for each gate of ``peepholes``. State (h, c).
    """

    gates: Tuple[str, ...] = ("i", "f", "g", "o")
    peepholes: Tuple[str, ...] = ("i", "f", "o")
    state_names: Tuple[str, ...] = ("h", "c")

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, unit_forget_bias: bool = True, init: str = "keras",
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, init, device, dtype)
        self.unit_forget_bias = check_bool("unit_forget_bias", unit_forget_bias)
        self.bias = self._vector(len(self.gates) * self.hidden_size)
        for gate in self.peepholes:
            setattr(self, f"weight_c{gate}", self._vector(self.hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_lstm_parameters(self)
        for gate in self.peepholes:
            initializers.peephole_(getattr(self, f"weight_c{gate}"), self.init, self.hidden_size)

    # ---- the parts a variant changes ---------------------------------------------------------
    def peep(self, gate: str, c: torch.Tensor):
        """p_gate ⊙ c, or 0 where the gate has no peephole."""
        return getattr(self, f"weight_c{gate}") * c if gate in self.peepholes else 0.0

    def preactivations(self, xp: torch.Tensor, state, masks: Optional[Masks]) -> Dict[str, torch.Tensor]:
        """W x_t + R y_{t-1} + b per gate: {gate: (N, H)}."""
        return dict(zip(self.gates, (xp + self.recurrent_product(state[0], masks)).unbind(1)))

    def input_gate(self, a, c_prev):
        return torch.sigmoid(a["i"] + self.peep("i", c_prev))                         # i_t

    def forget_gate(self, a, c_prev, i):
        return torch.sigmoid(a["f"] + self.peep("f", c_prev))                         # f_t

    def block_input(self, a):
        return torch.tanh(a["g"])                                                     # z_t = g(...)

    def output_gate(self, a, c):
        return torch.sigmoid(a["o"] + self.peep("o", c))                              # o_t, sees c_t

    def output_activation(self, c):
        return torch.tanh(c)                                                          # h(c_t)

    def new_state(self, h, c, i, f, o):
        return h, c

    # ---- the equation block --------------------------------------------------------------------
    def step(self, xp: torch.Tensor, state, trace: Optional[dict] = None, masks: Optional[Masks] = None):
        """xp = W x_t + b (N, G, H); state = (y_{t-1}, c_{t-1}, ...) -> (y_t, new state)."""
        c_prev = state[1]
        a = self.preactivations(xp, state, masks)
        i = self.input_gate(a, c_prev)
        f = self.forget_gate(a, c_prev, i)
        g = self.block_input(a)
        c = g * i + c_prev * f                                                        # c_t
        o = self.output_gate(a, c)
        h = self.output_activation(c) * o                                             # y_t
        if trace is not None:
            trace.update(i=i, f=f, g=g, o=o, c=c, h=h)
        return h, self.new_state(h, c, i, f, o)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.unit_forget_bias else ", unit_forget_bias=False")


class NoInputGateLSTMCell(VanillaLSTMCell):
    """NIG: i_t = 1."""
    gates, peepholes = ("f", "g", "o"), ("f", "o")

    def input_gate(self, a, c_prev):
        return torch.ones_like(c_prev)


class NoForgetGateLSTMCell(VanillaLSTMCell):
    """NFG: f_t = 1 (the original LSTM of Hochreiter & Schmidhuber 1997)."""
    gates, peepholes = ("i", "g", "o"), ("i", "o")

    def forget_gate(self, a, c_prev, i):
        return torch.ones_like(c_prev)


class NoOutputGateLSTMCell(VanillaLSTMCell):
    """NOG: o_t = 1."""
    gates, peepholes = ("i", "f", "g"), ("i", "f")

    def output_gate(self, a, c):
        return torch.ones_like(c)


class NoInputActivationLSTMCell(VanillaLSTMCell):
    """NIAF: g(x) = x, the block input is not squashed."""

    def block_input(self, a):
        return a["g"]


class NoOutputActivationLSTMCell(VanillaLSTMCell):
    """NOAF: h(x) = x, y_t = c_t ⊙ o_t."""

    def output_activation(self, c):
        return c


class CoupledGateLSTMCell(VanillaLSTMCell):
    """CIFG: f_t = 1 - i_t, one gate decides both what is written and what is forgotten (as the GRU's z)."""
    gates, peepholes = ("i", "g", "o"), ("i", "o")

    def forget_gate(self, a, c_prev, i):
        return 1.0 - i


class NoPeepholeLSTMCell(VanillaLSTMCell):
    """NP: no peepholes; the equations and parameters of :class:`~torchseq.cells.LSTMCell`."""
    peepholes = ()


class FullGateRecurrenceLSTMCell(VanillaLSTMCell):
    """FGR: every gate also reads the previous step's gates, nine more H x H matrices:
    a_q += R_iq i_{t-1} + R_fq f_{t-1} + R_oq o_{t-1} for q in (i, f, o).

    ``weight_gates`` (3H, 3H): row blocks the gate fed (i, f, o), column blocks the previous gate read (i, f, o).
    The state carries the gates: (h, c, i, f, o), all zero at the start.
    """
    state_names = ("h", "c", "i", "f", "o")

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, unit_forget_bias: bool = True, init: str = "keras",
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, unit_forget_bias, init, device, dtype)
        self.weight_gates = torch.nn.Parameter(self.weight_ih.new_empty(3 * hidden_size, 3 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if hasattr(self, "weight_gates"):                                              # made after the others
            initializers.input_kernel_(self.weight_gates, self.init, self.hidden_size)

    def preactivations(self, xp, state, masks):
        a = super().preactivations(xp, state, masks)
        previous = torch.cat(state[2:], dim=1)                                       # (N, 3H): i, f, o at t-1
        for gate, r in zip(("i", "f", "o"), (previous @ self.weight_gates.T).chunk(3, dim=1)):   # 3 x (N, H)
            a[gate] = a[gate] + r
        return a

    def new_state(self, h, c, i, f, o):
        return h, c, i, f, o


VARIANTS = {"V": VanillaLSTMCell, "NIG": NoInputGateLSTMCell, "NFG": NoForgetGateLSTMCell,
            "NOG": NoOutputGateLSTMCell, "NIAF": NoInputActivationLSTMCell, "NOAF": NoOutputActivationLSTMCell,
            "CIFG": CoupledGateLSTMCell, "NP": NoPeepholeLSTMCell, "FGR": FullGateRecurrenceLSTMCell}
