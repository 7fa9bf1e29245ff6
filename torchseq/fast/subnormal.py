"""Subnormal floats in the backward pass on CPU.

Through a long sequence the gradient dL/dh_t shrinks step by step where it vanishes, and below the
dtype's smallest normal number (1.2e-38 in float32) it becomes subnormal. x86 CPUs compute with subnormal
operands tens of times slower (the measurements: docs/performance.md, "Denormals").

So the fast path's backward runs with the CPU's flush-to-zero mode on (``torch.set_flush_denormal``:
subnormal results and operands read as 0, as CUDA GPUs do by default for float32 under fast math),
and restores the mode it found. A gradient differs from the readable path's only where the readable path
holds a subnormal number (``|g| < torch.finfo(dtype).tiny``); everything else is bit-for-bit the same
arithmetic.
"""
from __future__ import annotations

import functools

import torch


def flushing() -> bool:
    """Whether the CPU flush-to-zero mode is on now (torch has no getter: a subnormal float64 reads as 0)."""
    return torch.tensor(1e-323, dtype=torch.float64).item() == 0.0


def flush_subnormals(backward):
    """Decorate an ``autograd.Function.backward``: run it with flush-to-zero on, then restore the mode."""
    @functools.wraps(backward)
    def wrapped(ctx, *grads):
        if flushing() or not torch.set_flush_denormal(True):                           # already on, or unsupported
            return backward(ctx, *grads)
        try:
            return backward(ctx, *grads)
        finally:
            torch.set_flush_denormal(False)
    return wrapped
