"""Naive forecasts that need no training -- the yardsticks every model in the lectures must beat."""
from __future__ import annotations

from typing import Callable, Union

import torch

METRICS = {"mse": lambda p, y: ((p - y) ** 2).mean(), "mae": lambda p, y: (p - y).abs().mean()}


def _metric(metric: Union[str, Callable]):
    if callable(metric):
        return metric
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))} or a callable; got {metric!r}")
    return METRICS[metric]


def naive_last_value(x: torch.Tensor, y: torch.Tensor, metric: Union[str, Callable] = "mse",
                     column: int = 0) -> float:
    """Predict the last observed value: x (N, L, F) -> predictions x[:, -1, column], scored against y (N,) or
    (N, 1) -- Hands-On ML's naive forecast (validation MSE 0.020211 on the book's series) and Deep Learning
    with Python's ``evaluate_naive_method`` (MAE, column 1)."""
    pred = x[:, -1, column]
    return float(_metric(metric)(pred, y.reshape(pred.shape)))


def naive_repeat(x: torch.Tensor, y: torch.Tensor, metric: Union[str, Callable] = "mse", column: int = 0) -> float:
    """Predict the last observed value for each of the k steps ahead: y (N, k) -- Hands-On ML's 10-step naive
    forecast (validation MSE 0.2570)."""
    pred = x[:, -1:, column].expand(-1, y.shape[-1])                                  # (N, k)
    return float(_metric(metric)(pred, y.reshape(pred.shape)))


def naive_windows(windows, metric: Union[str, Callable] = "mae", column: int = 1, batch_size: int = 4096) -> float:
    """:func:`naive_last_value` over every window of a :class:`~torchseq.data.WindowDataset`, a batch at a time
    (the mean over all windows): Deep Learning with Python's ``evaluate_naive_method`` on the validation rows
    (MAE, temperature column 1)."""
    errors = [(len(y), naive_last_value(x, y, metric, column))
              for x, y in windows.batches(torch.arange(len(windows)), batch_size)]
    return sum(n * e for n, e in errors) / len(windows)
