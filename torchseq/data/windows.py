"""Sliding windows over a time series, as the lectures cut them -- vectorised: strided views, no Python
loop per sample.

Deep Learning with Python's ``generator(data, lookback, delay, min_index, max_index, shuffle, batch_size,
step)`` yields, for each chosen row r,

    sample = data[r - lookback : r : step]            (ceil(lookback / step) steps, all columns)
    target = data[r + delay, target_column]

with r in [min_index + lookback, max_index) (max_index defaults to len(data) - delay - 1). Chronologically
it walks r = min_index + lookback, + batch_size, ... and restarts as soon as ``r + batch_size >= max_index``,
so the last rows before max_index are never used; shuffled, it draws each batch's rows with replacement
(``np.random.randint``). :class:`WindowDataset` gives every valid row once (a map-style Dataset for a
DataLoader); :func:`window_batches` reproduces the generator itself, quirks included.
"""
from __future__ import annotations

import math
from typing import Iterator, Optional, Tuple, Union

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from .._validate import check_count, check_size
from .arrays import as_numbers, check_finite

Array = Union[np.ndarray, torch.Tensor, pd.DataFrame, pd.Series]


def _as_tensor(data: Array, name: str = "data", dims=(2,)) -> torch.Tensor:
    """A real tensor of ``dims`` dimensions with finite values; integers become float32 (a copy)."""
    data = check_finite(name, as_numbers(name, data, dims))
    return data if data.is_floating_point() else data.to(torch.float32)


def window_view(data: torch.Tensor, lookback: int, step: int) -> torch.Tensor:
    """All windows at once, a strided view (no copy): view[i] = data[i : i + lookback : step], shaped
    (len(data) - lookback + 1, ceil(lookback / step), columns). The window ending before row r is view[r - lookback]."""
    steps = math.ceil(lookback / step)
    T, F = data.shape
    s_t, s_f = data.stride()
    return data.as_strided((T - lookback + 1, steps, F), (s_t, step * s_t, s_f), data.storage_offset())


def phase_windows(data: torch.Tensor, lookback: int, step: int) -> torch.Tensor:
    """Every window as one contiguous run of memory, for fast gathers of random windows.

    The rows of a window are congruent modulo ``step``, so the series is re-laid out by phase,
    ``phased[p, j] = data[p + j * step]`` (a copy the size of ``data``); the window starting at s is then the
    contiguous block ``phased[s % step, s // step : s // step + L]``. Returns a (step * T_p - L + 1, L * F)
    overlapping view of that copy whose row ``(s % step) * T_p + s // step`` is the window starting at s
    (rows that straddle two phases are never asked for). T_p = ceil(T / step), L = ceil(lookback / step).
    """
    steps = math.ceil(lookback / step)
    T, F = data.shape
    per_phase = math.ceil(T / step)
    phased = data.new_zeros(step, per_phase, F)                                   # (step, T_p, F)
    for p in range(step):
        column = data[p::step]                                                   # (len_p, F)
        phased[p, :len(column)] = column
    return phased.view(-1).as_strided((step * per_phase - steps + 1, steps * F), (F, 1))


