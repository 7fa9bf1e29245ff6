"""torch.nn recurrent modules in and out of torchseq, with the same numbers.

torch.nn keeps two biases b_ih and b_hh where the course equations have one b; they are only ever
added together (RNN, LSTM), so ``from_torch`` folds b = b_ih + b_hh and ``to_torch`` writes b_ih = b,
b_hh = 0. The reset-after GRU keeps both, as torch.nn does (r_t multiplies b_hn alone).
"""
from __future__ import annotations

import warnings
from typing import List

import torch
from torch import nn

from ..cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, SimpleRNNCell
from ..layers import GRU, LSTM, RNN, Bidirectional, RecurrentLayer, SimpleRNN, Stacked
from .torch_conv import CONV_TYPES, OURS, conv_from_torch, conv_to_torch

TORCH_TYPES = ("nn.RNN, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell, nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d, "
               "nn.AdaptiveMaxPool1d(1), nn.AdaptiveAvgPool1d(1)")
TORCH_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")    # + suffix "_l{k}[_reverse]" in layers


# ---- torch.nn -> torchseq ---------------------------------------------------------------------

def from_torch(module: nn.Module):
    """Build the torchseq module computing exactly what a torch.nn recurrent module computes.

    ``nn.RNNCell``/``nn.LSTMCell``/``nn.GRUCell`` give the matching cell (the GRU with
    ``reset_after=True``). ``nn.RNN``/``nn.LSTM``/``nn.GRU`` give a layer returning sequences and
    state, as torch.nn does: a :class:`~torchseq.SimpleRNN`/:class:`~torchseq.LSTM`/:class:`~torchseq.GRU`,
    wrapped in :class:`~torchseq.Bidirectional` when ``bidirectional=True``, and a
    :class:`~torchseq.Stacked` of those when ``num_layers > 1``. The result is batch first whatever
    ``batch_first`` says; use :func:`state_from_torch`/:func:`state_to_torch` for the states. Parameters
    are copied (same dtype and device); the torch module is left untouched.

    torch.nn's inter-layer ``dropout`` (a fresh mask per element and step) becomes the stack's variational
    dropout of the same rate (one mask per sample and feature per call): identical in eval mode, a
    different regulariser in training -- a UserWarning says so.
    """
    if isinstance(module, (nn.RNNCell, nn.LSTMCell, nn.GRUCell)):
        _check_bias(module)
        cell = _cell_class(module)(module.input_size, module.hidden_size, **_cell_options(module))
        _load_from(cell, module, "")
        return cell
    if isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        return _layers_from(module)
    if isinstance(module, CONV_TYPES):
        return conv_from_torch(module)
    raise TypeError(f"module must be one of {TORCH_TYPES} (from_torch's inputs); got {type(module).__name__}")


def _check_bias(module: nn.Module) -> None:
    if not module.bias:
        raise ValueError(f"{type(module).__name__}(bias=False) has no torchseq counterpart: the cells keep "
                         f"the bias of the course equations")


def _cell_class(module: nn.Module):
    if isinstance(module, (nn.RNN, nn.RNNCell)):
        return SimpleRNNCell
    return LSTMCell if isinstance(module, (nn.LSTM, nn.LSTMCell)) else GRUCell


def _cell_options(module: nn.Module) -> dict:
    w = module.weight_ih_l0 if isinstance(module, nn.RNNBase) else module.weight_ih
    options = {"device": w.device, "dtype": w.dtype}
    if isinstance(module, (nn.RNN, nn.RNNCell)):
        options["activation"] = module.nonlinearity
    if isinstance(module, (nn.GRU, nn.GRUCell)):
        options["reset_after"] = True
    return options


@torch.no_grad()
def _load_from(cell, module: nn.Module, suffix: str) -> None:
    """Copy torch.nn parameters named like weight_ih{suffix} into a torchseq cell."""
    w_ih, w_hh, b_ih, b_hh = (getattr(module, name + suffix) for name in TORCH_PARAMETERS)
    cell.weight_ih.copy_(w_ih)
    cell.weight_hh.copy_(w_hh)
    if isinstance(cell, GRUCell):
        cell.bias_ih.copy_(b_ih)
        cell.bias_hh.copy_(b_hh)
    else:
        cell.bias.copy_(b_ih + b_hh)                                       # b = b_ih + b_hh, exact


