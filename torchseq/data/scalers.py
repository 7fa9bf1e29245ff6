"""Column scalers fitted on the training segment only (fitting on all the data leaks the future)."""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np
import torch

Array = Union[np.ndarray, torch.Tensor]


class _Scaler:
    """fit(train) learns per-column statistics; transform/inverse_transform apply them to any rows."""

    def _check_fitted(self) -> None:
        if self.center is None:
            raise RuntimeError(f"{type(self).__name__} must be fitted first: call fit(training_rows)")

    def _stats(self, like: Array):
        if isinstance(like, torch.Tensor):
            return (torch.as_tensor(self.center, dtype=like.dtype, device=like.device),
                    torch.as_tensor(self.scale, dtype=like.dtype, device=like.device))
        return self.center.astype(like.dtype, copy=False), self.scale.astype(like.dtype, copy=False)

    def transform(self, x: Array) -> Array:
        self._check_fitted()
        center, scale = self._stats(x)
        return (x - center) / scale

    def inverse_transform(self, x: Array) -> Array:
        self._check_fitted()
        center, scale = self._stats(x)
        return x * scale + center

    def fit_transform(self, train: Array) -> Array:
        return self.fit(train).transform(train)


def _numpy(x: Array) -> np.ndarray:
    arr = x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"fit needs at least one training row, got shape {arr.shape}")
    return arr


class StandardScaler(_Scaler):
    """x' = (x - mean) / std per column, both from the training rows (std with ddof=0, as NumPy's and the
    Deep Learning with Python recipe ``float_data[:200000].std(axis=0)``). A constant column keeps scale 1."""

    def __init__(self):
        self.center: Optional[np.ndarray] = None
        self.scale: Optional[np.ndarray] = None

    def fit(self, train: Array) -> "StandardScaler":
        arr = _numpy(train)
        self.center = arr.mean(axis=0)
        std = arr.std(axis=0)
        self.scale = np.where(std > 0, std, 1.0)
        return self


class MinMaxScaler(_Scaler):
    """x' = lo + (x - min) (hi - lo) / (max - min) per column, min and max from the training rows (the stock
    lecture's scaling into ``feature_range`` = (0, 1)); later rows may fall outside the range."""

    def __init__(self, feature_range: Tuple[float, float] = (0.0, 1.0)):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"feature_range must be (low, high) with low < high, got {feature_range}")
        self.feature_range = (float(lo), float(hi))
        self.center: Optional[np.ndarray] = None
        self.scale: Optional[np.ndarray] = None

    def fit(self, train: Array) -> "MinMaxScaler":
        arr = _numpy(train)
        lo, hi = self.feature_range
        span = arr.max(axis=0) - arr.min(axis=0)
        self.scale = np.where(span > 0, span, 1.0) / (hi - lo)                       # x' = (x - center) / scale
        self.center = arr.min(axis=0) - lo * self.scale
        return self
