"""The Trainer's CUDA graphs: the model's training forward and backward captured once per input shape and
replayed, so that the host launches no kernel of a captured step (:mod:`torchseq.fast.graphs` says what a
CUDA graph is and fixes).

``Trainer(cuda_graphs="auto")`` (the default) turns them on for a CUDA device unless :func:`refusal` names a
reason; ``True`` insists (a reason is an error); ``False`` never captures. With them on:

* a batch shape is captured the second time in a row it comes (:data:`REPEATS`), so the full batches of an
  epoch are captured after one eager batch, and a shape that comes once -- the last partial batch, a one-off
  length -- runs eagerly instead of paying for a capture; at most :data:`LIMIT` shapes are kept (each graph
  holds its own memory), later new shapes run eagerly;
* dropout masks are drawn afresh at each replay (PyTorch advances the CUDA generator's offset for every
  replay of a graph that draws random numbers);
* the loss, the optimiser's step, gradient clipping and the metrics run eagerly after the replay, as do
  validation and prediction (no backward to save there);
* the capture runs three warm-up forward and backward passes on a side stream first (no gradient reaches the
  parameters from them).

:func:`refusal` lists what turns "auto" off, each with its reason. If a capture fails under "auto" (an
operation in the model that a capturing stream forbids, such as a host synchronisation), the trainer warns once
and runs that model eagerly from then on.
"""
from __future__ import annotations

import warnings
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import nn

from ..fast.graphs import capture, capture_refusal

REPEATS = 2                              # a shape is captured the REPEATS-th time in a row it comes
LIMIT = 3                                # graphs kept at once


def refusal(model: nn.Module, device: torch.device, amp, world_size: int) -> Optional[str]:
    """Why the trainer cannot replay this model's training step from CUDA graphs, or None."""
    if device.type != "cuda":
        return f"CUDA graphs need a CUDA device, the trainer's is {device}"
    if world_size > 1:
        return ("DistributedDataParallel communicates from hooks during the backward, which the trainer does not "
                "capture")
    if amp is not None:
        return "autocast caches its casts of the weights across a call, which a replay would read stale"
    for name, sub in model.named_modules():
        if isinstance(sub, nn.modules.batchnorm._BatchNorm):
            return f"the capture's warm-up passes would move {name or 'the model'}'s running statistics"
    return capture_refusal(model)


class _Forward(nn.Module):
    """The model's call as a module of its own, so that capturing it leaves the model's ``forward`` as it is."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *x):
        return self.model(*x)


def _key(x: Tuple) -> Optional[tuple]:
    """What a graph fixes about the inputs -- shape, dtype, device of each -- or None for inputs it cannot take
    (anything but tensors, or a tensor that requires a gradient)."""
    if not all(isinstance(t, torch.Tensor) and not t.requires_grad for t in x):
        return None
    return tuple((tuple(t.shape), t.dtype, t.device) for t in x)


class ShapeGraphs:
    """Calls of ``model`` in training, replayed from one CUDA graph per input shape (see the module docstring).

    ``capture(module, sample_args)`` makes the graphed callable (:func:`torchseq.fast.graphs.capture` by
    default; tests give a stand-in). ``strict``: a failed capture raises instead of falling back to eager.
    ``replays`` and ``eager_calls`` count the calls each way; ``captured`` lists the shapes captured;
    ``failure`` is the reason captures stopped, if one failed.
    """

    def __init__(self, model: nn.Module, capture: Callable = capture, strict: bool = False):
        self.model = model
        self.capture = capture
        self.strict = strict
        self.graphs: Dict[tuple, Callable] = {}
        self.last_key: Optional[tuple] = None
        self.in_a_row = 0
        self.replays = 0
        self.eager_calls = 0
        self.failure: Optional[str] = None

    @property
    def captured(self):
        return [tuple(shape for shape, _, _ in key) for key in self.graphs]

    def __call__(self, *x):
        key = _key(x)
        self.in_a_row = self.in_a_row + 1 if key is not None and key == self.last_key else 1
        self.last_key = key
        graphed = None if key is None else self.graphs.get(key)
        if (graphed is None and key is not None and self.in_a_row >= REPEATS and len(self.graphs) < LIMIT
                and self.failure is None):
            graphed = self._capture(key, x)
        if graphed is None:
            self.eager_calls += 1
            return self.model(*x)
        self.replays += 1
        return graphed(*x)

    def _capture(self, key: tuple, x: Tuple) -> Optional[Callable]:
        try:
            graphed = self.graphs[key] = self.capture(_Forward(self.model), x)
            return graphed
        except Exception as error:                                                     # noqa: BLE001 -- any capture failure
            if self.strict:
                raise
            self.failure = f"{type(error).__name__}: {error}"
            warnings.warn(f"CUDA graph capture failed ({self.failure}); the trainer runs this model eagerly from "
                          "now on (Trainer(cuda_graphs=False) skips the attempt)", RuntimeWarning, stacklevel=3)
            return None
