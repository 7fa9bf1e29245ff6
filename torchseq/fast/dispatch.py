"""Which path a recurrent layer takes, and the fast path's side of the runner.

The readable path (:meth:`torchseq.RNN.run` calling ``cell.step`` under autograd) is the reference. The
fast path computes the same equations with the kernels of :mod:`torchseq.fast` -- the input projection for
all timesteps in one product (masks included), one recurrent product per step, backpropagation through time
written out -- and is used by default where a kernel of :data:`KERNELS` applies:

    cells       every cell of the package: SimpleRNNCell (tanh, relu, with or without layer norm), LSTMCell,
                PeepholeLSTMCell, LayerNormLSTMCell, GRUCell (both conventions)
    options     variational dropout and recurrent dropout (per-gate or shared masks), DropConnect,
                lengths, go_backwards, and through them Bidirectional and Stacked
    otherwise   the readable path: subclasses of the cells and cells whose equation methods were replaced
                (patched on the class or set on the instance), zoneout, naive per-step dropout
                (variational=False), any run under :func:`torchseq.study.record_internals` (the trace needs
                the per-step gates), and everything inside :func:`use_reference_path`
    together    on a GPU the two halves of a Bidirectional layer share one step loop (:func:`run_directions`,
                directions stacked along the batch) when their kernel joins directions (LSTM, GRU, SimpleRNN
                without layer norm), they are of one size and form, and no recurrent mask is drawn per gate

:func:`choose` says which kernel a layer's next call runs, or why it runs the readable loop;
:func:`torchseq.explain` prints that for every recurrent layer of a model.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Dict, Iterator, Optional, Tuple

import torch

from ..cells.gru import GRUCell
from ..cells.layer_norm_lstm import LayerNormLSTMCell
from ..cells.lstm import LSTMCell
from ..cells.masks import Masks
from ..cells.peephole_lstm import PeepholeLSTMCell
from ..cells.simple_rnn import SimpleRNNCell
from . import (gru, layer_norm_lstm, layer_norm_simple_rnn, lstm, peephole_lstm, simple_rnn, triton_gru,
               triton_gru_steps, triton_layer_norm_lstm, triton_lstm, triton_lstm_steps, triton_simple_rnn,
               triton_simple_rnn_steps)
from .kernel import Kernel
from .layout import per_gate

# The one table of the fast path: for each readable cell class, the kernels that compute its equations, the
# first one that takes a cell first (the fused Triton kernels, where the backend in force allows them -- the
# persistent ones while W_h fits on chip, then the one-step ones -- before the eager loops).
KERNELS: Dict[type, Tuple[Kernel, ...]] = {
    SimpleRNNCell: (triton_simple_rnn.KERNEL, triton_simple_rnn.LAYER_NORM, triton_simple_rnn_steps.KERNEL,
                    simple_rnn.KERNEL, layer_norm_simple_rnn.KERNEL),
    LSTMCell: (triton_lstm.KERNEL, triton_lstm_steps.KERNEL, lstm.KERNEL),
    PeepholeLSTMCell: (triton_lstm.PEEPHOLE, triton_lstm_steps.PEEPHOLE, peephole_lstm.KERNEL),
    LayerNormLSTMCell: (triton_layer_norm_lstm.KERNEL, layer_norm_lstm.KERNEL),
    GRUCell: (triton_gru.RESET_BEFORE, triton_gru.RESET_AFTER, triton_gru_steps.RESET_AFTER, gru.RESET_BEFORE,
              gru.RESET_AFTER),
}

# The device types on which a Bidirectional layer's halves share one loop by default. On a GPU a step is bound
# by kernel launches, which one loop halves; on the CPU the joined layout's copies cost more than the halved
# operation count saves. The measurements behind this choice: docs/performance.md, "Both directions".
JOINED_DIRECTION_DEVICES = {"cuda"}

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


def _cell_classes(cls: type) -> dict:
    """A copy of the namespace of every class of ``torchseq.cells`` in a cell class's MRO: its equations."""
    return {klass: dict(vars(klass)) for klass in cls.__mro__ if klass.__module__.startswith("torchseq.cells")}


