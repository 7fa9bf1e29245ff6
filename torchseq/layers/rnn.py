"""The generic recurrent runner: any cell, unrolled over the time axis."""
from __future__ import annotations

from typing import Optional

import torch

from .._validate import check_bool
from ..cells.base import RecurrentCell
from .base import RecurrentLayer
from .states import select_state
from .time import reverse_time, step_mask


class RNN(RecurrentLayer):
    """Run a cell over a batch of sequences (N, L, F), one step at a time.

    The runner knows nothing about the cell: it hoists the cell's input projection out of the loop
    (``xp = cell.project_input(x)``, one matrix product for all L steps), then calls
    ``cell.step(xp_t, state)`` for t = 0 .. L-1.

    Args:
        cell: a :class:`~torchseq.cells.RecurrentCell`.
        return_sequences: return every step's output (N, L, H) rather than the last one (N, H).
        return_state: also return the final state (a tensor (N, H), or (h, c) for the LSTM family).
        go_backwards: process each sequence from its last valid step to its first. As in Keras, the
            outputs come in processing order: outputs[:, 0] is the step that saw x[:, len - 1].
        stateful: keep the final state as the next call's initial state (see :class:`RecurrentLayer`).

    Internals: under :func:`torchseq.study.record_internals` the layer hands back each step's gate
    activations and states, stacked to (N, L, H), in the order of its outputs, zero past each length.
    """

    def __init__(self, cell: RecurrentCell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False):
        super().__init__()
        if not isinstance(cell, RecurrentCell):
            raise TypeError(f"cell must be a torchseq RecurrentCell, got {type(cell).__name__}")
        self.cell = cell
        self.return_sequences = check_bool("return_sequences", return_sequences)
        self.return_state = check_bool("return_state", return_state)
        self.go_backwards = check_bool("go_backwards", go_backwards)
        self.stateful = check_bool("stateful", stateful)
        self._trace_sink = None

    @property
    def input_size(self) -> int:
        return self.cell.input_size

    @property
    def output_size(self) -> int:
        return self.cell.output_size

    @property
    def hidden_size(self) -> int:
        return self.cell.hidden_size

    def zero_state(self, x: torch.Tensor):
        return self.cell.zero_state(x)

    def check_state(self, state, x: torch.Tensor, name: str = "initial_state"):
        return self.cell.check_state(state, x, name)

    def run(self, x: torch.Tensor, state, lengths: Optional[torch.Tensor]):
        """x (N, L, F), state, lengths (N,) or None -> (outputs (N, L, H), last (N, H), final state)."""
        N, L, _ = x.shape
        if self.go_backwards:
            x = reverse_time(x, lengths)                                # (N, L, F), valid steps reversed
        xp = self.cell.project_input(x.transpose(0, 1))                 # (L, N, G*H): W_x x_t + b, all t
        valid = None if lengths is None else step_mask(lengths, L)      # (L, N, 1)
        record = self._trace_sink is not None
        ys, traces = [], []
        # unbind, not xp[t]: autograd then gathers the L step gradients in one stack instead of
        # writing each into its own zero tensor of xp's full size (O(L^2) memory traffic).
        for t, xp_t in enumerate(xp.unbind(0)):                       # xp_t: (N, G*H)
            trace = {} if record else None
            y, new_state = self.cell.step(xp_t, state, trace)
            if valid is None:
                state = new_state
            else:
                state = select_state(valid[t], new_state, state)        # padded steps keep the state
                y = y.masked_fill(~valid[t], 0.0)                       # and output zeros
            ys.append(y)
            traces.append(trace)
        outputs = torch.stack(ys, dim=1)                                # (N, L, H)
        if lengths is None:
            last = outputs[:, -1]                                       # (N, H)
        else:
            last = outputs[torch.arange(N, device=x.device), lengths - 1]   # (N, H), each sample's last valid
        if record:
            self._trace_sink(self, _stack_traces(traces, valid))
        return outputs, last, state

    def extra_repr(self) -> str:
        flags = self._flags_repr() + (("go_backwards=True",) if self.go_backwards else ())
        return ", ".join(flags)


def _stack_traces(traces, valid: Optional[torch.Tensor]) -> dict:
    """L dicts of (N, H) -> one dict of (N, L, H), zero at padded steps."""
    stacked = {k: torch.stack([tr[k] for tr in traces], dim=1) for k in traces[0]}   # (N, L, H) each
    if valid is not None:
        padded = ~valid.transpose(0, 1)                                 # (N, L, 1)
        stacked = {k: v.masked_fill(padded, 0.0) for k, v in stacked.items()}
    return stacked
