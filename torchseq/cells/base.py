"""What every recurrent cell shares: sizes, the hoistable input projection, state checks and the
public one-step call. The equations live in the subclasses' ``step``.

A cell's math is split in two so that a runner can hoist the input half out of the time loop:

    project_input(x)        xp = W_x x + b                 any leading shape (..., F) -> (..., G*H)
    step(xp_t, state)       the rest of the equation block: (y_t, new_state)

``forward(x_t, state)`` = ``step(project_input(x_t), state)``: the textbook one-step cell.
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_choice, check_size, check_state_tensor, check_step_input
from .init import INIT_SCHEMES

State = Union[torch.Tensor, Tuple[torch.Tensor, ...]]


class RecurrentCell(nn.Module):
    """Base class of the cells. Subclasses set ``gates`` and ``state_names``, create their
    parameters after calling ``__init__`` and define ``step`` and ``reset_parameters``.

    Attributes:
        gates: names of the G row blocks of ``weight_ih``/``weight_hh``, in order (torch.nn order).
        state_names: ``("h",)`` for a tensor state, ``("h", "c")`` for the LSTM family's tuple.
    """

    gates: Tuple[str, ...] = ()
    state_names: Tuple[str, ...] = ("h",)

    def __init__(self, input_size: int, hidden_size: int, init: str = "keras",
                 device=None, dtype=None):
        super().__init__()
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.init = check_choice("init", init, INIT_SCHEMES)
        rows = len(self.gates) * self.hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, self.input_size, device=device, dtype=dtype))   # (G*H, F)
        self.weight_hh = nn.Parameter(torch.empty(rows, self.hidden_size, device=device, dtype=dtype))  # (G*H, H)

    def _vector(self, size: int) -> nn.Parameter:
        """A new 1-D parameter on the device and dtype of the weights (filled by reset_parameters)."""
        return nn.Parameter(self.weight_ih.new_empty(size))

    @property
    def output_size(self) -> int:
        return self.hidden_size

    @property
    def dtype(self) -> torch.dtype:
        return self.weight_ih.dtype

    # ---- the math -------------------------------------------------------------------------
    def project_input(self, x: torch.Tensor) -> torch.Tensor:
        """xp = W_x x + b for every position at once: (..., F) -> (..., G*H)."""
        return F.linear(x, self.weight_ih, self.bias)

    def step(self, xp: torch.Tensor, state: State, trace: Optional[dict] = None):
        """One time step from the projected input xp (N, G*H): returns (y_t (N, H), new_state).
        When ``trace`` is a dict, the gate activations and states of this step are stored in it."""
        raise NotImplementedError

    def forward(self, x_t: torch.Tensor, state: Optional[State] = None):
        """One time step: x_t (N, F), state (N, H) or (h, c) -> (y_t (N, H), new_state).
        A missing state is zeros of the input's dtype and device."""
        x_t = check_step_input(x_t, self.input_size, self.dtype)
        state = self.zero_state(x_t) if state is None else self.check_state(state, x_t)
        return self.step(self.project_input(x_t), state)

    # ---- states ---------------------------------------------------------------------------
    def zero_state(self, x: torch.Tensor) -> State:
        """Zeros (N, H) for each state, with the dtype and device of x (N, ...)."""
        zeros = tuple(x.new_zeros(x.shape[0], self.hidden_size) for _ in self.state_names)
        return zeros[0] if len(zeros) == 1 else zeros

    def check_state(self, state, x: torch.Tensor, name: str = "state") -> State:
        """Validate a user-given state for input x (N, ...): a tensor (N, H), or a tuple (h, c)."""
        if len(self.state_names) == 1:
            return check_state_tensor(name, state, x, self.hidden_size)
        names = ", ".join(self.state_names)
        if not isinstance(state, (tuple, list)) or len(state) != len(self.state_names):
            raise TypeError(f"{name} of {type(self).__name__} must be a tuple ({names}) of (N, H) tensors, "
                            f"got {type(state).__name__}"
                            + (f" of length {len(state)}" if isinstance(state, (tuple, list)) else ""))
        return tuple(check_state_tensor(f"{name}[{k}] ({n})", s, x, self.hidden_size)
                     for k, (s, n) in enumerate(zip(state, self.state_names)))

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.init == "keras" else f", init={self.init!r}")
