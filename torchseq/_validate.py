"""Checks made at the public boundary, so bad input fails with a message naming the argument,
what was expected and what was given -- never a bare shape error from inside a matmul.

Symbols used in every message and docstring of torchseq:
N = batch size, L = time steps, F = input features, H = hidden units, G = gates per cell.
"""
from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Optional, Sequence

import torch


def check_size(name: str, value) -> int:
    """A layer size: a positive Python/NumPy integer (bool, float, inf and nan are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        shown = value if isinstance(value, numbers.Real) and not math.isfinite(value) else repr(value)
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {shown}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def check_count(name: str, value, minimum: int = 0) -> int:
    """A whole number >= ``minimum`` (a Python or NumPy integer; bool, float, inf and nan are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_seed(name: str, value) -> int:
    """A random seed: an int in [0, 2**32) (what NumPy's RandomState and torch.manual_seed both take)."""
    value = check_count(name, value)
    if value >= 2 ** 32:
        raise ValueError(f"{name} must be an int in [0, 2**32), got {value}")
    return value


def check_optional_count(name: str, value, minimum: int = 1) -> Optional[int]:
    """None, or a whole number >= ``minimum``."""
    return None if value is None else check_count(name, value, minimum)


def check_real(name: str, value, minimum: Optional[float] = None, strict: bool = False) -> float:
    """A finite real number (Python, NumPy or a 0-d tensor's ``item``) >= ``minimum`` (> with ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    bound = "" if minimum is None else f" {'>' if strict else '>='} {minimum:g}"
    if not math.isfinite(value) or (minimum is not None and (value <= minimum if strict else value < minimum)):
        raise ValueError(f"{name} must be a finite number{bound}, got {value}")
    return float(value)


def check_path(name: str, value) -> Path:
    """A file-system path: a str or an os.PathLike (pathlib.Path)."""
    if isinstance(value, (str, os.PathLike)):
        if str(value) == "":
            raise ValueError(f"{name} must be a path, got an empty string")
        return Path(value)
    raise TypeError(f"{name} must be a path (str or pathlib.Path), got {type(value).__name__} {value!r}")


def check_positive_float(name: str, value) -> float:
    """A strictly positive finite float (e.g. a layer-norm epsilon)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive float, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite float, got {value}")
    return float(value)


def check_choice(name: str, value, choices: Sequence):
    """One of a fixed set of options (activation, merge mode, init scheme...)."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return value


def check_tensor(name: str, x, rank: int, layout: str, dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    """A floating-point tensor of the given rank and, when ``dtype`` is given, of the module's dtype
    (autocast excepted)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor shaped {layout}, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() != rank:
        raise ValueError(f"{name} must have {rank} dimensions {layout}, got shape {tuple(x.shape)}")
    if dtype is not None and x.dtype != dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(f"{name} has dtype {x.dtype} but the module's parameters are {dtype}; "
                        f"convert one of them (e.g. module.to({x.dtype}))")
    return x


def check_features(name: str, x: torch.Tensor, size: int, layout: str) -> None:
    if x.shape[-1] != size:
        raise ValueError(f"{name} must have {size} features in its last dimension {layout}, "
                         f"got shape {tuple(x.shape)}")


def check_sequence(x, input_size: Optional[int] = None, dtype: Optional[torch.dtype] = None,
                   name: str = "x") -> torch.Tensor:
    """x: (N, L, F) with N >= 1, L >= 1 and, when given, F = input_size and the module's dtype."""
    layout = "(N, L, F) = (batch, time, features)"
    check_tensor(name, x, 3, layout, dtype)
    if input_size is not None:
        check_features(name, x, input_size, layout)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one sample and one time step, got shape {tuple(x.shape)}")
    return x


def check_step_input(x, input_size: int, dtype: torch.dtype, name: str = "x_t") -> torch.Tensor:
    """x_t: (N, F) with F = input_size -- one time step."""
    layout = "(N, F) = (batch, features)"
    check_tensor(name, x, 2, layout, dtype)
    check_features(name, x, input_size, layout)
    if x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {tuple(x.shape)}")
    return x


def check_state_tensor(name: str, s, like: torch.Tensor, hidden_size: int) -> torch.Tensor:
    """One state tensor: (N, H), same dtype and device as the input `like` (N, ...)."""
    expected = (like.shape[0], hidden_size)
    if not isinstance(s, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor shaped (N, H) = {expected}, got {type(s).__name__}")
    if tuple(s.shape) != expected:
        raise ValueError(f"{name} must have shape (N, H) = {expected}, got {tuple(s.shape)}")
    if s.dtype != like.dtype:
        raise TypeError(f"{name} has dtype {s.dtype} but the input has {like.dtype}")
    if s.device != like.device:
        raise ValueError(f"{name} is on {s.device} but the input is on {like.device}")
    return s


def check_lengths(lengths, batch_size: int, steps: int, device: torch.device):
    """lengths: (N,) integers in [1, L] -- the valid steps of each sample -- or None.

    Returned as an int64 tensor on `device`, or None when every sample uses all L steps
    (then no masking is needed and the run is the same as without lengths).
    """
    if lengths is None:
        return None
    if isinstance(lengths, torch.Tensor):
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise TypeError(f"lengths must hold integers, got a tensor of dtype {lengths.dtype}")
        t = lengths
    elif isinstance(lengths, (list, tuple)) and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in lengths):
        t = torch.tensor(lengths, dtype=torch.int64)
    else:
        raise TypeError(f"lengths must be a 1-D integer tensor or a list of ints, got {type(lengths).__name__}")
    if t.dim() != 1 or t.shape[0] != batch_size:
        raise ValueError(f"lengths must have shape (N,) = ({batch_size},), got {tuple(t.shape)}")
    low, high = int(t.min()), int(t.max())
    if low < 1 or high > steps:
        raise ValueError(f"lengths must lie in [1, L] = [1, {steps}], got values in [{low}, {high}]")
    if low == steps:
        return None
    return t.to(device=device, dtype=torch.int64)


def check_probability(name: str, value) -> float:
    """A drop rate p in [0, 1): p = 1 would drop everything and scale by 1/(1-p) = inf."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float in [0, 1), got {type(value).__name__} {value!r}")
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return float(value)


def check_device(name: str, value) -> torch.device:
    """A device this machine has: "cpu", "cuda", "cuda:1" or a torch.device."""
    if not isinstance(value, (str, torch.device)):
        raise TypeError(f"{name} must be a str such as 'cpu' or 'cuda', or a torch.device, got {type(value).__name__}")
    try:
        device = torch.device(value)
    except RuntimeError as error:
        raise ValueError(f"{name} must name a device such as 'cpu', 'cuda' or 'cuda:1', got {value!r}") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{name} {value!r}: CUDA is not available on this machine (torch.cuda.is_available() "
                         f"is False); use 'cpu'")
    return device


def check_generator(name: str, value):
    """None (the global generator), a torch.Generator, or an int seed for a new CPU generator."""
    if value is None or isinstance(value, torch.Generator):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return torch.Generator().manual_seed(int(value))
    raise TypeError(f"{name} must be None, a torch.Generator or an int seed, got {type(value).__name__}")
