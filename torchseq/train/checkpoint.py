"""Checkpoints written atomically, holding everything an interrupted run needs to finish as if it never stopped."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Dict, Union

import numpy as np
import torch
from torch import nn

from torchseq._io import atomic_file


def save_atomic(state: dict, path: Union[str, Path]) -> None:
    """torch.save to a temporary file beside ``path``, then rename: a crash never leaves half a checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "wb") as f:
        torch.save(state, f)


def rng_state(model: nn.Module) -> dict:
    """Every random stream a training step can draw from: torch (CPU, CUDA), NumPy, Python, and the
    torch.Generator of every module that holds one (torchseq's regularised layers)."""
    return {"torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": np.random.get_state(), "python": random.getstate(),
            "modules": {name: m.generator.get_state() for name, m in model.named_modules()
                        if isinstance(getattr(m, "generator", None), torch.Generator)}}


def set_rng_state(model: nn.Module, state: dict) -> None:
    """Restore what :func:`rng_state` saved. Generator states are CPU byte tensors; a checkpoint loaded with
    ``map_location`` a GPU holds them on that GPU, so each is brought back to the CPU first."""
    torch.set_rng_state(state["torch"].cpu())
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    modules: Dict[str, nn.Module] = dict(model.named_modules())
    for name, generator_state in state["modules"].items():
        modules[name].generator.set_state(generator_state.cpu())
