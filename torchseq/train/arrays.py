"""Keras' form of ``fit``: ``fit(x, y, validation_data=(x_val, y_val))`` or ``validation_split=0.2``, with
tensors or NumPy arrays, turned into the datasets the Trainer reads."""
from __future__ import annotations

import numbers
from typing import Optional, Tuple

import numpy as np
import torch
from torch.utils.data import TensorDataset


def is_array(value) -> bool:
    """A tensor or a NumPy array: the inputs of ``fit(x, y)``."""
    return isinstance(value, (torch.Tensor, np.ndarray))


def as_tensor(name: str, value) -> torch.Tensor:
    """A tensor of samples (N, ...); NumPy floats become torch's default float dtype (as Keras casts to
    float32), integers stay int64 (token ids, class labels)."""
    if isinstance(value, np.ndarray):
        if value.dtype == object or not (np.issubdtype(value.dtype, np.number) or value.dtype == bool):
            raise TypeError(f"{name} must be a numeric array, got dtype {value.dtype}")
        tensor = torch.from_numpy(np.ascontiguousarray(value))
        if tensor.is_floating_point():
            tensor = tensor.to(torch.get_default_dtype())
        elif tensor.dtype != torch.bool:
            tensor = tensor.long()
    elif isinstance(value, torch.Tensor):
        tensor = value
    else:
        raise TypeError(f"{name} must be a tensor or a NumPy array of samples (N, ...), got {type(value).__name__}")
    if tensor.dim() == 0 or len(tensor) == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {tuple(tensor.shape)}")
    return tensor


def paired(x_name: str, x, y_name: str, y) -> TensorDataset:
    """x (N, ...) and y (N, ...) as a TensorDataset; their sample counts must agree."""
    if y is None:
        raise ValueError(f"{x_name} is an array of inputs, so give its targets as the next argument, "
                         f"fit(x, y, ...) in Keras' form, or pass a Dataset of (input, target) pairs")
    x, y = as_tensor(x_name, x), as_tensor(y_name, y)
    if len(x) != len(y):
        raise ValueError(f"{x_name} holds {len(x)} samples and {y_name} {len(y)}: they must match")
    return TensorDataset(x, y)


def split(x, y, validation_split) -> Tuple[TensorDataset, TensorDataset]:
    """(train, valid): Keras' ``validation_split`` -- the last fraction of the samples, taken before any
    shuffling, is the validation data."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real):
        raise TypeError(f"validation_split must be a fraction in (0, 1), got {type(validation_split).__name__} "
                        f"{validation_split!r}")
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be a fraction in (0, 1), got {validation_split!r}")
    data = paired("train", x, "valid (the targets y)", y)
    n = len(data)
    n_valid = int(n * validation_split)                                      # Keras rounds down too
    if n_valid == 0 or n_valid == n:
        raise ValueError(f"validation_split={validation_split} of {n} samples leaves {n - n_valid} for training "
                         f"and {n_valid} for validation; both need at least one")
    x_all, y_all = data.tensors
    return TensorDataset(x_all[:n - n_valid], y_all[:n - n_valid]), TensorDataset(x_all[n - n_valid:], y_all[n - n_valid:])


def validation_from(validation_data):
    """``validation_data``: a pair (x_val, y_val) of arrays, or anything ``valid`` accepts (a Dataset, batches)."""
    if isinstance(validation_data, tuple) and len(validation_data) == 2 and all(map(is_array, validation_data)):
        return paired("validation_data[0]", validation_data[0], "validation_data[1]", validation_data[1])
    return validation_data


def fit_data(train, valid, validation_data, validation_split: Optional[float]):
    """(train, valid) datasets from either call form of ``fit``:

    - ``fit(train_dataset, valid_dataset, ...)``: Datasets, loaders or lists of batches, as they are;
    - ``fit(x, y, validation_data=(x_val, y_val) or validation_split=f, ...)``: Keras' form, arrays.
    """
    if validation_data is not None and validation_split is not None:
        raise ValueError("give validation_data or validation_split, not both")
    if is_array(train):
        if validation_split is not None:
            train, held_out = split(train, valid, validation_split)
        else:
            train, held_out = paired("train", train, "valid (the targets y)", valid), None
        if validation_data is not None:
            held_out = validation_from(validation_data)
        return train, held_out
    if validation_split is not None:
        raise ValueError("validation_split takes the last samples of arrays x and y (fit(x, y, "
                         "validation_split=0.2)); with a Dataset as train, pass the validation Dataset instead")
    if validation_data is not None:
        if valid is not None:
            raise ValueError("give the validation data once: as the second argument or as validation_data")
        valid = validation_from(validation_data)
    return train, valid
