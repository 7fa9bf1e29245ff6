"""The public call shared by every layer that runs over a sequence (RNN, Bidirectional, Stacked):
input checks, initial and stored states, and the output options. Subclasses only define ``run``."""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from .._validate import check_lengths, check_sequence
from .states import map_state, state_tensors
from .time import zero_padding


class RecurrentLayer(nn.Module):
    """Base of the sequence layers.

    A subclass provides ``run(x, state, lengths) -> (outputs (N, L, D), last (N, D), final_state)``,
    ``zero_state(x)``, ``check_state(state, x, name)``, ``input_size``, ``output_size`` and the flags
    ``return_sequences``, ``return_state`` and ``stateful``; this class turns them into ``forward``.

    Stateful use (``stateful=True``): the final state of each call is kept and is the initial state of
    the next call (unless ``initial_state`` is given), so a long series can be fed in consecutive chunks
    of a fixed batch size, sample n of each batch continuing sample n of the previous one (Keras
    semantics). The kept state stays attached to the autograd graph of the call that made it; call
    :meth:`detach_states` after each optimiser step for truncated backpropagation through time (as
    PyTorch's word-language-model example does), and :meth:`reset_states` between independent series.
    Forgetting to detach makes the next ``backward`` reach into a freed graph and fail.
    """

    def __init__(self):
        super().__init__()
        self._states = None

    # ---- to be provided by subclasses --------------------------------------------------------
    def run(self, x: torch.Tensor, state, lengths: Optional[torch.Tensor]):
        raise NotImplementedError

    def zero_state(self, x: torch.Tensor):
        raise NotImplementedError

    def check_state(self, state, x: torch.Tensor, name: str = "initial_state"):
        raise NotImplementedError

    # ---- shared ------------------------------------------------------------------------------
    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def forward(self, x: torch.Tensor, initial_state=None, lengths=None):
        """Run over a batch of sequences.

        Args:
            x: (N, L, F) inputs, batch first.
            initial_state: the state to start from (shape as returned with ``return_state``);
                zeros when omitted, or the kept state of a stateful layer.
            lengths: (N,) valid steps per sample, in [1, L], for a right-padded batch. Steps past a
                sample's length leave its state unchanged and give zero outputs; the returned state is
                the one at its last valid step, and the last output the one of that step (the contract
                of torch.nn with a PackedSequence). The padding's values never matter, NaN and inf
                included: they reach neither the outputs nor any gradient (dL/dx there is 0).

        Returns:
            outputs (N, L, D) with ``return_sequences``, else the last output (N, D); as the pair
            ``(output, final_state)`` with ``return_state``.
        """
        x = check_sequence(x, self.input_size, self.dtype)
        lengths = check_lengths(lengths, x.shape[0], x.shape[1], x.device)
        x = zero_padding(x, lengths)                                    # (N, L, F), 0 past each length
        if initial_state is not None:
            state = self.check_state(initial_state, x, "initial_state")
        elif self.stateful and self._states is not None:
            state = self._kept_state_for(x)
        else:
            state = self.zero_state(x)
        outputs, last, state = self.run(x, state, lengths)
        if self.stateful:
            self._states = state
        output = outputs if self.return_sequences else last
        return (output, state) if self.return_state else output

    def _kept_state_for(self, x: torch.Tensor):
        kept = next(state_tensors(self._states)).shape[0]
        if kept != x.shape[0]:
            raise ValueError(f"this stateful layer keeps states for a batch of {kept} samples but x has "
                             f"{x.shape[0]}; keep the batch size fixed or call reset_states() first")
        return self.check_state(self._states, x, "the kept state")

    @property
    def states(self):
        """The state kept by a stateful layer (None before its first call or after a reset)."""
        return self._states

    def reset_states(self) -> None:
        """Forget the kept state: the next call starts from zeros."""
        self._states = None

    def detach_states(self) -> None:
        """Cut the kept state from the autograd graph (truncated backpropagation through time)."""
        if self._states is not None:
            self._states = map_state(torch.Tensor.detach, self._states)

    def _flags_repr(self) -> Tuple[str, ...]:
        flags = ("return_sequences", "return_state", "stateful")
        return tuple(f"{f}=True" for f in flags if getattr(self, f))