class WindowDataset(Dataset):
    """Map-style dataset of (sample (L, F), target) for every row r in [min_index + lookback, max_index).

    Args:
        data: (T, F) array, tensor or DataFrame of finite numbers (a float tensor is used in place and a float
            NumPy array wrapped without copying; a DataFrame's values and integer data are copied to floats).
        lookback, delay, step, target_column: as the lecture's generator (target column 1 = temperature
            in Jena).
        min_index, max_index: the segment's bounds (max_index exclusive for r; default len(data) - delay - 1).

    Item i is row r = min_index + lookback + i. ``batch(rows)`` gathers many rows at once.
    """

    def __init__(self, data: Array, lookback: int, delay: int, min_index: int = 0, max_index: Optional[int] = None,
                 step: int = 1, target_column: int = 1):
        self.data = _as_tensor(data)
        self.lookback, self.step = check_size("lookback", lookback), check_size("step", step)
        self.delay = delay = check_count("delay", delay)
        min_index, target_column = check_count("min_index", min_index), check_count("target_column", target_column)
        T, F = self.data.shape
        self.max_index = T - delay - 1 if max_index is None else check_count("max_index", max_index)
        self.min_index = min_index
        if not target_column < F:
            raise ValueError(f"target_column must be in [0, {F}), got {target_column}")
        self.target_column = target_column
        if not (0 <= min_index and min_index + lookback < self.max_index and self.max_index + delay <= T):
            raise ValueError(f"need 0 <= min_index, min_index + lookback < max_index and max_index + delay <= "
                             f"len(data) = {T}; got min_index={min_index}, lookback={lookback}, "
                             f"max_index={self.max_index}, delay={delay}")
        self.windows = window_view(self.data, lookback, step)                        # (T', L, F), a view
        self.first_row = min_index + lookback
        self._flat_windows = None                                                    # built on the first gather

    def __len__(self) -> int:
        return self.max_index - self.first_row

    def batch(self, rows: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Samples (B, L, F) and targets (B,) for the given rows r (int tensor): one gather of B contiguous
        blocks (see :func:`phase_windows`) and one of B targets."""
        if self._flat_windows is None:
            self._flat_windows = phase_windows(self.data, self.lookback, self.step)   # (W, L*F)
        start = rows - self.lookback                                                 # (B,) first series row
        per_phase = math.ceil(len(self.data) / self.step)
        flat = self._flat_windows.index_select(0, (start % self.step) * per_phase + start // self.step)
        samples = flat.view(len(rows), self.windows.shape[1], -1)                    # (B, L*F) -> (B, L, F)
        return samples, self.data[rows + self.delay, self.target_column]

    def span(self, start: int, stop: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """The batch of consecutive rows start .. stop-1 as views of the series (no copy at all)."""
        return (self.windows[start - self.lookback:stop - self.lookback],
                self.data[start + self.delay:stop + self.delay, self.target_column])

    def batches(self, indices: torch.Tensor, batch_size: int):
        """Batches of the items ``indices`` (item i = row first_row + i), batch_size at a time, each one
        gather -- what the training loop uses instead of a per-sample DataLoader."""
        for chunk in indices.split(batch_size):
            yield self.batch(chunk + self.first_row)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, torch.Tensor]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} windows")
        r = self.first_row + (i % len(self))
        return self.windows[r - self.lookback], self.data[r + self.delay, self.target_column]


def window_batches(data: Array, lookback: int, delay: int, min_index: int = 0, max_index: Optional[int] = None,
                   shuffle: bool = False, batch_size: int = 128, step: int = 6, target_column: int = 1,
                   rng: Optional[np.random.RandomState] = None) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
    """The lecture's generator, vectorised: an endless stream of (samples (B, L, F), targets (B,)) with
    exactly its rows -- chronological with its restart rule, or shuffled with replacement drawn by
    ``rng.randint`` (NumPy's global generator by default, as the lecture). Use with ``steps_per_epoch``."""
    dataset = WindowDataset(data, lookback, delay, min_index, max_index, step, target_column)
    batch_size = check_size("batch_size", batch_size)
    rng = np.random if rng is None else rng
    low, high = dataset.first_row, dataset.max_index
    i = low
    while True:
        if shuffle:
            rows = rng.randint(low, high, size=batch_size)
        else:
            if i + batch_size >= high:
                i = low
            stop = min(i + batch_size, high)
            yield dataset.span(i, stop)                                              # consecutive: views
            i = stop
            continue
        yield dataset.batch(torch.from_numpy(rows))


def make_sequences(series: Array, look_back: int, foresight: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """The stock lecture's windows: X[i] = series[i : i + look_back], y[i] = series[i + look_back + foresight],
    for i in range(len(series) - look_back - foresight) -- 648 points, 7, 6 give 635 windows.

    series (T,) or (T, F) -- an array, tensor, Series or DataFrame of finite numbers -> X (n, look_back, F)
    (a strided view) and y (n,) or (n, F).
    """
    s = _as_tensor(series, "series", dims=(1, 2))
    look_back = check_size("look_back", look_back)
    foresight = check_count("foresight", foresight)
    two_d = s if s.dim() == 2 else s.unsqueeze(1)                                    # (T, F)
    n = two_d.shape[0] - look_back - foresight
    if n <= 0:
        raise ValueError(f"series of {two_d.shape[0]} points is too short for look_back={look_back} and "
                         f"foresight={foresight}")
    X = window_view(two_d, look_back, 1)[:n]                                         # (n, look_back, F)
    y = two_d[look_back + foresight:look_back + foresight + n]                       # (n, F)
    return X, (y if s.dim() == 2 else y[:, 0])
