"""What the Trainer accepts as data, checked before and while it is read, so that nothing trains on nothing
or reports NaN for an empty pass: every refusal names the argument (``train``, ``valid``, ``data``)."""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

import torch
from torch.utils.data import Dataset


def check_data(name: str, data, steps: Optional[int], steps_name: str) -> None:
    """A map-style Dataset with samples, or a re-iterable of batches; a one-shot iterator (a generator)
    only with a number of ``steps`` per pass (it may never end, and it cannot be read twice)."""
    if isinstance(data, torch.Tensor):
        raise TypeError(f"{name} must be a Dataset or an iterable of (input, target) batches, got a tensor; "
                        f"wrap inputs and targets as torch.utils.data.TensorDataset(x, y)")
    if isinstance(data, Dataset) and hasattr(data, "__len__"):
        if len(data) == 0:
            raise ValueError(f"{name} holds no samples (len({name}) == 0)")
        return
    if not isinstance(data, Iterable):
        raise TypeError(f"{name} must be a Dataset or an iterable of (input, target) batches, "
                        f"got {type(data).__name__}")
    if isinstance(data, Iterator) and steps is None:
        raise ValueError(f"{name} is a one-shot iterator ({type(data).__name__}): it can be read only once and "
                         f"may never end, so give {steps_name} (batches per pass), or pass a list of batches, "
                         f"a Dataset or a DataLoader")


def check_batch(name: str, batch, index: int):
    """(inputs, targets) of one batch; inputs a tensor or a tuple of tensors, targets a tensor."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        shown = f"a {type(batch).__name__} of {len(batch)}" if isinstance(batch, (tuple, list)) else type(batch).__name__
        raise ValueError(f"batch {index + 1} of {name} must be a pair (inputs, targets), got {shown}")
    x, y = batch
    inputs = x if isinstance(x, (tuple, list)) else (x,)
    if not all(isinstance(t, torch.Tensor) for t in inputs) or not isinstance(y, torch.Tensor):
        raise TypeError(f"batch {index + 1} of {name} must hold tensors, got inputs "
                        f"{', '.join(type(t).__name__ for t in inputs)} and targets {type(y).__name__}")
    if y.dim() == 0 or any(t.dim() == 0 or t.shape[0] != y.shape[0] for t in inputs):
        raise ValueError(f"batch {index + 1} of {name}: inputs {', '.join(str(tuple(t.shape)) for t in inputs)} and "
                         f"targets {tuple(y.shape)} must have the same number of samples in dimension 0")
    return x, y


def check_outputs(out, y: torch.Tensor) -> torch.Tensor:
    """The model's output for a batch: a tensor with one row per target."""
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the model must return a tensor, got {type(out).__name__}; the Trainer needs one "
                        f"prediction tensor to compare with the targets")
    if out.dim() == 0 or out.shape[0] != y.shape[0]:
        raise ValueError(f"the model returned shape {tuple(out.shape)} for targets {tuple(y.shape)}: "
                         f"it must return one row per sample")
    return out


def check_pass(name: str, count: int, steps: Optional[int], steps_name: str, one_shot: bool) -> None:
    """After a pass: it read some batches, and a stream with ``steps`` delivered all of them."""
    if count == 0:
        hint = " (a one-shot iterator read in an earlier pass is exhausted)" if one_shot else ""
        raise ValueError(f"{name} gave no batches{hint}; nothing to train or evaluate on")
    if one_shot and steps is not None and count < steps:
        raise ValueError(f"{name} ran out after {count} batches, but {steps_name}={steps}; give a smaller "
                         f"{steps_name} or an endless stream")