def _layers_from(module: nn.RNNBase) -> RecurrentLayer:
    _check_bias(module)
    if getattr(module, "proj_size", 0):
        raise ValueError(f"nn.LSTM(proj_size={module.proj_size}) has no torchseq counterpart")
    between = module.dropout if module.num_layers > 1 else 0.0        # torch.nn ignores it for one layer
    if between:
        warnings.warn(f"nn.{type(module).__name__}(dropout={module.dropout}) becomes variational dropout "
                      f"between the layers (a mask shared over time): the same in eval mode, not in training",
                      UserWarning, stacklevel=3)
    layer_class = {nn.RNN: SimpleRNN, nn.LSTM: LSTM, nn.GRU: GRU}[type(module)]
    options = _cell_options(module)
    stack = []
    for k in range(module.num_layers):
        flags = {"return_sequences": True, "return_state": k == module.num_layers - 1}
        in_size = module.input_size if k == 0 else module.hidden_size * (2 if module.bidirectional else 1)
        forward = layer_class(in_size, module.hidden_size, **flags, **options)
        _load_from(forward.cell, module, f"_l{k}")
        if module.bidirectional:
            backward = layer_class(in_size, module.hidden_size, go_backwards=True, **flags, **options)
            _load_from(backward.cell, module, f"_l{k}_reverse")
            stack.append(Bidirectional(forward, backward_layer=backward))
        else:
            stack.append(forward)
    return stack[0] if len(stack) == 1 else Stacked(*stack, dropout=between)


# ---- torchseq -> torch.nn ---------------------------------------------------------------------

def _torch_class_for(cell) -> type:
    """The torch.nn layer class that computes this cell, or a ValueError saying why none does."""
    if type(cell) is SimpleRNNCell:
        if cell.layer_norm:
            raise ValueError("torch.nn.RNN has no layer normalisation; a SimpleRNNCell(layer_norm=True) "
                             "cannot be converted")
        return nn.RNN
    if type(cell) is LSTMCell:
        return nn.LSTM
    if type(cell) is GRUCell:
        if not cell.reset_after:
            raise ValueError("torch.nn.GRU applies the reset gate after the recurrent product "
                             "(reset_after=True); this reset-before GRU (Hands-On ML eq. 15-4) has no "
                             "torch.nn counterpart")
        if cell.activation != "tanh":
            raise ValueError(f"torch.nn.GRU's candidate is tanh only; this GRU has activation={cell.activation!r}")
        return nn.GRU
    if type(cell) is PeepholeLSTMCell:
        raise ValueError("torch.nn.LSTM has no peephole connections; a PeepholeLSTMCell cannot be converted")
    if type(cell) is LayerNormLSTMCell:
        raise ValueError("torch.nn.LSTM has no layer normalisation; a LayerNormLSTMCell cannot be converted")
    raise TypeError(f"to_torch does not know the cell type {type(cell).__name__}")


def _stack_of(module: RecurrentLayer) -> List[RecurrentLayer]:
    return list(module.layers) if isinstance(module, Stacked) else [module]


def _directions(layer: RecurrentLayer) -> List[RNN]:
    """The RNNs of one stack level in torch.nn order: [forward] or [forward, backward]."""
    if isinstance(layer, RNN):
        _check_no_regularisers(layer)
        if layer.go_backwards:
            raise ValueError("torch.nn has no layer that reads only backward (go_backwards=True); flip the "
                             "input with x.flip(1) and convert a forward layer")
        return [layer]
    if isinstance(layer, Bidirectional):
        if layer.merge_mode != "concat":
            raise ValueError(f"torch.nn's bidirectional layers concatenate both directions; "
                             f"merge_mode={layer.merge_mode!r} cannot be expressed")
        for rnn in (layer.forward_layer, layer.backward_layer):
            _check_no_regularisers(rnn)
        return [layer.forward_layer, layer.backward_layer]
    raise TypeError(f"to_torch cannot convert a {type(layer).__name__} inside a stack")


def _check_no_regularisers(rnn: RNN) -> None:
    active = [f"{name}={getattr(rnn, name)}" for name in ("dropout", "recurrent_dropout", "weight_dropout")
              if getattr(rnn, name)] + ([f"zoneout={rnn.zoneout}"] if any(rnn.zoneout) else [])
    if active:
        raise ValueError(f"torch.nn's recurrent layers have no {', '.join(active)}; these act only in training, "
                         f"so for inference set them to 0 on the layer before converting")


