"""Gated recurrent unit, in its two published conventions (Cho et al. 2014)."""
from __future__ import annotations

from typing import Optional

import torch

from .._validate import check_bool, check_choice
from . import init as initializers
from .base import RecurrentCell
from .masks import Masks
from .._habits import refuses_other_libraries_options


class GRUCell(RecurrentCell):
    r"""GRU cell, one time step, gate order (r, z, n) as torch.nn.

    ``reset_after=False`` (default) -- Hands-On ML, 2nd ed., eq. 15-4; Cho et al. 2014 (arXiv 1406.1078 v3);
    Keras ``reset_after=False``. The reset gate scales h_{t-1} *before* the recurrent product:

    .. math::
        r_t &= \sigma(W_{xr} x_t + W_{hr} h_{t-1} + b_r) \\
        z_t &= \sigma(W_{xz} x_t + W_{hz} h_{t-1} + b_z) \\
        n_t &= \tanh(W_{xn} x_t + W_{hn} (r_t \odot h_{t-1}) + b_n) \\
        y_t = h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot n_t

    (the book calls the candidate n_t "g_t"). One bias ``bias`` (3H,).

    ``reset_after=True`` -- the torch.nn / cuDNN form (Keras ``reset_after=True``). The reset gate scales
    the recurrent product, which therefore needs its own bias:

    .. math::
        r_t &= \sigma(W_{xr} x_t + b_{xr} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{xz} x_t + b_{xz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t &= \tanh(W_{xn} x_t + b_{xn} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        y_t = h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot n_t

    Biases ``bias_ih`` (b_x*) and ``bias_hh`` (b_h*), (3H,) each; they cannot be folded into one because
    r_t multiplies b_hn only.

    Why reset-before is the default: it is the equation the courses teach (eq. 15-4) and Keras' default
    before TensorFlow 2 (the Deep Learning with Python 1st-edition models). tf.keras 2.x, used by the
    Hands-On ML 2nd-edition notebooks, defaults to reset-after: pass ``reset_after=True`` to reproduce
    those. torch.nn has only reset-after, because cuDNN computes W_h h_{t-1} for all three gates in one
    product before r_t is known.

    ==========  ==================  ==========================
    symbol      parameter           shape
    ==========  ==================  ==========================
    W_x*        weight_ih           (3H, F), row blocks r, z, n
    W_h*        weight_hh           (3H, H), row blocks r, z, n
    b_*         bias                (3H,), reset_after=False
    b_x*,b_h*   bias_ih, bias_hh    (3H,) each, reset_after=True
    ==========  ==================  ==========================

    Trace entries (per step, (N, H)): r, z, n, h.

    Fast twin: a layer runs torchseq/fast/gru.py (GRUResetBeforeFunction, GRUResetAfterFunction) -- the same
    equations, backpropagation through time written out -- and on CUDA the fused Triton kernels of
    torchseq/fast/triton_gru.py (TritonGRUResetBeforeFunction, TritonGRUResetAfterFunction, up to 64 units) or,
    reset after, torchseq/fast/triton_gru_steps.py (TritonGRUResetAfterStepsFunction, one launch a step, beyond;
    ``torchseq.fast.use_backend`` chooses). This ``step`` runs inside ``torchseq.use_reference_path()``, for
    subclasses and once patched; ``torchseq.explain(layer)`` says which.
    """

    gates = ("r", "z", "n")

    @refuses_other_libraries_options
    def __init__(self, input_size: int, hidden_size: int, reset_after: bool = False, activation: str = "tanh",
                 init: str = "keras", device=None, dtype=None):
        super().__init__(input_size, hidden_size, init, device, dtype)
        self.reset_after = check_bool("reset_after", reset_after)
        self.activation = check_choice("activation", activation, ("tanh", "relu"))
        if self.reset_after:
            self.bias_ih = self._vector(3 * self.hidden_size)
            self.bias_hh = self._vector(3 * self.hidden_size)
        else:
            self.bias = self._vector(3 * self.hidden_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        H = self.hidden_size
        initializers.input_kernel_(self.weight_ih, self.init, H)
        initializers.recurrent_kernel_(self.weight_hh, self.init, H)
        for b in ((self.bias_ih, self.bias_hh) if self.reset_after else (self.bias,)):
            initializers.bias_(b, self.init, H)

    @property
    def input_bias(self) -> torch.Tensor:
        """xp = W_x x + b (reset before) or W_x x + b_x (reset after)."""
        return self.bias_ih if self.reset_after else self.bias

    def step(self, xp: torch.Tensor, state: torch.Tensor, trace: Optional[dict] = None,
             masks: Optional[Masks] = None):
        """xp from project_input (N, 3, H); state = h_{t-1} (N, H) -> (h_t, h_t)."""
        h = state
        xr, xz, xn = xp.unbind(1)                                                        # 3 x (N, H)
        if self.reset_after:
            b_h = self.bias_hh.view(3, -1)                                               # (3, H)
            hr, hz, hn = (self.recurrent_product(h, masks) + b_h).unbind(1)              # W_h h + b_h, 3 x (N, H)
            r = torch.sigmoid(xr + hr)                                                   # reset gate
            z = torch.sigmoid(xz + hz)                                                   # update gate
            n = self.phi(xn + r * hn)                                                    # candidate, reset after W_hn
        else:
            w_rz, w_n = self.recurrent_blocks(masks, (2, 1))                             # W_h(r,z), W_hn
            hr, hz = self.recurrent_product(h, masks, w_rz).unbind(1)                    # W_hr h, W_hz h
            r = torch.sigmoid(xr + hr)                                                   # reset gate
            z = torch.sigmoid(xz + hz)                                                   # update gate
            n = self.phi(xn + self.recurrent_product(r * h, masks, w_n, first=2)[:, 0])  # reset before W_hn
        h = z * h + (1 - z) * n                                                          # h_t = y_t
        if trace is not None:
            trace.update(r=r, z=z, n=n, h=h)
        return h, h

    def phi(self, a: torch.Tensor) -> torch.Tensor:
        """The candidate's activation: tanh (the equations above), or relu (Keras' ``activation="relu"``, which
        Deep Learning with Python's stacked Jena GRU uses; the gates stay sigmoid)."""
        return torch.relu(a) if self.activation == "relu" else torch.tanh(a)

    def extra_repr(self) -> str:
        return (super().extra_repr() + (", reset_after=True" if self.reset_after else "")
                + (f", activation={self.activation!r}" if self.activation != "tanh" else ""))
