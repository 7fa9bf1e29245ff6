"""Keras weights into torchseq: the arrays ``layer.get_weights()`` / ``model.get_weights()`` return.

Keras stores kernels transposed relative to torch.nn -- kernel (F, G*H), recurrent_kernel (H, G*H) --
so weight_ih = kernel.T and weight_hh = recurrent_kernel.T. Gate blocks: SimpleRNN one; LSTM
(i, f, c, o), the same order as torchseq's (i, f, g, o); GRU (z, r, h), reordered here to (r, z, n).
A reset-after GRU's bias is (2, 3H): row 0 the input bias, row 1 the recurrent bias. A Conv1D kernel
is (K, C/groups, O) where torchseq's weight is (O, C/groups, K); a Dense kernel is (in, out) where
nn.Linear's weight is (out, in); Embedding matrices are the same.
"""
from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..cells import GRUCell, LayerNormLSTMCell, LSTMCell, PeepholeLSTMCell, RecurrentCell, SimpleRNNCell
from ..layers import RNN, Bidirectional, Conv1D

Spec = List[Tuple[str, tuple, Callable[[np.ndarray], None]]]


def load_keras_weights(module: nn.Module, weights: Sequence) -> nn.Module:
    """Copy Keras weights into a torchseq cell or layer, in place; returns the module.

    ``weights`` is the list Keras' ``get_weights()`` returns (NumPy arrays or tensors): for a cell or an
    RNN layer, that layer's list; for a :class:`~torchseq.Bidirectional`, the forward layer's arrays
    then the backward layer's (Keras' order); for a :class:`~torchseq.Stacked`, each layer's in turn
    (what a Keras Sequential of those layers returns). Any other module (an ``nn.Sequential``, a model)
    is walked in the order its children were registered -- build it in the Keras model's layer order --
    taking :class:`~torchseq.Conv1D` ``[kernel, bias]``, ``nn.Linear`` (Dense) ``[kernel, bias]`` and
    ``nn.Embedding`` ``[embeddings]``; modules without parameters (pools, activations) take nothing.

    Per cell: SimpleRNN ``[kernel, recurrent_kernel, bias]`` (the book's LNSimpleRNNCell adds the
    LayerNormalization's ``[gamma, beta]``); LSTM the same three; peephole LSTM adds the input, forget
    and output peephole vectors (tf.keras.experimental.PeepholeLSTMCell's order); GRU the same three,
    with a (2, 3H) bias when ``reset_after=True``.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torchseq cell or layer, or a model of them, got {type(module).__name__}")
    cells = _weighted_in_keras_order(module)
    specs = [_spec(cell) for cell in cells]
    expected = sum(len(s) for s in specs)
    arrays = list(weights) if isinstance(weights, (list, tuple)) else None
    if arrays is None:
        raise TypeError(f"weights must be the list Keras get_weights() returns, got {type(weights).__name__}")
    if len(arrays) != expected:
        layout = " + ".join(f"{len(s)} for {type(c).__name__}" for c, s in zip(cells, specs) if s)
        raise ValueError(f"weights must hold {expected} arrays ({layout}), got {len(arrays)}")
    arrays = [_as_numpy(a, k) for k, a in enumerate(arrays)]
    k = 0
    for cell, spec in zip(cells, specs):
        for name, shape, _ in spec:
            if arrays[k].shape != shape:
                raise ValueError(f"weights[{k}] ({name} of {_describe(cell)}) must have shape {shape}, "
                                 f"got {arrays[k].shape}")
            k += 1
    k = 0
    with torch.no_grad():
        for spec in specs:
            for _, _, setter in spec:
                setter(arrays[k])
                k += 1
    return module


def _as_numpy(a, k: int) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    if isinstance(a, np.ndarray):
        return a
    raise TypeError(f"weights[{k}] must be a NumPy array or a tensor, got {type(a).__name__}")


WEIGHTED = (RecurrentCell, Conv1D, nn.Linear, nn.Embedding)


def _weighted_in_keras_order(module: nn.Module) -> List[nn.Module]:
    """The modules that own Keras weights, in get_weights() order."""
    if isinstance(module, WEIGHTED):
        return [module]
    if isinstance(module, RNN):
        return [module.cell]
    if isinstance(module, Bidirectional):
        return [module.forward_layer.cell, module.backward_layer.cell]
    children = list(module.children())
    if not children and any(True for _ in module.parameters(recurse=False)):
        raise TypeError(f"load_keras_weights does not know how Keras stores the weights of {type(module).__name__}")
    return [m for child in children for m in _weighted_in_keras_order(child)]


def _describe(module: nn.Module) -> str:
    if isinstance(module, RecurrentCell):
        return f"{type(module).__name__}({module.input_size}, {module.hidden_size})"
    return f"{type(module).__name__}({module.extra_repr()})"


def _copy(param: torch.Tensor) -> Callable[[np.ndarray], None]:
    return lambda a: param.copy_(torch.as_tensor(np.ascontiguousarray(a), dtype=param.dtype, device=param.device))


def _zrh_to_rzn(a: np.ndarray) -> np.ndarray:
    """Keras GRU blocks (z, r, h) along the last axis -> torchseq's (r, z, n)."""
    z, r, h = np.split(a, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def _spec(cell: nn.Module) -> Spec:
    """(Keras name, Keras shape, setter) for each array of this module, in get_weights() order."""
    if isinstance(cell, Conv1D):
        spec = [("kernel", (cell.kernel_size, cell.in_channels // cell.groups, cell.filters),
                 lambda a: _copy(cell.weight)(np.transpose(a, (2, 1, 0))))]          # (K, C/g, O) -> (O, C/g, K)
        return spec + ([("bias", (cell.filters,), _copy(cell.bias))] if cell.bias is not None else [])
    if isinstance(cell, nn.Linear):
        spec = [("kernel", (cell.in_features, cell.out_features), lambda a: _copy(cell.weight)(a.T))]
        return spec + ([("bias", (cell.out_features,), _copy(cell.bias))] if cell.bias is not None else [])
    if isinstance(cell, nn.Embedding):
        return [("embeddings", (cell.num_embeddings, cell.embedding_dim), _copy(cell.weight))]
    F, H = cell.input_size, cell.hidden_size
    if type(cell) is SimpleRNNCell:
        spec = _kernels(cell, F, H, 1, lambda a: a)
        spec.append(("bias", (H,), _copy(cell.bias)))
        if cell.layer_norm:
            spec += [("gamma", (H,), _copy(cell.ln_weight)), ("beta", (H,), _copy(cell.ln_bias))]
        return spec
    if type(cell) in (LSTMCell, PeepholeLSTMCell):
        spec = _kernels(cell, F, H, 4, lambda a: a)
        spec.append(("bias", (4 * H,), _copy(cell.bias)))
        if type(cell) is PeepholeLSTMCell:
            spec += [("input_gate_peephole_weights", (H,), _copy(cell.weight_ci)),
                     ("forget_gate_peephole_weights", (H,), _copy(cell.weight_cf)),
                     ("output_gate_peephole_weights", (H,), _copy(cell.weight_co))]
        return spec
    if type(cell) is GRUCell:
        spec = _kernels(cell, F, H, 3, _zrh_to_rzn)
        if cell.reset_after:
            def set_biases(a: np.ndarray) -> None:
                _copy(cell.bias_ih)(_zrh_to_rzn(a[0]))
                _copy(cell.bias_hh)(_zrh_to_rzn(a[1]))
            spec.append(("bias", (2, 3 * H), set_biases))
        else:
            spec.append(("bias", (3 * H,), lambda a: _copy(cell.bias)(_zrh_to_rzn(a))))
        return spec
    if type(cell) is LayerNormLSTMCell:
        raise TypeError("LayerNormLSTMCell has no Keras counterpart with the same parameters")
    raise TypeError(f"load_keras_weights does not know the cell type {type(cell).__name__}")


def _kernels(cell: RecurrentCell, F: int, H: int, G: int, reorder) -> Spec:
    return [("kernel", (F, G * H), lambda a: _copy(cell.weight_ih)(reorder(a).T)),              # (G*H, F)
            ("recurrent_kernel", (H, G * H), lambda a: _copy(cell.weight_hh)(reorder(a).T))]    # (G*H, H)