def to_torch(module: nn.Module) -> nn.Module:
    """The torch.nn module computing exactly what a torchseq cell or layer computes.

    Cells give ``nn.RNNCell``/``nn.LSTMCell``/``nn.GRUCell``; layers (RNN, Bidirectional with
    ``merge_mode="concat"``, Stacked of those, all of one cell type and hidden size) give
    ``nn.RNN``/``nn.LSTM``/``nn.GRU`` with ``batch_first=True``. A module torch.nn cannot express
    (reset-before GRU, peephole or layer-norm cells, backward-only layers, other merge modes) raises a
    ValueError saying why. Output flags do not carry over: torch.nn always returns (output, h_n).
    A stack's variational dropout becomes torch.nn's ``dropout`` of the same rate (a UserWarning says
    they differ in training); the layers' own dropout, DropConnect and zoneout have no torch.nn form.
    """
    if isinstance(module, (SimpleRNNCell, LSTMCell, GRUCell, PeepholeLSTMCell, LayerNormLSTMCell)):
        torch_class = _torch_class_for(module)
        cell_class = {nn.RNN: nn.RNNCell, nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell}[torch_class]
        extra = {"nonlinearity": module.activation} if torch_class is nn.RNN else {}
        out = cell_class(module.input_size, module.hidden_size, device=module.weight_ih.device,
                         dtype=module.weight_ih.dtype, **extra)
        _store_into(out, module, "")
        return out
    if isinstance(module, OURS):
        return conv_to_torch(module)
    if not isinstance(module, RecurrentLayer):
        raise TypeError(f"module must be a torchseq cell, recurrent layer, Conv1D or pool (to_torch's inputs); "
                        f"got {type(module).__name__}")
    levels = [_directions(layer) for layer in _stack_of(module)]
    first = levels[0][0].cell
    torch_class = _torch_class_for(first)
    D = len(levels[0])
    for k, level in enumerate(levels):
        for rnn in level:
            _check_same_kind(first, rnn.cell, k)
        if len(level) != D:
            raise ValueError(f"torch.nn needs every layer of a stack bidirectional or none; layer {k} differs")
        if k and level[0].input_size != D * first.hidden_size:
            raise ValueError(f"layer {k} reads {level[0].input_size} features; torch.nn stacks need "
                             f"{D * first.hidden_size}")
    extra = {"nonlinearity": first.activation} if torch_class is nn.RNN else {}
    between = module.dropout if isinstance(module, Stacked) else 0.0
    if between:
        warnings.warn(f"the stack's variational dropout ({between}) becomes torch.nn's per-element dropout: "
                      f"the same in eval mode, not in training", UserWarning, stacklevel=2)
    out = torch_class(first.input_size, first.hidden_size, num_layers=len(levels), bidirectional=D == 2,
                      batch_first=True, dropout=between, device=first.weight_ih.device,
                      dtype=first.weight_ih.dtype, **extra)
    for k, level in enumerate(levels):
        for d, rnn in enumerate(level):
            _store_into(out, rnn.cell, f"_l{k}" + ("_reverse" if d else ""))
    return out


def _check_same_kind(first, cell, k: int) -> None:
    _torch_class_for(cell)
    same = (type(cell) is type(first) and cell.hidden_size == first.hidden_size
            and getattr(cell, "activation", None) == getattr(first, "activation", None))
    if not same:
        raise ValueError(f"torch.nn needs one cell type, activation and hidden size in the whole stack; "
                         f"layer {k} has {cell!r}, layer 0 has {first!r}")


@torch.no_grad()
def _store_into(module: nn.Module, cell, suffix: str) -> None:
    """Copy a torchseq cell into torch.nn parameters named like weight_ih{suffix}."""
    w_ih, w_hh, b_ih, b_hh = (getattr(module, name + suffix) for name in TORCH_PARAMETERS)
    w_ih.copy_(cell.weight_ih)
    w_hh.copy_(cell.weight_hh)
    if isinstance(cell, GRUCell):
        b_ih.copy_(cell.bias_ih)
        b_hh.copy_(cell.bias_hh)
    else:
        b_ih.copy_(cell.bias)                                             # b_ih = b
        b_hh.zero_()                                                      # b_hh = 0


# ---- states -------------------------------------------------------------------------------------

def _all_directions(module: RecurrentLayer) -> List[RNN]:
    """Every RNN of a layer in torch.nn's h_n order (layer 0 forward, layer 0 backward, layer 1 ...)."""
    out = []
    for layer in _stack_of(module):
        out += [layer] if isinstance(layer, RNN) else [layer.forward_layer, layer.backward_layer]
    return out


def _flat_states(module: RecurrentLayer, state) -> list:
    if isinstance(module, Stacked):
        return [s for layer, st in zip(module.layers, state) for s in _flat_states(layer, st)]
    return list(state) if isinstance(module, Bidirectional) else [state]


def state_to_torch(module: RecurrentLayer, state):
    """A torchseq layer's state -> torch.nn's h_n (layers*directions, N, H), or (h_n, c_n) for LSTMs."""
    flat = _flat_states(module, state)
    if isinstance(flat[0], torch.Tensor):
        return torch.stack(flat)                                          # (layers*D, N, H)
    return torch.stack([s[0] for s in flat]), torch.stack([s[1] for s in flat])


def state_from_torch(module: RecurrentLayer, hx):
    """torch.nn's h_0 (layers*directions, N, H), or (h_0, c_0), -> the state a torchseq layer takes."""
    rnns = _all_directions(module)
    tensors = hx if isinstance(hx, (tuple, list)) else (hx,)
    for name, t in zip(("hx", "hx's c_0") if len(tensors) > 1 else ("hx",), tensors):
        if not isinstance(t, torch.Tensor) or t.dim() != 3 or t.shape[0] != len(rnns):
            shown = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a tensor (layers*directions, N, H) with {len(rnns)} slices, got {shown}")
    per = [tensors[0][j] if len(tensors) == 1 else tuple(t[j] for t in tensors) for j in range(len(rnns))]
    it = iter(per)

    def nest(layer):
        if isinstance(layer, Stacked):
            return [nest(sub) for sub in layer.layers]
        if isinstance(layer, Bidirectional):
            return next(it), next(it)
        return next(it)

    return nest(module)