# The equations each kernel was written from, as they stood when torchseq was imported, and the names of their
# methods (a method set on an instance takes the cell off its kernel too).
_ORIGINAL = {cls: _cell_classes(cls) for cls in KERNELS}
_METHOD_NAMES = {cls: frozenset(name for namespace in spaces.values() for name, value in namespace.items()
                                if callable(value) or isinstance(value, property))
                 for cls, spaces in _ORIGINAL.items()}


def _equations_changed(cell) -> Optional[str]:
    """Why this cell's equations may differ from its kernel's: a subclass, or a method replaced on the class
    or set on the instance; None when they are the class's own."""
    cls = type(cell)
    if cls not in _ORIGINAL:
        base = next((b.__name__ for b in cls.__mro__[1:] if b in _ORIGINAL), None)
        return (f"{cls.__name__} subclasses {base}; its step may differ" if base
                else f"no fast kernel for {cls.__name__}")
    patched = sorted(_METHOD_NAMES[cls] & vars(cell).keys())
    if patched:
        return f"the cell's {patched[0]} was set on the instance"
    for klass, namespace in _ORIGINAL[cls].items():
        now = vars(klass)
        if now != namespace:                                                          # one C-level comparison
            name = next(n for n in sorted(now.keys() | namespace.keys()) if now.get(n) is not namespace.get(n))
            return f"{klass.__name__}.{name} was replaced"
    return None


def kernel_for(cell) -> Optional[Kernel]:
    """The kernel that computes this cell's equations, or None (see :func:`choose` for why)."""
    return None if _equations_changed(cell) is not None else _first_taking(cell)


def _first_taking(cell) -> Optional[Kernel]:
    """The first kernel of the cell's class that takes this cell (its class's own equations assumed)."""
    return next((k for k in KERNELS[type(cell)] if k.applies(cell)), None)


def has_fast_path(cell) -> bool:
    """Whether a fast kernel computes this cell's equations (exact classes with their own methods only)."""
    return kernel_for(cell) is not None


def choose(layer) -> Tuple[Optional[Kernel], str]:
    """The kernel the next call of this :class:`~torchseq.RNN` layer runs, or None and why it runs the readable
    loop. Depends on the layer's options, its training mode and the switches in force now."""
    if not fast_path_enabled():
        return None, "inside use_reference_path()"
    if layer.recording:
        return None, "record_internals is recording its steps"
    if any(layer.zoneout):
        return None, "zoneout draws at every step"
    if not layer.variational and layer.training and (layer.dropout or layer.recurrent_dropout or layer.weight_dropout):
        return None, "variational=False draws new masks at every step"
    why = _equations_changed(layer.cell)
    if why is not None:
        return None, why
    kernel = _first_taking(layer.cell)
    return (kernel, "fast kernel") if kernel is not None else (None, "no fast kernel for this configuration")


def joins_directions(layers) -> bool:
    """Whether these layers (a Bidirectional layer's halves) share one step loop in their next call: each on
    the fast path with the same kernel, one that joins directions, on a device type of
    :data:`JOINED_DIRECTION_DEVICES`, of the same size, activation, dtype and device, and no recurrent mask
    drawn per gate (one mask per gate keeps one loop per direction)."""
    return _joined_kernel(layers) is not None


def _joined_kernel(layers) -> Optional[Kernel]:
    """The kernel the layers share in one step loop, or None where :func:`joins_directions` does not hold."""
    kernels = [choose(layer)[0] for layer in layers]
    first, kernel = layers[0].cell, kernels[0]
    if kernel is None or not kernel.joins_directions or first.weight_hh.device.type not in JOINED_DIRECTION_DEVICES:
        return None
    same = all(k is kernel and layer.cell.hidden_size == first.hidden_size
               and getattr(layer.cell, "activation", None) == getattr(first, "activation", None)
               and layer.cell.weight_hh.dtype == first.weight_hh.dtype
               and layer.cell.weight_hh.device == first.weight_hh.device for k, layer in zip(kernels, layers))
    return kernel if same and not any(_per_gate_recurrent(layer) for layer in layers) else None


