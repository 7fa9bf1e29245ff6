"""Which path a recurrent layer takes, and the fast path's side of the runner.

The readable path (:meth:`torchseq.RNN.run` calling ``cell.step`` under autograd) is the reference. The
fast path computes the same equations with the loops of :mod:`torchseq.fast` -- the input projection for
all timesteps in one product (by the cell's own ``project_input``, masks included), one recurrent product
per step, backpropagation through time written out -- and is used by default where it exists:

    cells       SimpleRNNCell (tanh, relu; not layer_norm), LSTMCell, GRUCell (both conventions)
    options     variational dropout and recurrent dropout (per-gate or shared masks), DropConnect,
                lengths, go_backwards, and through them Bidirectional and Stacked
    otherwise   the readable path: PeepholeLSTMCell, LayerNormLSTMCell, the layer-norm SimpleRNN,
                zoneout, naive per-step dropout (variational=False), and any run under
                :func:`torchseq.study.record_internals` (the trace needs the per-step gates).

``use_reference_path()`` switches the fast path off (for study and for the tests that compare the two).
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Optional

import torch

from ..cells.gru import GRUCell
from ..cells.lstm import LSTMCell
from ..cells.masks import Masks
from ..cells.simple_rnn import SimpleRNNCell
from .gru import GRUResetAfterFunction, GRUResetBeforeFunction
from .lstm import LSTMFunction
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
    if type(cell) is SimpleRNNCell:
        return not cell.layer_norm
    return type(cell) in (LSTMCell, GRUCell)


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
    if torch.is_autocast_enabled(device_type):                                         # run in the projection's dtype
        dtype = xp.dtype
        h0, weight = h0.to(dtype), weight.to(dtype)
        mask = None if mask is None else mask.to(dtype)
        state = tuple(s.to(dtype) for s in state) if isinstance(state, tuple) else h0
    with torch.autocast(device_type, enabled=False):
        if type(cell) is LSTMCell:
            hs, c_last = LSTMFunction.apply(xp, h0, state[1], weight, mask, last)       # (L, N, H), (N, H)
        elif type(cell) is GRUCell and cell.reset_after:
            hs = GRUResetAfterFunction.apply(xp, h0, weight, cell.bias_hh.to(xp.dtype), mask)
        elif type(cell) is GRUCell:
            hs = GRUResetBeforeFunction.apply(xp, h0, weight, mask)
        else:
            hs = SimpleRNNFunction.apply(xp, h0, weight, mask, cell.activation == "relu")
    if lengths is None:
        last_h = hs[-1]                                                                # (N, H)
        outputs = hs.transpose(0, 1)                                                   # (N, L, H)
    else:
        last_h = hs[last, torch.arange(N, device=x.device)]                            # (N, H), each sample's last valid
        valid = torch.arange(L, device=x.device).unsqueeze(1) < lengths.unsqueeze(0)   # (L, N)
        outputs = hs.masked_fill(~valid.unsqueeze(2), 0.0).transpose(0, 1)            # (N, L, H), zero past lengths
    final = (last_h, c_last) if type(cell) is LSTMCell else last_h
    return outputs, last_h, final
