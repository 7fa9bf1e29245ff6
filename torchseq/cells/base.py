"""What every recurrent cell shares: sizes, the hoistable input projection, state checks and the
public one-step call. The equations live in the subclasses' ``step``.

A cell's math is split in two so that a runner can hoist the input half out of the time loop:

    project_input(x)        xp = W_x x + b                 any leading shape (..., N, F) -> (..., N, G, H)
    step(xp_t, state)       the rest of the equation block: (y_t, new_state)

``forward(x_t, state)`` = ``step(project_input(x_t), state)``: the textbook one-step cell.
Dropout noise (:class:`~torchseq.cells.masks.Masks`) enters through ``input_product`` and
``recurrent_product``, the only two places where x_t and h_{t-1} meet a weight matrix. Pre-activations
travel as (N, G, H), one slice per gate: ``a.unbind(1)`` gives the gates (views, as ``chunk`` would),
and the per-gate masked products land in that layout without a copy.
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_choice, check_size, check_state_tensor, check_step_input
from .init import INIT_SCHEMES
from .masks import Masks, keep_mask

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
    @property
    def input_bias(self) -> Optional[torch.Tensor]:
        """The b of xp = W_x x + b, added in :meth:`project_input` (None where a cell adds its bias later)."""
        return self.bias

    def input_product(self, x: torch.Tensor, masks: Optional[Masks] = None,
                      bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        """W_x x (+ bias) for every position at once, per gate: x (..., N, F) -> (..., N, G, H).

        Under variational dropout each gate block g sees its own masked input m_g * x (masks.input
        (G, N, F), shared by every leading position, i.e. every time step) or one shared mask (1, N, F).
        """
        G, H = len(self.gates), self.hidden_size
        m = None if masks is None else masks.input
        if m is None or m.shape[0] == 1:
            x = x if m is None else x * m[0]
            return F.linear(x, self.weight_ih, bias).unflatten(-1, (G, H))            # (..., N, G, H)
        lead = x.shape[:-2]
        xm = x.unsqueeze(0) * m.view(G, *([1] * len(lead)), *m.shape[1:])            # (G, ..., N, F)
        xm = xm.reshape(G, -1, self.input_size)                                      # (G, ...*N, F)
        w = self.weight_ih.view(G, H, self.input_size).transpose(1, 2)               # (G, F, H)
        out = torch.bmm(xm, w) if bias is None else torch.baddbmm(bias.view(G, 1, H), xm, w)  # (G, ...*N, H)
        return out.view(G, *x.shape[:-1], H).movedim(0, -2)                          # (..., N, G, H), a view

    def recurrent_weight(self, masks: Optional[Masks] = None) -> torch.Tensor:
        """W_h (G*H, H), or the call's DropConnect copy of it when masks carry one."""
        return self.weight_hh if masks is None or masks.weight_hh is None else masks.weight_hh

    def recurrent_blocks(self, masks: Optional[Masks], gate_counts: Tuple[int, ...]) -> Tuple[torch.Tensor, ...]:
        """The call's W_h split into consecutive blocks of ``gate_counts`` gates, each in the layout
        :meth:`recurrent_product` takes for these masks. Split once per step: its backward joins the
        blocks' gradients, where slicing would write each into a zero tensor of W_h's size."""
        H = self.hidden_size
        if masks is not None and masks.per_gate_recurrent:
            return self._gate_weights_t(masks).split(gate_counts)                   # (k, H, H) each
        return self.recurrent_weight(masks).split([k * H for k in gate_counts])      # (k*H, H) each

    def _gate_weights_t(self, masks: Masks) -> torch.Tensor:
        """(G, H, H), [g] = W_hg^T: a view of the call's W_h."""
        H = self.hidden_size
        return self.recurrent_weight(masks).view(-1, H, H).transpose(1, 2)

    def recurrent_product(self, h: torch.Tensor, masks: Optional[Masks] = None,
                          block: Optional[torch.Tensor] = None, first: int = 0) -> torch.Tensor:
        """W_h h per gate: h (N, H) -> (N, k, H), for all G gates or for one ``block`` of k gates from
        :meth:`recurrent_blocks` starting at gate ``first``.

        Under variational recurrent dropout gate g multiplies its own masked copy m_g * h
        (masks.recurrent (G, N, H)) or one shared copy (1, N, H).
        """
        H = self.hidden_size
        if masks is not None and masks.per_gate_recurrent:
            w_t = self._gate_weights_t(masks) if block is None else block                # (k, H, H)
            hm = h * masks.recurrent[first:first + w_t.shape[0]]                      # (k, N, H)
            return torch.bmm(hm, w_t).transpose(0, 1)                                 # (N, k, H), a view
        w = self.recurrent_weight(masks) if block is None else block                  # (k*H, H)
        if masks is not None and masks.recurrent is not None:
            h = h * masks.recurrent[0]                                                # one shared mask
        return (h @ w.T).view(h.shape[0], -1, H)                                      # (N, k, H)

    def project_input(self, x: torch.Tensor, masks: Optional[Masks] = None) -> torch.Tensor:
        """xp = W_x x + b for every position at once: (..., N, F) -> (..., N, G, H)."""
        return self.input_product(x, masks, self.input_bias)

    def step(self, xp: torch.Tensor, state: State, trace: Optional[dict] = None, masks: Optional[Masks] = None):
        """One time step from the projected input xp (N, G, H): returns (y_t (N, H), new_state).
        When ``trace`` is a dict, the gate activations and states of this step are stored in it;
        ``masks`` are the call's dropout masks (their recurrent part and DropConnect weight act here)."""
        raise NotImplementedError

    def forward(self, x_t: torch.Tensor, state: Optional[State] = None, masks: Optional[Masks] = None):
        """One time step: x_t (N, F), state (N, H) or (h, c) -> (y_t (N, H), new_state).

        A missing state is zeros of the input's dtype and device. For variational dropout over a
        sequence stepped by hand, draw ``masks = cell.draw_masks(x_t, ...)`` once and pass them at
        every step (the runner :class:`~torchseq.RNN` does this itself)."""
        x_t = check_step_input(x_t, self.input_size, self.dtype)
        state = self.zero_state(x_t) if state is None else self.check_state(state, x_t)
        if masks is not None and not isinstance(masks, Masks):
            raise TypeError(f"masks must be a torchseq Masks (from cell.draw_masks), got {type(masks).__name__}")
        return self.step(self.project_input(x_t, masks), state, masks=masks)

    def draw_masks(self, x: torch.Tensor, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                   weight_dropout: float = 0.0, per_gate: bool = True, generator=None) -> Masks:
        """Draw the dropout noise for one sequence batch whose samples are x (N, ...).

        dropout: rate on x_t; recurrent_dropout: rate on h_{t-1}; weight_dropout: DropConnect rate on
        the entries of W_h. With ``per_gate`` each of the G gate blocks gets an independent mask.
        """
        N, G, H = x.shape[0], (len(self.gates) if per_gate else 1), self.hidden_size
        masks = Masks(
            input=keep_mask((G, N, self.input_size), dropout, x, generator) if dropout else None,
            recurrent=keep_mask((G, N, H), recurrent_dropout, x, generator) if recurrent_dropout else None,
            weight_hh=(self.weight_hh * keep_mask(tuple(self.weight_hh.shape), weight_dropout, self.weight_hh, generator)
                       if weight_dropout else None))
        return masks

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
