"""Column scalers fitted on the training segment only (fitting on all the data leaks the future).

``fit`` takes the training rows (a NumPy array, a tensor, a pandas DataFrame or Series, rows first) and refuses
NaN or infinite values, which would turn a whole column's statistics -- and every row scaled with them -- into
NaN. ``transform`` and ``inverse_transform`` return the type they are given (a DataFrame keeps its index and
columns).
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np
import pandas as pd
import torch

from .._validate import check_real
from .arrays import as_numbers, check_finite

Array = Union[np.ndarray, torch.Tensor, pd.DataFrame, pd.Series]


class _Scaler:
    """fit(train) learns per-column statistics; transform/inverse_transform apply them to any rows."""

    def _check_fitted(self) -> None:
        if self.center is None:
            raise RuntimeError(f"{type(self).__name__} must be fitted first: call fit(training_rows)")

    def _apply(self, x: Array, forward: bool, name: str) -> Array:
        self._check_fitted()
        if isinstance(x, (pd.DataFrame, pd.Series)):
            values = self._apply(as_numbers(name, x).numpy().astype(np.float64), forward, name)
            if isinstance(x, pd.Series):
                return pd.Series(values, index=x.index, name=x.name)
            return pd.DataFrame(values, index=x.index, columns=x.columns)
        arr = as_numbers(name, x, dims=range(1, 64))
        fitted = self.center.shape[0] if self.center.ndim else 1                    # columns seen by fit
        if fitted != 1 and (arr.dim() < 2 or arr.shape[-1] != fitted):
            raise ValueError(f"{name} has shape {tuple(arr.shape)}, but the scaler was fitted on {fitted} columns: "
                             f"give rows with {fitted} columns in the last dimension")
        if not arr.is_floating_point():
            arr = arr.double()
            x = arr if isinstance(x, torch.Tensor) else arr.numpy()
        if isinstance(x, torch.Tensor):
            center = torch.as_tensor(self.center, dtype=x.dtype, device=x.device)
            scale = torch.as_tensor(self.scale, dtype=x.dtype, device=x.device)
        else:
            center, scale = self.center.astype(x.dtype, copy=False), self.scale.astype(x.dtype, copy=False)
        return (x - center) / scale if forward else x * scale + center

    def transform(self, x: Array) -> Array:
        return self._apply(x, True, "x")

    def inverse_transform(self, x: Array) -> Array:
        return self._apply(x, False, "x")

    def fit_transform(self, train: Array) -> Array:
        return self.fit(train).transform(train)


def _training_rows(train: Array) -> np.ndarray:
    arr = check_finite("train", as_numbers("train", train, dims=range(1, 64)))
    if arr.dim() == 0 or arr.shape[0] == 0:
        raise ValueError(f"fit needs at least one training row, got shape {tuple(arr.shape)}")
    return arr.detach().cpu().double().numpy()


class StandardScaler(_Scaler):
    """x' = (x - mean) / std per column, both from the training rows (std with ddof=0, as NumPy's and the
    Deep Learning with Python recipe ``float_data[:200000].std(axis=0)``). A constant column keeps scale 1."""

    def __init__(self):
        self.center: Optional[np.ndarray] = None
        self.scale: Optional[np.ndarray] = None

    def fit(self, train: Array) -> "StandardScaler":
        arr = _training_rows(train)
        self.center = arr.mean(axis=0)
        std = arr.std(axis=0)
        self.scale = np.where(std > 0, std, 1.0)
        return self


class MinMaxScaler(_Scaler):
    """x' = lo + (x - min) (hi - lo) / (max - min) per column, min and max from the training rows (the stock
    lecture's scaling into ``feature_range`` = (0, 1)); later rows may fall outside the range."""

    def __init__(self, feature_range: Tuple[float, float] = (0.0, 1.0)):
        if not isinstance(feature_range, (tuple, list)) or len(feature_range) != 2:
            raise TypeError(f"feature_range must be a pair (low, high), got {feature_range!r}")
        lo, hi = (check_real("feature_range", v) for v in feature_range)
        if not lo < hi:
            raise ValueError(f"feature_range must be (low, high) with low < high, got {tuple(feature_range)}")
        self.feature_range = (lo, hi)
        self.center: Optional[np.ndarray] = None
        self.scale: Optional[np.ndarray] = None

    def fit(self, train: Array) -> "MinMaxScaler":
        arr = _training_rows(train)
        lo, hi = self.feature_range
        span = arr.max(axis=0) - arr.min(axis=0)
        self.scale = np.where(span > 0, span, 1.0) / (hi - lo)                       # x' = (x - center) / scale
        self.center = arr.min(axis=0) - lo * self.scale
        return self
