"""The generic recurrent runner: any cell, unrolled over the time axis, with its regularisers."""
from __future__ import annotations

from typing import List, Optional

import torch

from .._validate import check_bool, check_generator, check_probability
from ..cells.base import RecurrentCell
from ..cells.masks import Masks
from ..fast.dispatch import choose, run_kernel
from .base import RecurrentLayer
from .._habits import refuses_other_libraries_options
from .states import select_state
from .time import reverse_time, step_mask
from .zoneout import apply_zoneout, draw_zoneout, zoneout_rates

# The runner's own keyword options, which every convenience layer passes on to RNN.
RUNNER_OPTIONS = ("return_sequences", "return_state", "go_backwards", "stateful", "dropout", "recurrent_dropout",
                  "weight_dropout", "zoneout", "per_gate_masks", "variational", "generator")

# The runner's options as they read in every recurrent layer's Args (after the cell's own).
RUNNER_ARGS = """
        return_sequences: return every step's output (N, L, H) rather than the last one (N, H).
        return_state: also return the final state (a tensor (N, H), or (h, c) for the LSTM family).
        go_backwards: process each sequence from its last valid step to its first. As in Keras, the
            outputs come in processing order: outputs[:, 0] is the step that saw x[:, len - 1].
        stateful: keep the final state as the next call's initial state (see :class:`RecurrentLayer`).
        dropout: rate p of variational dropout on x_t (Gal & Ghahramani 2016): one mask per sample and
            input feature, drawn once per forward call and used at every step; scaled by 1/(1-p).
        recurrent_dropout: the same on h_{t-1} as it enters W_h (never on the LSTM's c).
        weight_dropout: DropConnect on W_h (Wan et al. 2013, as AWD-LSTM's WeightDrop): one mask over
            the entries of W_h per forward call.
        zoneout: Krueger et al. 2016 -- a rate for every state, or one per state, e.g. (z_h, z_c).
            See :mod:`torchseq.layers.zoneout`; at evaluation the expectation is used.
        per_gate_masks: each gate block gets its own dropout mask (default; Gal's untied variant, Keras'
            implementation 1). False: one mask shared by the gates (Keras' dropout-only fast path).
        variational: True (default) draws the masks once per call. False redraws every mask at every
            step -- the naive per-step dropout the lectures warn against, kept for comparison.
        generator: None (the global generator), a torch.Generator, or an int seed, for every random draw.

    Dropout and DropConnect act only in training mode (``module.train()``); in ``eval()`` they are the
    identity. Internals: under :func:`torchseq.study.record_internals` the layer hands back each step's
    gate activations and states, stacked to (N, L, H), in the order of its outputs, zero past each
    length; with dropout on also ``input_mask`` (G, N, L, F) and ``recurrent_mask`` (G, N, L, H), and
    with zoneout ``zoneout_h``/``zoneout_c`` (N, L, H), 1 where the previous value was kept.
    """


