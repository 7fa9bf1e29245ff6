"""Which code a model's recurrent layers run: the fast kernel or the readable loop of ``cell.step``, and why."""
from __future__ import annotations

from typing import List

from torch import nn

from .fast.dispatch import JOINED_DIRECTION_DEVICES, choose, joins_directions
from .layers.bidirectional import Bidirectional
from .layers.rnn import RNN


class Explanation(str):
    """The text :func:`explain` returns: one line per recurrent layer (its REPL display is the text)."""

    def __repr__(self) -> str:
        return str(self)


def explain(model: nn.Module) -> Explanation:
    """Say, for every recurrent layer in ``model``, which path its next call takes.

    A layer on the fast path names its kernel (the ``torch.autograd.Function`` in :mod:`torchseq.fast`);
    a layer on the readable path says why (subclassed or patched cell, zoneout, per-step masks, a
    recording, :func:`torchseq.use_reference_path`). A Bidirectional layer also says whether its halves
    share one step loop. The answer depends on the training mode, the device and the switches in force
    when it is asked, as the call itself does::

        >>> print(ts.explain(ts.LSTM(1, 32)))
        LSTM: LSTM on the fast path, kernel torchseq.fast.lstm.LSTMFunction
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lines: List[str] = []
    for name, module in model.named_modules():
        label = name or type(module).__name__
        if isinstance(module, Bidirectional):
            halves = (module.forward_layer, module.backward_layer)
            how = ("both halves in one step loop" if joins_directions(halves)
                   else f"one loop per direction (halves share one on {', '.join(sorted(JOINED_DIRECTION_DEVICES))}, "
                        "through a kernel that joins directions, without per-gate recurrent masks)")
            lines.append(f"{label}: Bidirectional, {how}")
        elif isinstance(module, RNN):
            kernel, why = choose(module)
            kind, cell = type(module).__name__, type(module.cell).__name__
            lines.append(f"{label}: {kind} on the fast path, kernel {kernel.name}" if kernel is not None
                         else f"{label}: {kind} on the readable path, {cell}.step: {why}")
    if not lines:
        lines.append(f"{type(model).__name__}: no recurrent layer")
    return Explanation("\n".join(lines))
