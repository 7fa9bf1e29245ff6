"""The simple recurrent neuron, Hands-On ML (2nd ed.) eq. 15-1/15-2, and the book's LNSimpleRNNCell."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from .._validate import check_bool, check_choice, check_positive_float
from . import init as initializers
from .base import RecurrentCell
from .masks import Masks
from .._habits import refuses_other_libraries_options

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


class SimpleRNNCell(RecurrentCell):
    r"""Elman recurrent cell, one time step.

    Hands-On ML, 2nd ed., eq. 15-2 (eq. 15-1 for one instance), in torch.nn's weight layout:

    .. math::
        h_t = \phi(W_x x_t + W_h h_{t-1} + b)

    and with ``layer_norm=True`` the book's ``LNSimpleRNNCell`` (layer norm on the pre-activation,
    then the activation; Ba et al. 2016):

    .. math::
        h_t = \phi(\mathrm{LN}(W_x x_t + W_h h_{t-1} + b)), \quad
        \mathrm{LN}(a) = \gamma \odot \frac{a - \mu(a)}{\sqrt{\sigma^2(a) + \epsilon}} + \beta

    The output is the state: y_t = h_t.

    ============  ============  ==========================================
    symbol        parameter     shape
    ============  ============  ==========================================
    W_x           weight_ih     (H, F)
    W_h           weight_hh     (H, H)
    b             bias          (H,)
    gamma, beta   ln_weight,    (H,) each, only with ``layer_norm=True``
                  ln_bias
    ============  ============  ==========================================

    Args:
        input_size: F. hidden_size: H.
        activation: phi, ``"tanh"`` (default) or ``"relu"``.
        layer_norm: apply LN before phi, as the book's LNSimpleRNNCell.
        layer_norm_eps: epsilon of LN; default 1e-3, Keras' LayerNormalization default that the book uses
            (:class:`LayerNormLSTMCell` defaults to 1e-5, torch.nn.LayerNorm's and haste's, the form it follows).
        init: ``"keras"`` (default) or ``"torch"``, see :mod:`torchseq.cells.init`.

    Trace entries (per step, (N, H)): ``a`` (the argument of phi) and ``h``.

    Fast twin: a layer runs torchseq/fast/simple_rnn.py (SimpleRNNFunction; with layer norm
    LayerNormSimpleRNNFunction in torchseq/fast/layer_norm_simple_rnn.py) -- the same equations,
    backpropagation through time written out -- and on CUDA the fused Triton kernels of
    torchseq/fast/triton_simple_rnn.py (TritonSimpleRNNFunction, TritonLayerNormSimpleRNNFunction, up to 64
    units) or, without layer norm, torchseq/fast/triton_simple_rnn_steps.py (TritonSimpleRNNStepsFunction, one
    launch a step, beyond; ``torchseq.fast.use_backend`` chooses). This ``step`` runs inside ``torchseq.use_reference_path()``, for
    subclasses and once patched; ``torchseq.explain(layer)`` says which.
    """

    gates = ("h",)

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, activation: str = "tanh",
                 layer_norm: bool = False, layer_norm_eps: float = 1e-3, init: str = "keras",
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, init, device, dtype)
        self.activation = check_choice("activation", activation, tuple(ACTIVATIONS))
        self.layer_norm = check_bool("layer_norm", layer_norm)
        self.layer_norm_eps = check_positive_float("layer_norm_eps", layer_norm_eps)
        self.bias = self._vector(self.hidden_size)
        if self.layer_norm:
            self.ln_weight = self._vector(self.hidden_size)
            self.ln_bias = self._vector(self.hidden_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        H = self.hidden_size
        initializers.input_kernel_(self.weight_ih, self.init, H)
        initializers.recurrent_kernel_(self.weight_hh, self.init, H)
        initializers.bias_(self.bias, self.init, H)
        if self.layer_norm:
            torch.nn.init.ones_(self.ln_weight)
            torch.nn.init.zeros_(self.ln_bias)

    def step(self, xp: torch.Tensor, state: torch.Tensor, trace: Optional[dict] = None,
             masks: Optional[Masks] = None):
        """xp = W_x x_t + b (N, 1, H); state = h_{t-1} (N, H) -> (h_t, h_t)."""
        h = state
        a = (xp + self.recurrent_product(h, masks)).squeeze(1)                         # W_x x_t + b + W_h h_{t-1}
        if self.layer_norm:
            a = F.layer_norm(a, (self.hidden_size,), self.ln_weight, self.ln_bias, self.layer_norm_eps)  # LN(a)
        h = ACTIVATIONS[self.activation](a)                                            # h_t = phi(a)
        if trace is not None:
            trace.update(a=a, h=h)
        return h, h

    def extra_repr(self) -> str:
        extra = "" if self.activation == "tanh" else f", activation={self.activation!r}"
        if self.layer_norm:
            extra += f", layer_norm=True, layer_norm_eps={self.layer_norm_eps:g}"
        return super().extra_repr() + extra