class RNN(RecurrentLayer):
    __doc__ = """Run a cell over a batch of sequences (N, L, F), one step at a time.

    The runner knows nothing about the cell: it hoists the cell's input projection out of the loop
    (``xp = cell.project_input(x)``, one matrix product for all L steps), then calls
    ``cell.step(xp_t, state)`` for t = 0 .. L-1. That is the readable path; by default a layer runs the fast
    kernel of :mod:`torchseq.fast` that computes the same equations, and :func:`torchseq.explain` says which
    of the two a call will take (patched or subclassed cells always run their own ``step``).

    Args:
        cell: a :class:`~torchseq.cells.RecurrentCell`.""" + RUNNER_ARGS

    @refuses_other_libraries_options
    def __init__(self, cell: RecurrentCell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, weight_dropout: float = 0.0, zoneout=0.0,
                 per_gate_masks: bool = True, variational: bool = True, generator=None):
        super().__init__()
        if not isinstance(cell, RecurrentCell):
            raise TypeError(f"cell must be a torchseq RecurrentCell, got {type(cell).__name__}")
        self.cell = cell
        self.return_sequences = check_bool("return_sequences", return_sequences)
        self.return_state = check_bool("return_state", return_state)
        self.go_backwards = check_bool("go_backwards", go_backwards)
        self.stateful = check_bool("stateful", stateful)
        self.dropout = check_probability("dropout", dropout)
        self.recurrent_dropout = check_probability("recurrent_dropout", recurrent_dropout)
        self.weight_dropout = check_probability("weight_dropout", weight_dropout)
        self.zoneout = zoneout_rates(zoneout, cell.state_names)
        self.per_gate_masks = check_bool("per_gate_masks", per_gate_masks)
        self.variational = check_bool("variational", variational)
        self.generator = check_generator("generator", generator)
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

    @property
    def recording(self) -> bool:
        """Whether :func:`torchseq.study.record_internals` is recording this layer's steps."""
        return self._trace_sink is not None

    def reading_order(self, x: torch.Tensor, lengths: Optional[torch.Tensor]) -> torch.Tensor:
        """x (N, L, F) -> time first in the order this layer reads it, (L, N, F) (valid steps reversed for
        ``go_backwards``)."""
        if self.go_backwards:
            x = reverse_time(x, lengths)                                # (N, L, F), valid steps reversed
        return x.transpose(0, 1)                                        # (L, N, F), time first for the loop

    def draw_call_masks(self, x: torch.Tensor):
        """This call's dropout noise for x (L, N, F): None (eval or no dropout), one Masks (variational), or
        L of them (``variational=False``)."""
        if not (self.training and (self.dropout or self.recurrent_dropout or self.weight_dropout)):
            return None
        rates = (self.dropout, self.recurrent_dropout, self.weight_dropout, self.per_gate_masks, self.generator)
        if self.variational:
            return self.cell.draw_masks(x[0], *rates)
        return [self.cell.draw_masks(x[0], *rates) for _ in range(x.shape[0])]

    def run(self, x: torch.Tensor, state, lengths: Optional[torch.Tensor]):
        """x (N, L, F), state, lengths (N,) or None -> (outputs (N, L, H), last (N, H), final state), through
        the fast kernel :func:`torchseq.fast.dispatch.choose` picks, or the readable loop of ``cell.step``."""
        x = self.reading_order(x, lengths)                              # (L, N, F)
        masks = self.draw_call_masks(x)
        kernel = choose(self)[0]
        if kernel is not None:
            return run_kernel(kernel, [self.cell], [x], [state], [masks], lengths)[0]
        return self._readable_loop(x, masks, state, lengths)

    def _readable_loop(self, x: torch.Tensor, masks, state, lengths: Optional[torch.Tensor]):
        """``cell.step`` for t = 0 .. L-1 under autograd, on x (L, N, F) in reading order -> as :meth:`run`."""
        L, N, _ = x.shape
        if isinstance(masks, list):                                     # naive: fresh masks every step
            xp = [self.cell.project_input(x_t, m) for x_t, m in zip(x.unbind(0), masks)]
        else:
            # unbind, not xp[t]: autograd then gathers the L step gradients in one stack instead of
            # writing each into its own zero tensor of xp's full size (O(L^2) memory traffic).
            xp = self.cell.project_input(x, masks).unbind(0)            # L x (N, G, H): W_x x_t + b, all t
            masks = [masks] * L
        keep_old = None
        if self.training and any(self.zoneout):
            keep_old = draw_zoneout(self.zoneout, x[0], L, self.hidden_size, self.generator)
        valid = None if lengths is None else step_mask(lengths, L)      # (L, N, 1)
        record = self.recording
        ys, traces = [], []
        for t in range(L):
            trace = {} if record else None
            y, new_state = self.cell.step(xp[t], state, trace, masks[t])
            if any(self.zoneout):
                new_state = apply_zoneout(new_state, state, self.zoneout, keep_old, t)
                y = new_state if isinstance(new_state, torch.Tensor) else new_state[0]   # y_t = zoned h_t
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
            self._trace_sink(self, self._internals(traces, valid, masks, keep_old))
        return outputs, last, state

    def _internals(self, traces: List[dict], valid, masks: List[Optional[Masks]], keep_old) -> dict:
        """L dicts of (N, H) -> one dict of (N, L, H), zero at padded steps; plus the noise used."""
        out = {k: torch.stack([tr[k] for tr in traces], dim=1) for k in traces[0]}   # (N, L, H) each
        if valid is not None:
            padded = ~valid.transpose(0, 1)                             # (N, L, 1)
            out = {k: v.masked_fill(padded, 0.0) for k, v in out.items()}
        for name in ("input", "recurrent"):
            per_step = [getattr(m, name) for m in masks] if masks[0] is not None else [None]
            if per_step[0] is not None:
                out[f"{name}_mask"] = torch.stack(per_step, dim=2)      # (G, N, L, F or H)
        for name, d in zip(self.cell.state_names, keep_old or ()):
            if d is not None:
                out[f"zoneout_{name}"] = d.transpose(0, 1).to(traces[0]["h"].dtype)   # (N, L, H)
        return out

    def extra_repr(self) -> str:
        flags = list(self._flags_repr()) + (["go_backwards=True"] if self.go_backwards else [])
        for name in ("dropout", "recurrent_dropout", "weight_dropout"):
            if getattr(self, name):
                flags.append(f"{name}={getattr(self, name):g}")
        if any(self.zoneout):
            flags.append(f"zoneout={self.zoneout}")
        if not self.per_gate_masks:
            flags.append("per_gate_masks=False")
        if not self.variational:
            flags.append("variational=False")
        return ", ".join(flags)
