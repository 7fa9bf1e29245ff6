"""Monte-Carlo dropout: predictive mean and spread from dropout left on at test time
(Gal & Ghahramani 2016, "Dropout as a Bayesian approximation", arXiv 1506.02142, section 3)."""
from __future__ import annotations

import contextlib
from typing import Optional, Tuple

import torch
from torch import nn

from ._validate import check_seed, check_size
from .layers import RNN, EmbeddingDropout, Stacked, VariationalDropout

# Modules whose train() mode is stochastic: torchseq's regularised layers and torch.nn's dropouts.
STOCHASTIC = (RNN, Stacked, VariationalDropout, EmbeddingDropout, nn.modules.dropout._DropoutNd)


@torch.no_grad()
def mc_dropout_predict(model: nn.Module, x: torch.Tensor, samples: int = 30, seed: Optional[int] = None,
                       **forward_kwargs) -> Tuple[torch.Tensor, torch.Tensor]:
    """Run ``model(x)`` ``samples`` times with its dropout on and return (mean, std) over the runs.

    Every other module stays in eval mode (batch norm uses its running statistics). Each run draws new
    masks, once per forward call as in training, so the variational masks stay shared over time within
    a run. std is the spread of the T sample outputs, sqrt(1/T sum y_t^2 - mean^2) (Gal's estimator
    without the model-precision term tau^-1, which depends on the weight decay and length scale).

    Args:
        model: any module; its torchseq recurrent layers, VariationalDropout, EmbeddingDropout and
            torch.nn dropout modules are switched to training mode for the duration, then restored.
        x: the input. samples: T >= 2 passes.
        seed: if given, the global generators are seeded for the passes and restored afterwards, so
            the call repeats exactly (layers that hold their own generator draw from it as always).
        forward_kwargs: passed to ``model`` (e.g. ``lengths=``).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor (the model's input), got {type(x).__name__}")
    if seed is not None:
        seed = check_seed("seed", seed)
    samples = check_size("samples", samples)
    if samples < 2:
        raise ValueError(f"samples must be at least 2 to estimate a spread, got {samples}")
    flags = {m: m.training for m in model.modules()}
    devices = [x.device] if x.device.type == "cuda" else []
    try:
        model.eval()
        for m in model.modules():
            if isinstance(m, STOCHASTIC):
                m.train()
        rng = torch.random.fork_rng(devices=devices) if seed is not None else contextlib.nullcontext()
        with rng:
            if seed is not None:
                torch.manual_seed(seed)
            outputs = []
            for _ in range(samples):
                y = model(x, **forward_kwargs)
                if not isinstance(y, torch.Tensor):
                    raise TypeError(f"model must return one tensor for MC dropout, got {type(y).__name__}")
                outputs.append(y)
    finally:
        for m, flag in flags.items():
            m.training = flag
    stacked = torch.stack(outputs)                                                   # (T, ...)
    return stacked.mean(0), stacked.std(0, correction=0)
