r"""Capture a module's whole training step -- forward and backward through time -- in CUDA graphs.

On a GPU the fast path's step loop is a handful of small kernels per timestep launched from Python: at the
fastrnns default (T=100, N=64, H=512) about a thousand launches per forward and backward of an LSTM,
each costing the host a few microseconds while the GPU waits for the next. A CUDA graph records the
launches of one call once and replays them as a single unit, so the GPU runs the kernels back to back
(NVIDIA, "CUDA Graphs", CUDA C++ Programming Guide; PyTorch's ``torch.cuda.graphs``).

:func:`cuda_graphed` hands the module to ``torch.cuda.make_graphed_callables``, which warms it up on a
side stream, captures one forward graph and one backward graph (the fast path's hand-written backward
included) and replaces ``module.forward`` by a call that copies the input into the captured buffer and
replays them. What capture fixes, and so what the graphed module requires:

* shapes, dtype, device and ``requires_grad`` of the input: those of ``sample_input``, for every call;
* no host synchronisation in the call: ``lengths`` (checked on the host) and the other keyword
  arguments are not part of the graphed call -- it takes x only;
* the same work every call: no ``stateful`` layer (its kept state is Python state, not replayed), no
  layer with its own ``generator`` (its masks are drawn on the CPU and would be replayed unchanged);
  dropout on the global CUDA generator is redrawn at every replay (PyTorch registers the generator's
  offset with the graph);
* the training mode it was captured in: a call in the other mode (``eval()`` after capturing in
  training) runs the original, eager forward.

The results are those of the eager module, kernel for kernel; tests/fast/test_cuda_graphs.py checks
outputs and every gradient against an eager twin on a GPU.
"""
from __future__ import annotations

import gc
from typing import Optional, Tuple

import torch
from torch import nn


def capture_refusal(module: nn.Module) -> Optional[str]:
    """Why a CUDA graph cannot replay ``module``'s calls faithfully, or None: a stateful layer (its kept state is
    Python state, not replayed) or a layer with its own generator (its masks, drawn on the CPU, would be
    replayed unchanged)."""
    for name, sub in module.named_modules():
        where = name or type(module).__name__
        if getattr(sub, "stateful", False):
            return f"{where} is stateful: its kept state would not follow the graph's replays"
        if getattr(sub, "generator", None) is not None:
            return (f"{where} draws its masks from its own generator, which a CUDA graph replays unchanged; use "
                    "the global generator (generator=None) to capture it")
    return None


def capture(module: nn.Module, sample_args: Tuple[torch.Tensor, ...], warmup: int = 3) -> nn.Module:
    """``torch.cuda.make_graphed_callables(module, sample_args)`` with Python's garbage collector paused for the
    capture; no checks (see :func:`cuda_graphed`)."""
    # No garbage collection while capturing. Once in the test suite on an H100 a capture was invalidated by a
    # call a capturing stream forbids ("operation not permitted when stream is capturing"); the suspected cause
    # is a collection during capture freeing an earlier test's CUDA tensors (kept alive by a reference cycle).
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return torch.cuda.make_graphed_callables(module, sample_args, num_warmup_iters=warmup)
    finally:
        if was_enabled:
            gc.enable()


def cuda_graphed(module: nn.Module, sample_input: torch.Tensor, warmup: int = 3) -> nn.Module:
    """Capture ``module``'s forward and backward for inputs shaped like ``sample_input`` (N, L, F) on a CUDA
    device; returns the module itself, its ``forward`` replaced by the graph replay (see the module docstring
    for what the captured call requires). ``warmup`` eager iterations run first, on a side stream."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(sample_input, torch.Tensor):
        raise TypeError(f"sample_input must be a torch.Tensor, got {type(sample_input).__name__}")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 1:
        raise ValueError(f"warmup must be a positive int, got {warmup!r}")
    refusal = capture_refusal(module)
    if refusal is not None:
        raise ValueError(refusal)
    if sample_input.device.type != "cuda":
        raise ValueError(f"CUDA graphs need a CUDA device: sample_input is on {sample_input.device}")
    for name, p in module.named_parameters():
        if p.device != sample_input.device:
            raise ValueError(f"parameter {name} is on {p.device} but sample_input is on {sample_input.device}")
    return capture(module, (sample_input,), warmup)
