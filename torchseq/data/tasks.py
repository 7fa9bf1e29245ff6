"""Synthetic long-memory tasks of the LSTM literature, generated from a seed.

- :func:`adding_problem`: Hochreiter & Schmidhuber 1997 (experiment 4), in the form of Le, Jaitly & Hinton 2015:
  each step carries a value u ~ U[0, 1) and a marker; exactly two steps are marked, one in each half of the
  sequence, and the target is the sum of their values. Predicting the mean, 1, scores MSE 1/6.
- :func:`recall_task`: a copy task reduced to its memory (Hochreiter & Schmidhuber 1997; Arjovsky, Shah & Bengio
  2016): ``symbols`` one-hot symbols of ``classes`` kinds, then ``delay`` blank steps and a recall marker; the
  targets are the symbols, read out at the last step. Chance accuracy is 1 / classes.
"""
from __future__ import annotations

from typing import Tuple

import torch

from .._validate import check_count, check_seed, check_size


def adding_problem(n: int, length: int, seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """x (n, length, 2): [value, marker]; y (n, 1): the sum of the two marked values. float32."""
    n, length, seed = check_size("n", n), check_size("length", length), check_seed("seed", seed)
    if length < 2:
        raise ValueError(f"length must be at least 2 (one marked step in each half), got {length}")
    g = torch.Generator().manual_seed(seed)
    values = torch.rand(n, length, generator=g)                                       # (n, L)
    half = length // 2
    first = torch.randint(0, half, (n,), generator=g)                                 # one marker in [0, L/2)
    second = torch.randint(half, length, (n,), generator=g)                           # one in [L/2, L)
    markers = torch.zeros(n, length)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack((values, markers), dim=2)                                         # (n, L, 2)
    y = (values[rows, first] + values[rows, second]).unsqueeze(1)                     # (n, 1)
    return x, y


def recall_task(n: int, symbols: int = 3, classes: int = 8, delay: int = 20,
                seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """x (n, symbols + delay + 1, classes + 2): one-hot symbols, blanks (channel ``classes``), then the recall
    marker (channel ``classes + 1``); y (n, symbols) int64, the symbols in order."""
    n, symbols, seed = check_size("n", n), check_size("symbols", symbols), check_seed("seed", seed)
    classes, delay = check_size("classes", classes), check_count("delay", delay)
    if classes < 2:
        raise ValueError(f"classes must be at least 2, got {classes}")
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n, symbols), generator=g)                          # (n, S)
    L = symbols + delay + 1
    x = torch.zeros(n, L, classes + 2)
    x[:, :symbols] = torch.nn.functional.one_hot(y, classes + 2).float()             # (n, S, C + 2)
    x[:, symbols:L - 1, classes] = 1.0                                                # blanks
    x[:, L - 1, classes + 1] = 1.0                                                    # "now recall"
    return x, y
