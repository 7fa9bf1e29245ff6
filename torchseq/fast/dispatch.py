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
    L, N, _ = x.shape
    xp = cell.project_input(x, masks).reshape(L, N, -1)                               # (L, N, G, H) -> (L, N, G*H)
    weight = cell.recurrent_weight(masks)                                              # W_h or its DropConnect copy
    mask = None if masks is None else masks.recurrent                                  # (G | 1, N, H) or None
    last = None if lengths is None else lengths - 1                                    # (N,) step of each final state
    h0 = state[0] if isinstance(state, tuple) else state
    device_type = x.device.type
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
        hs, c_last = _kernel(cell, xp, h0, state, weight, mask, last)                  # (L, N, H), (N, H) or None
    if lengths is None:
        last_h = hs[-1]                                                                # (N, H)
        outputs = hs.transpose(0, 1)                                                   # (N, L, H)
    else:
        last_h = hs[last, torch.arange(N, device=x.device)]                            # (N, H), each sample's last valid
        valid = torch.arange(L, device=x.device).unsqueeze(1) < lengths.unsqueeze(0)   # (L, N)
        outputs = hs.masked_fill(~valid.unsqueeze(2), 0.0).transpose(0, 1)            # (N, L, H), zero past lengths
    final = last_h if c_last is None else (last_h, c_last)
    return outputs, last_h, final


def _kernel(cell, xp, h0, state, weight, mask, last):
    """The cell's autograd Function on xp (L, N, G*H) -> (h_t for every t (L, N, H), c at ``last`` or None).
    Parameters beyond W_h run in xp's dtype (that of the projection, under autocast)."""
    def own(*params):
        return tuple(p.to(xp.dtype) for p in params)

    kind = type(cell)
    if kind is LSTMCell:
        return LSTMFunction.apply(xp, h0, state[1], weight, mask, last)
    if kind is PeepholeLSTMCell:
        peepholes = own(cell.weight_ci, cell.weight_cf, cell.weight_co)
        return PeepholeLSTMFunction.apply(xp, h0, state[1], weight, *peepholes, mask, last)
    if kind is LayerNormLSTMCell:
        norms = own(cell.ln_hh_weight, cell.ln_c_weight, cell.ln_c_bias)
        return LayerNormLSTMFunction.apply(xp, h0, state[1], weight, *norms, cell.layer_norm_eps, mask, last)
    if kind is GRUCell and cell.reset_after:
        return GRUResetAfterFunction.apply(xp, h0, weight, *own(cell.bias_hh), mask, cell.activation == "relu"), None
    if kind is GRUCell:
        return GRUResetBeforeFunction.apply(xp, h0, weight, mask, cell.activation == "relu"), None
    relu = cell.activation == "relu"
    if cell.layer_norm:
        return LayerNormSimpleRNNFunction.apply(xp, h0, weight, *own(cell.ln_weight, cell.ln_bias), mask, relu,
                                                cell.layer_norm_eps), None
    return SimpleRNNFunction.apply(xp, h0, weight, mask, relu), None
