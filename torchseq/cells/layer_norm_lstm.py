"""Layer-normalised LSTM, Ba, Kiros & Hinton 2016 ("Layer Normalization", arXiv 1607.06450, eq. 20-22),
in the form haste's LayerNormLSTM implements (gain-only norms on the two projections, one bias)."""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from .._validate import check_bool, check_positive_float
from .base import RecurrentCell
from .lstm import reset_lstm_parameters
from .masks import Masks
from .._habits import refuses_other_libraries_options


class LayerNormLSTMCell(RecurrentCell):
    r"""LSTM cell with layer normalisation of the input projection, the recurrent projection and the
    cell state, one time step. Gate order (i, f, g, o).

    .. math::
        (a_i, a_f, a_g, a_o) &= \mathrm{LN}_x(W_x x_t) + \mathrm{LN}_h(W_h h_{t-1}) + b \\
        i_t = \sigma(a_i),\ f_t &= \sigma(a_f),\ g_t = \tanh(a_g),\ o_t = \sigma(a_o) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        y_t = h_t &= o_t \odot \tanh(\mathrm{LN}_c(c_t))

    with :math:`\mathrm{LN}_x(a) = \gamma_x \odot \hat a`, :math:`\mathrm{LN}_h(a) = \gamma_h \odot \hat a`
    (over all 4H pre-activations, gain only: b is the shift) and
    :math:`\mathrm{LN}_c(c) = \gamma_c \odot \hat c + \beta_c` (over H), where
    :math:`\hat a = (a - \mu(a)) / \sqrt{\sigma^2(a) + \epsilon}`.

    The carried cell state is c_t itself; only the copy that feeds h_t is normalised (Ba et al. 2016,
    haste). pytorch's fastrnns LayerNormLSTMCell differs in two ways: it carries the normalised c_t and
    has no bias b.

    ========  ================  ==========================
    symbol    parameter         shape
    ========  ================  ==========================
    W_x       weight_ih         (4H, F), blocks i, f, g, o
    W_h       weight_hh         (4H, H), blocks i, f, g, o
    b         bias              (4H,)
    gamma_x   ln_ih_weight      (4H,)
    gamma_h   ln_hh_weight      (4H,)
    gamma_c   ln_c_weight       (H,)
    beta_c    ln_c_bias         (H,)
    ========  ================  ==========================

    Args: as :class:`LSTMCell`, plus ``layer_norm_eps`` (default 1e-5, torch.nn.LayerNorm's and haste's; the
    SimpleRNN's layer norm keeps Keras' 1e-3, the book's). Its three norms are named by what they normalise
    (``ln_ih_``, ``ln_hh_``, ``ln_c_``); the SimpleRNN's single norm is ``ln_weight``/``ln_bias``.
    State (h, c). Trace entries (per step, (N, H)): i, f, g, o, c, h.

    Fast twin: a layer runs torchseq/fast/layer_norm_lstm.py (LayerNormLSTMFunction) -- the same equations,
    backpropagation through time written out -- and on CUDA the fused Triton kernels of
    torchseq/fast/triton_layer_norm_lstm.py (TritonLayerNormLSTMFunction, up to 32 units;
    ``torchseq.fast.use_backend`` chooses). This ``step`` runs inside ``torchseq.use_reference_path()``, for
    subclasses and once patched; ``torchseq.explain(layer)`` says which.
    """

    gates = ("i", "f", "g", "o")
    state_names = ("h", "c")

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, unit_forget_bias: bool = True,
                 layer_norm_eps: float = 1e-5, init: str = "keras", device=None, dtype=None):
        super().__init__(input_size, hidden_size, init, device, dtype)
        self.unit_forget_bias = check_bool("unit_forget_bias", unit_forget_bias)
        self.layer_norm_eps = check_positive_float("layer_norm_eps", layer_norm_eps)
        H = self.hidden_size
        self.bias = self._vector(4 * H)
        self.ln_ih_weight = self._vector(4 * H)
        self.ln_hh_weight = self._vector(4 * H)
        self.ln_c_weight = self._vector(H)
        self.ln_c_bias = self._vector(H)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_lstm_parameters(self)
        for gain in (self.ln_ih_weight, self.ln_hh_weight, self.ln_c_weight):
            torch.nn.init.ones_(gain)
        torch.nn.init.zeros_(self.ln_c_bias)

    def _ln_gates(self, a: torch.Tensor, gain: torch.Tensor, shift: Optional[torch.Tensor] = None) -> torch.Tensor:
        """gamma * (a - mean) / sqrt(var + eps) (+ shift) over all 4H pre-activations: a (..., 4, H)."""
        return F.layer_norm(a, (4, self.hidden_size), gain.view(4, -1), None if shift is None else shift.view(4, -1),
                            self.layer_norm_eps)

    input_bias = None                       # b is LN_x's shift, added by normalise_input

    def normalise_input(self, a: torch.Tensor) -> torch.Tensor:
        """LN_x(W_x x) + b from W_x x (..., N, 4, H). The bias b is added as the norm's shift, in the norm's own
        pass (the same sum, one pass over (L, N, 4H) fewer)."""
        return self._ln_gates(a, self.ln_ih_weight, self.bias)

    def project_input(self, x: torch.Tensor, masks: Optional[Masks] = None) -> torch.Tensor:
        """xp = LN_x(W_x x) + b for every position at once: (..., N, F) -> (..., N, 4, H)."""
        return self.normalise_input(self.input_product(x, masks))

    def step(self, xp: torch.Tensor, state: Tuple[torch.Tensor, torch.Tensor], trace: Optional[dict] = None,
             masks: Optional[Masks] = None):
        """xp = LN_x(W_x x_t) + b (N, 4, H); state = (h_{t-1}, c_{t-1}) -> (h_t, (h_t, c_t))."""
        h, c = state
        a = xp + self._ln_gates(self.recurrent_product(h, masks), self.ln_hh_weight)     # (N, 4, H)
        i, f, g, o = a.unbind(1)                                                         # 4 x (N, H)
        i = torch.sigmoid(i)                                                             # input gate
        f = torch.sigmoid(f)                                                             # forget gate
        g = torch.tanh(g)                                                                # candidate
        o = torch.sigmoid(o)                                                             # output gate
        c = f * c + i * g                                                                # c_t (carried as is)
        c_hat = F.layer_norm(c, (self.hidden_size,), self.ln_c_weight, self.ln_c_bias, self.layer_norm_eps)
        h = o * torch.tanh(c_hat)                                                        # h_t = o * tanh(LN_c(c_t))
        if trace is not None:
            trace.update(i=i, f=f, g=g, o=o, c=c, h=h)
        return h, (h, c)

    def extra_repr(self) -> str:
        return (super().extra_repr() + ("" if self.unit_forget_bias else ", unit_forget_bias=False")
                + ("" if self.layer_norm_eps == 1e-5 else f", layer_norm_eps={self.layer_norm_eps:g}"))
