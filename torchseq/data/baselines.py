"""Naive forecasts that need no training -- the yardsticks every model in the lectures must beat."""
from __future__ import annotations

from typing import Callable, Union

import torch

from .._validate import check_count

METRICS = {"mse": lambda p, y: ((p - y) ** 2).mean(), "mae": lambda p, y: (p - y).abs().mean()}


def _metric(metric: Union[str, Callable]):
    if callable(metric):
        return metric
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))} or a callable; got {metric!r}")
    return METRICS[metric]


def _inputs(x, y, column) -> int:
    """Check x (N, L, F), y with N values (N,) or (N, k), and a column of x; returns the column."""
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or 0 in x.shape or not x.is_floating_point():
        shown = f"{x.dtype} {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a floating-point tensor (N, L, F) with N, L, F >= 1, got {shown}")
    if not isinstance(y, torch.Tensor) or y.dim() not in (1, 2) or y.shape[0] != x.shape[0]:
        shown = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"y must be a tensor (N,) or (N, k) with N = {x.shape[0]} targets, got {shown}")
    column = check_count("column", column)
    if column >= x.shape[2]:
        raise ValueError(f"column must be in [0, {x.shape[2]}) -- x has {x.shape[2]} features; got {column}")
    return column


def naive_last_value(x: torch.Tensor, y: torch.Tensor, metric: Union[str, Callable] = "mse",
                     column: int = 0) -> float:
    """Predict the last observed value: x (N, L, F) -> predictions x[:, -1, column], scored against y (N,) or
    (N, 1) -- Hands-On ML's naive forecast (validation MSE 0.020211 on the book's series) and Deep Learning
    with Python's ``evaluate_naive_method`` (MAE, column 1)."""
    column = _inputs(x, y, column)
    if y.numel() != y.shape[0]:
        raise ValueError(f"y must hold one target per sample, (N,) or (N, 1), got {tuple(y.shape)}")
    pred = x[:, -1, column]
    return float(_metric(metric)(pred, y.reshape(pred.shape)))


def naive_repeat(x: torch.Tensor, y: torch.Tensor, metric: Union[str, Callable] = "mse", column: int = 0) -> float:
    """Predict the last observed value for each of the k steps ahead: y (N, k) -- Hands-On ML's 10-step naive
    forecast (validation MSE 0.2570)."""
    column = _inputs(x, y, column)
    if y.dim() != 2:
        raise ValueError(f"y must be (N, k), the k steps ahead of each sample, got {tuple(y.shape)}")
    pred = x[:, -1:, column].expand(-1, y.shape[-1])                                  # (N, k)
    return float(_metric(metric)(pred, y.reshape(pred.shape)))


def naive_windows(windows, metric: Union[str, Callable] = "mae", column: int = 1, batch_size: int = 4096) -> float:
    """:func:`naive_last_value` over every window of a :class:`~torchseq.data.WindowDataset`, a batch at a time
    (the mean over all windows): Deep Learning with Python's ``evaluate_naive_method`` on the validation rows
    (MAE, temperature column 1)."""
    errors = [(len(y), naive_last_value(x, y, metric, column))
              for x, y in windows.batches(torch.arange(len(windows)), batch_size)]
    return sum(n * e for n, e in errors) / len(windows)
