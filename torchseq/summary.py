"""Keras-style model summary: one row per layer with its output shape and parameter count."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import torch
from torch import nn

from ._validate import check_size
from .cells.base import RecurrentCell
from .layers.base import RecurrentLayer

# Modules shown as one row even though they have children (a layer wraps its cell).
ATOMIC = (RecurrentLayer, RecurrentCell)


@dataclass(frozen=True)
class Row:
    name: str
    type: str
    output_shape: str
    params: int


@dataclass(frozen=True)
class Summary:
    """The table's rows and totals; ``str()`` (and the REPL) show the Keras-style table."""

    rows: Tuple[Row, ...]
    total_params: int
    trainable_params: int

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        head = ("Layer (type)", "Output Shape", "Param #")
        cells = [(f"{r.name} ({r.type})", r.output_shape, f"{r.params:,}") for r in self.rows]
        w = [max(len(c[k]) for c in [head] + cells) + 4 for k in range(3)]

        def line(c: Tuple[str, str, str]) -> str:
            return f"{c[0]:<{w[0]}}{c[1]:<{w[1]}}{c[2]:>{w[2]}}"

        rule = "=" * sum(w)
        return "\n".join([line(head), rule, *map(line, cells), rule,
                          f"Total params: {self.total_params:,}",
                          f"Trainable params: {self.trainable_params:,}",
                          f"Non-trainable params: {self.non_trainable_params:,}"])

    __repr__ = __str__


def _rows(module: nn.Module, prefix: str = "") -> Iterator[Tuple[str, nn.Module]]:
    """Layers: torchseq layers and cells whole, other modules down to their leaves."""
    for name, child in module.named_children():
        full = f"{prefix}.{name}" if prefix else name
        if isinstance(child, ATOMIC) or not any(True for _ in child.children()):
            yield full, child
        else:
            yield from _rows(child, full)


def _shape_text(output) -> str:
    """(None, d1, d2...) for a tensor, the batch shown as None; lists of those for tuples."""
    if isinstance(output, torch.Tensor):
        dims = ("None",) + tuple(str(d) for d in output.shape[1:])
        return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    if isinstance(output, (tuple, list)):
        return "[" + ", ".join(_shape_text(o) for o in output) + "]"
    return type(output).__name__


def summary(model: nn.Module, input_shape: Sequence[int], dtype: Optional[torch.dtype] = None,
            batch_size: int = 2) -> Summary:
    """Run ``model`` once on zeros of shape ``(batch_size, *input_shape)`` and tabulate its layers.

    Args:
        model: any nn.Module taking one tensor.
        input_shape: the shape of one sample, without the batch, e.g. (L, F) = (50, 1).
        dtype: of the zeros; the model's parameter dtype by default (pass torch.long for an Embedding).
        batch_size: samples in the probe batch (shown as None).

    The probe runs under ``torch.no_grad()`` in eval mode; training flags and stateful layers' kept
    states are restored afterwards, and no random numbers are drawn. Totals count shared parameters
    once. A layer the forward pass never called shows "(not called)".
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(input_shape, int) or not isinstance(input_shape, (tuple, list, torch.Size)):
        raise TypeError(f"input_shape must be a tuple of ints without the batch, e.g. (50, 1); got {input_shape!r}")
    if not input_shape:
        raise ValueError("input_shape must hold the shape of one sample without the batch, e.g. (50, 1); got ()")
    shape = tuple(check_size(f"input_shape[{k}]", d) for k, d in enumerate(input_shape))
    batch_size = check_size("batch_size", batch_size)
    params = list(model.parameters())
    if dtype is None:
        dtype = params[0].dtype if params else torch.get_default_dtype()
    device = params[0].device if params else torch.device("cpu")

    layers: List[Tuple[str, nn.Module]] = list(_rows(model))
    if not layers or isinstance(model, ATOMIC):
        layers = [(type(model).__name__.lower(), model)]
    outputs = {}
    hooks = [m.register_forward_hook(lambda mod, args, out, key=id(m): outputs.__setitem__(key, out))
             for _, m in layers]
    training = {m: m.training for m in model.modules()}
    kept = {m: m._states for m in model.modules() if isinstance(m, RecurrentLayer)}
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((batch_size,) + shape, dtype=dtype, device=device))
    finally:
        for h in hooks:
            h.remove()
        for m, flag in training.items():
            m.training = flag
        for m, states in kept.items():
            m._states = states

    rows = tuple(Row(name, type(m).__name__,
                     _shape_text(outputs[id(m)]) if id(m) in outputs else "(not called)",
                     sum(p.numel() for p in m.parameters()))
                 for name, m in layers)
    return Summary(rows, sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad))
