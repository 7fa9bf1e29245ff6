"""Which path a recurrent layer takes, and the fast path's side of the runner.

The readable path (:meth:`torchseq.RNN.run` calling ``cell.step`` under autograd) is the reference. The
fast path computes the same equations with the loops of :mod:`torchseq.fast` -- the input projection for
all timesteps in one product (by the cell's own ``project_input``, masks included), one recurrent product
per step, backpropagation through time written out -- and is used by default where it exists:

    cells       every cell of the package: SimpleRNNCell (tanh, relu, with or without layer norm), LSTMCell,
                PeepholeLSTMCell, LayerNormLSTMCell, GRUCell (both conventions)
    options     variational dropout and recurrent dropout (per-gate or shared masks), DropConnect,
                lengths, go_backwards, and through them Bidirectional and Stacked
    otherwise   the readable path: subclasses of the cells (they may change ``step``), zoneout, naive
                per-step dropout (variational=False), and any run under :func:`torchseq.study.record_internals` (the trace needs the per-step gates).
    together    on a GPU the two halves of a Bidirectional layer share one step loop (:func:`run_fast_together`,
                directions stacked along the batch) when :func:`can_run_together` holds: LSTM, GRU or
                SimpleRNN (no layer norm) halves of one size and form, recurrent masks shared by the gates

``use_reference_path()`` switches the fast path off (for study and for the tests that compare the two).
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Optional

import torch

from ..cells.gru import GRUCell
from ..cells.layer_norm_lstm import LayerNormLSTMCell
from ..cells.lstm import LSTMCell
from ..cells.masks import Masks
from ..cells.peephole_lstm import PeepholeLSTMCell
from ..cells.simple_rnn import SimpleRNNCell
from .gru import GRUResetAfterFunction, GRUResetBeforeFunction
from .layer_norm_lstm import LayerNormLSTMFunction
from .layer_norm_simple_rnn import LayerNormSimpleRNNFunction
from .layout import per_gate
from .lstm import LSTMFunction
from .peephole_lstm import PeepholeLSTMFunction
from .simple_rnn import SimpleRNNFunction

_switch = threading.local()


@contextlib.contextmanager
def use_reference_path(enabled: bool = True) -> Iterator[None]:
    """Within the block every recurrent layer runs the readable reference path (``enabled=False``: the
    default choice again). Per thread; nests."""
    previous = getattr(_switch, "reference", False)
    _switch.reference = bool(enabled)
    try:
        yield
    finally:
        _switch.reference = previous


def fast_path_enabled() -> bool:
    """False inside :func:`use_reference_path`."""
    return not getattr(_switch, "reference", False)


def has_fast_path(cell) -> bool:
    """Whether the fast path implements this cell's equations (exact classes only: a subclass may change
    ``step``)."""
    return type(cell) in (SimpleRNNCell, LSTMCell, PeepholeLSTMCell, LayerNormLSTMCell, GRUCell)


def run_fast(cell, x: torch.Tensor, state, masks: Optional[Masks], lengths: Optional[torch.Tensor]):
    """x (L, N, F) time first -> (outputs (N, L, H) zero past each length, last (N, H), final state).

    The input projection (and the input dropout masks and DropConnect copy of W_h) stay under autograd;
    the custom Functions take it from xp (L, N, G*H) on.
    """
    return run_fast_together([cell], [x], [state], [masks], lengths)[0]


# The cells whose kernels run D directions in one batch (products through DirectionProduct).
_TOGETHER = (LSTMCell, GRUCell, SimpleRNNCell)

# The cells whose kernels take xp gate-first, (G, L, N, H), under one recurrent mask per gate: the layout in
# which the per-gate input product delivers it and its gradient goes back (torchseq.fast.layout).
_GATE_FIRST = (LSTMCell, GRUCell)

# The device types on which a Bidirectional layer's halves share one loop by default. On a GPU a step of these
# sizes is bound by kernel launches, which one loop halves: on an H100 (2026-11-23, torch 2.11.0+cu130,
# benchmarks/results/bidirectional_vs_torch_cuda.md) one loop per direction took 1.63-1.91x the time of the
# joined loop over the same five configurations as below. On the CPU
# the joined layout's copies (the concatenated projections, per-direction slices that are no longer
# contiguous, the weight gradient's transposes) cost more than the halved operation count saves:
# benchmarks/bidirectional_vs_torch.py, 2026-11-22, this project's 2-CPU VM, torch 2.13.0+cpu, one loop took
# 1.00-1.44x the time of one loop per direction over the issue-6 configurations and the IMDB reader's shape
# (results in benchmarks/results/bidirectional_vs_torch_cpu.md).
JOINED_DIRECTION_DEVICES = {"cuda"}


def can_run_together(cells, masks) -> bool:
    """Whether these cells (a Bidirectional layer's halves) share one step loop: on a device type of
    :data:`JOINED_DIRECTION_DEVICES`, one cell class of :data:`_TOGETHER` (a SimpleRNN without layer norm), the same
    hidden size, options, dtype and device, and recurrent dropout masks, if any, shared by the gates (one mask
    per gate keeps one loop per direction)."""
    first = cells[0]
    if (type(first) not in _TOGETHER or getattr(first, "layer_norm", False)
            or first.weight_hh.device.type not in JOINED_DIRECTION_DEVICES):
        return False
    options = ("hidden_size", "activation", "reset_after")
    same = all(type(c) is type(first) and all(getattr(c, o, None) == getattr(first, o, None) for o in options)
               and c.weight_hh.dtype == first.weight_hh.dtype and c.weight_hh.device == first.weight_hh.device
               for c in cells)
    return same and all(m is None or m.recurrent is None or m.recurrent.shape[0] == 1 for m in masks)


def run_fast_together(cells, xs, states, masks, lengths: Optional[torch.Tensor]):
    """D cells of one kind, each over its own x (L, N, F) time first, in one step loop -> a list of D
    (outputs (N, L, H) zero past each length, last (N, H), final state).

    With D > 1 (:func:`can_run_together` must hold) the directions are stacked along the batch,
    direction-major: xp (L, D*N, G*H), h_0 (D*N, H), W_h (D, G*H, H), so that each step's product is one
    batched product over the directions and every gate operation one call for all of them.
    """
    D = len(cells)
    L, N, _ = xs[0].shape
    xps = [c.project_input(x, m, fused=True) for c, x, m in zip(cells, xs, masks)]     # (L, N, G, H) each
    weights = [c.recurrent_weight(m) for c, m in zip(cells, masks)]                    # W_h or its DropConnect copy
    recurrent = [None if m is None else m.recurrent for m in masks]                    # (G | 1, N, H) or None each
    if D == 1:
        xp, weight, mask, state = xps[0], weights[0], recurrent[0], states[0]
        if type(cells[0]) in _GATE_FIRST and per_gate(mask):
            xp = xp.movedim(-2, 0)                                                     # (G, L, N, H), a view
        else:
            xp = xp.reshape(L, N, -1)                                                  # (L, N, G*H)
    else:
        xp = torch.cat([p.reshape(L, N, -1) for p in xps], dim=1)                     # (L, D*N, G*H)
        weight = torch.stack(weights)                                                  # (D, G*H, H)
        mask = None
        if any(m is not None for m in recurrent):
            ones = xp.new_ones(1, N, weight.shape[-1])
            mask = torch.cat([ones if m is None else m for m in recurrent], dim=1)     # (1, D*N, H)
        state = tuple(torch.cat(parts) for parts in zip(*states)) if isinstance(states[0], tuple) \
            else torch.cat(states)                                                     # (D*N, H) each
    last = None if lengths is None else (lengths - 1).repeat(D)                        # (D*N,) step of each final state
    h0 = state[0] if isinstance(state, tuple) else state
    device_type = xp.device.type
    if torch.is_autocast_enabled(device_type):
        # The whole recurrence runs in autocast's dtype, as torch.nn's LSTM/GRU do under autocast. (The
        # readable path follows type promotion instead: its products are low precision, but a float32
        # initial state keeps c_t and h_t in float32.)
        dtype = torch.get_autocast_dtype(device_type)
        xp = xp.to(dtype)
        h0, weight = h0.to(dtype), weight.to(dtype)
        mask = None if mask is None else mask.to(dtype)
        state = tuple(s.to(dtype) for s in state) if isinstance(state, tuple) else h0
    with torch.autocast(device_type, enabled=False):
        hs, c_last = _kernel(cells, xp, h0, state, weight, mask, last)                 # (L, D*N, H), (D*N, H) or None
    c_parts = [None] * D if c_last is None else c_last.chunk(D)                        # D x (N, H)
    return [_outputs(hs_d, c_d, lengths) for hs_d, c_d in zip(hs.chunk(D, dim=1), c_parts)]   # hs_d (L, N, H)


def _outputs(hs: torch.Tensor, c_last: Optional[torch.Tensor], lengths: Optional[torch.Tensor]):
    """One direction's h_t for every t (L, N, H) -> (outputs (N, L, H) zero past each length, last (N, H),
    final state)."""
    L, N, _ = hs.shape
    if lengths is None:
        last_h = hs[-1]                                                                # (N, H)
        outputs = hs.transpose(0, 1)                                                   # (N, L, H)
    else:
        last_h = hs[lengths - 1, torch.arange(N, device=hs.device)]                    # (N, H), each sample's last valid
        valid = torch.arange(L, device=hs.device).unsqueeze(1) < lengths.unsqueeze(0)  # (L, N)
        outputs = hs.masked_fill(~valid.unsqueeze(2), 0.0).transpose(0, 1)            # (N, L, H), zero past lengths
    final = last_h if c_last is None else (last_h, c_last)
    return outputs, last_h, final


def _kernel(cells, xp, h0, state, weight, mask, last):
    """The cells' autograd Function on xp (L, B, G*H), or gate-first (G, L, B, H) -> (h_t for every t
    (L, B, H), c at ``last`` or None), B = D*N for D cells. Parameters beyond W_h run in xp's dtype (that of the
    projection, under autocast); with D > 1 a per-cell vector becomes one row per sample, (D*N, .)."""
    cell = cells[0]

    def own(*names):
        if len(cells) == 1:
            return tuple(getattr(cell, n).to(xp.dtype) for n in names)
        rows = xp.shape[1] // len(cells)                                               # N; xp (L, D*N, G*H)
        return tuple(torch.stack([getattr(c, n) for c in cells]).to(xp.dtype)                # (D, C)
                     .unsqueeze(1).expand(-1, rows, -1).reshape(xp.shape[1], -1) for n in names)   # (D*N, C)

    kind = type(cell)
    if kind is LSTMCell:
        return LSTMFunction.apply(xp, h0, state[1], weight, mask, last)
    if kind is PeepholeLSTMCell:
        peepholes = own("weight_ci", "weight_cf", "weight_co")
        return PeepholeLSTMFunction.apply(xp, h0, state[1], weight, *peepholes, mask, last)
    if kind is LayerNormLSTMCell:
        norms = own("ln_hh_weight", "ln_c_weight", "ln_c_bias")
        return LayerNormLSTMFunction.apply(xp, h0, state[1], weight, *norms, cell.layer_norm_eps, mask, last)
    if kind is GRUCell and cell.reset_after:
        return GRUResetAfterFunction.apply(xp, h0, weight, *own("bias_hh"), mask, cell.activation == "relu"), None
    if kind is GRUCell:
        return GRUResetBeforeFunction.apply(xp, h0, weight, mask, cell.activation == "relu"), None
    relu = cell.activation == "relu"
    if cell.layer_norm:
        return LayerNormSimpleRNNFunction.apply(xp, h0, weight, *own("ln_weight", "ln_bias"), mask, relu,
                                                cell.layer_norm_eps), None
    return SimpleRNNFunction.apply(xp, h0, weight, mask, relu), None
