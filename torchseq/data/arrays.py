"""Numbers in, as one tensor: NumPy arrays, torch tensors and pandas DataFrames/Series are accepted alike, and
values that would spread NaN through a scaler or a loss are refused naming their row and column."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import torch


def as_numbers(name: str, data, dims: Sequence[int] = (1, 2)) -> torch.Tensor:
    """``data`` as a real-valued tensor with one of ``dims`` dimensions (a NumPy array or tensor is not
    copied; a DataFrame or Series is converted from its values)."""
    if isinstance(data, (pd.DataFrame, pd.Series)):
        numeric = data.select_dtypes("number") if isinstance(data, pd.DataFrame) else data
        if isinstance(data, pd.DataFrame) and numeric.shape[1] != data.shape[1]:
            other = [str(c) for c in data.columns if c not in numeric.columns]
            raise TypeError(f"{name} must hold numbers only; columns {', '.join(other)} do not (drop them, "
                            f"e.g. the dates)")
        if isinstance(data, pd.Series) and not pd.api.types.is_numeric_dtype(data):
            raise TypeError(f"{name} must hold numbers, got a Series of dtype {data.dtype}")
        data = data.to_numpy(copy=True)                                             # writable, for torch
    if isinstance(data, np.ndarray):
        if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
            raise TypeError(f"{name} must hold numbers, got a NumPy array of dtype {data.dtype}")
        if not (data.flags.writeable and data.dtype.isnative):
            data = data.astype(data.dtype.newbyteorder("="))                        # a native, writable copy
        data = torch.from_numpy(data)
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"{name} must be a NumPy array, a torch tensor or a pandas DataFrame/Series, "
                        f"got {type(data).__name__}")
    if data.is_complex() or data.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers, got dtype {data.dtype}")
    if data.dim() not in dims:
        wanted = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(f"{name} must be {wanted} (time first, columns last), got shape {tuple(data.shape)}")
    return data


def check_finite(name: str, data: torch.Tensor) -> torch.Tensor:
    """ValueError naming the first row (and column) holding NaN or inf, and how many such values there are."""
    if not data.is_floating_point():
        return data
    bad = ~torch.isfinite(data)
    if bool(bad.any()):
        where = bad.nonzero()[0].tolist()                                           # first (row, column)
        place = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite values, the first at {place} "
                         f"({data[tuple(where)].item()}); fill or drop them first")
    return data
