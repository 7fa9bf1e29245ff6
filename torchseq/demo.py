"""The README's first demo: a hand-written LSTM loads an nn.LSTM's weights and computes the same numbers."""
from __future__ import annotations

import torch
from torch import nn

from .interop import from_torch, state_to_torch
from .layers import LSTM
from .models import SeriesForecaster
from .summary import summary


def _max_differences(dtype: torch.dtype, seed: int) -> dict:
    torch.manual_seed(seed)
    reference = nn.LSTM(1, 32, batch_first=True, dtype=dtype)
    ours = from_torch(reference)
    x = torch.randn(8, 50, 1, dtype=dtype, requires_grad=True)   # (N, L, F)
    y_ref, (h_ref, c_ref) = reference(x)
    y, state = ours(x)
    h, c = state_to_torch(ours, state)
    grad_ref = torch.autograd.grad(y_ref.square().sum() + c_ref.sum(), [x, *reference.parameters()])
    grad = torch.autograd.grad(y.square().sum() + c.sum(), [x, ours.cell.weight_ih, ours.cell.weight_hh, ours.cell.bias])
    pairs = {"outputs": (y, y_ref), "h_n": (h, h_ref), "c_n": (c, c_ref), "d/dx": (grad[0], grad_ref[0]),
             "d/dW_x": (grad[1], grad_ref[1]), "d/dW_h": (grad[2], grad_ref[2]),
             "d/db": (grad[3], grad_ref[3])}                          # d/db = d/db_ih = d/db_hh
    return {name: _scaled_difference(a, b) for name, (a, b) in pairs.items()}


def _scaled_difference(a: torch.Tensor, ref: torch.Tensor) -> float:
    """max |a - ref| / (1 + |ref|): the absolute difference for O(1) values, relative for large ones
    (the criterion of torch.testing.assert_close with atol = rtol)."""
    return ((a - ref).abs() / (1 + ref.abs())).max().item()


def run_demo(seed: int = 0) -> int:
    """Print the comparison and a summary table; return a process exit code (1 if over tolerance)."""
    tolerance = {torch.float64: 1e-10, torch.float32: 1e-5}
    print(f"torchseq.LSTM vs torch.nn.LSTM(1, 32) with copied weights; x: (N, L, F) = (8, 50, 1); torch {torch.__version__}")
    failed = False
    for dtype, tol in tolerance.items():
        diffs = _max_differences(dtype, seed)
        worst = max(diffs.values())
        failed |= worst > tol
        cols = "  ".join(f"{k} {v:.1e}" for k, v in diffs.items())
        print(f"  {str(dtype):<14} max |diff|/(1+|ref|): {cols}  -> {'OK' if worst <= tol else 'FAIL'} (tolerance {tol:g})")
    print()
    print("The seeds' forecasting model, LSTM(32) -> Dense(1) on series of 50 steps of 1 feature:")
    print(summary(SeriesForecaster(LSTM(1, 32)), (50, 1)))
    return 1 if failed else 0