def _per_gate_recurrent(layer) -> bool:
    """Whether the layer's next call draws one recurrent mask per gate."""
    return bool(layer.training and layer.recurrent_dropout and layer.per_gate_masks and len(layer.cell.gates) > 1)


def run_directions(layers, x: torch.Tensor, states, lengths: Optional[torch.Tensor]):
    """A Bidirectional layer's halves over x (N, L, F) -> a list of (outputs (N, L, H), last (N, H), final state),
    one per layer, each in its own reading order: in one loop where :func:`joins_directions` holds, else each
    layer's own :meth:`~torchseq.RNN.run`."""
    kernel = _joined_kernel(layers)
    if kernel is None:
        return [layer.run(x, state, lengths) for layer, state in zip(layers, states)]
    xs = [layer.reading_order(x, lengths) for layer in layers]                         # (L, N, F) each
    masks = [layer.draw_call_masks(xt) for layer, xt in zip(layers, xs)]
    return run_kernel(kernel, [layer.cell for layer in layers], xs, states, masks, lengths)


def run_fast(cell, x: torch.Tensor, state, masks: Optional[Masks], lengths: Optional[torch.Tensor]):
    """x (L, N, F) time first -> (outputs (N, L, H) zero past each length, last (N, H), final state), through
    the cell's kernel (:func:`kernel_for` must find one)."""
    kernel = kernel_for(cell)
    if kernel is None:
        raise ValueError(f"no fast kernel computes this cell's equations: {_equations_changed(cell)}")
    return run_kernel(kernel, [cell], [x], [state], [masks], lengths)[0]


def run_kernel(kernel: Kernel, cells, xs, states, masks, lengths: Optional[torch.Tensor]):
    """D cells of one kind, each over its own x (L, N, F) time first, in one step loop -> a list of D
    (outputs (N, L, H) zero past each length, last (N, H), final state).

    The input projection (and the input dropout masks and DropConnect copy of W_h) stay under autograd;
    the kernel's Function takes it from xp on. With D > 1 (:func:`joins_directions` must hold) the directions
    are stacked along the batch, direction-major: xp (L, D*N, G*H), h_0 (D*N, H), W_h (D, G*H, H), so that
    each step's product is one batched product over the directions and every gate operation one call for all.
    """
    D = len(cells)
    L, N, _ = xs[0].shape
    xps = [kernel.project(c, x, m) for c, x, m in zip(cells, xs, masks)]              # (L, N, G, H) each
    weights = [c.recurrent_weight(m) for c, m in zip(cells, masks)]                    # W_h or its DropConnect copy
    recurrent = [None if m is None else m.recurrent for m in masks]                    # (G | 1, N, H) or None each
    if D == 1:
        xp, weight, mask, state = xps[0], weights[0], recurrent[0], states[0]
        if kernel.gate_first and per_gate(mask):
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
        hs, c_last = kernel.launch(cells, xp, h0, state, weight, mask, last, _parameters(cells, xp))
    c_parts = [None] * D if c_last is None else c_last.chunk(D)                        # D x (N, H)
    return [_outputs(hs_d, c_d, lengths) for hs_d, c_d in zip(hs.chunk(D, dim=1), c_parts)]   # hs_d (L, N, H)


def _parameters(cells, xp: torch.Tensor):
    """``params(*names)`` for a kernel's launch: the cells' named parameters in xp's dtype (that of the
    projection, under autocast); with D > 1 cells a per-cell vector becomes one row per sample, (D*N, C)."""
    def params(*names):
        if len(cells) == 1:
            return tuple(getattr(cells[0], n).to(xp.dtype) for n in names)
        rows = xp.shape[1] // len(cells)                                               # N; xp (L, D*N, G*H)
        return tuple(torch.stack([getattr(c, n) for c in cells]).to(xp.dtype)                # (D, C)
                     .unsqueeze(1).expand(-1, rows, -1).reshape(xp.shape[1], -1) for n in names)   # (D*N, C)
    return params


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
