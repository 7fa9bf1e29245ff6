"""Checkpoints written atomically, holding everything an interrupted run needs to finish as if it never stopped,
and read back only when they are whole torchseq checkpoints."""
from __future__ import annotations

import pickle
import random
import zipfile
from pathlib import Path
from typing import Dict, Union

import numpy as np
import torch
from torch import nn

from torchseq._io import atomic_file, remove_leftovers
from torchseq._validate import check_path

FORMAT = "torchseq.Trainer checkpoint"
KEYS = ("model", "optimizer", "scaler", "epoch", "history", "callbacks", "rng")


def save_atomic(state: dict, path: Union[str, Path]) -> None:
    """torch.save to a temporary file beside ``path``, then rename: a crash never leaves half a checkpoint.
    Temporary files that an earlier, killed write left beside ``path`` are removed first."""
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    with atomic_file(path, "wb") as f:
        torch.save(state, f)


def load_checked(path: Union[str, Path], device: torch.device) -> dict:
    """The state :func:`save_atomic` wrote to ``path``; FileNotFoundError or a ValueError that names the file
    and says why it is not a torchseq checkpoint (empty, truncated, not a torch file, foreign content)."""
    path = check_path("checkpoint path", path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist" + (" (it is a folder)" if path.is_dir() else ""))
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is not a torchseq checkpoint: the file is empty")
    _check_crc(path)
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except (EOFError, RuntimeError, OSError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError,
            AttributeError, ImportError, IndexError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a torchseq checkpoint: torch.load cannot read it (truncated, damaged "
                         f"or another format: {type(error).__name__}: {error})") from error
    missing = [k for k in KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        held = ", ".join(map(str, state)) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{path} is not a torchseq checkpoint: it lacks {', '.join(missing)} (it holds {held}); "
                         f"a bare state_dict loads with model.load_state_dict(torch.load(path))")
    return state


_DOS_FOLDER = 0x10                                                                  # a zip member's folder attribute


def _check_crc(path: Path) -> None:
    """torch.save writes a zip archive whose members carry CRC-32 checksums, which torch.load does not verify:
    a flipped bit in a tensor would load as a silently different weight. Verify every member first, and that
    none is marked as a folder (the one flag outside the checksums that changes what torch.load reads)."""
    try:
        if not zipfile.is_zipfile(path):
            return                                                                  # torch.load says what it is
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            folders = [i.filename for i in archive.infolist() if i.is_dir() or i.external_attr & _DOS_FOLDER]
    except Exception as error:                                                      # noqa: BLE001 -- any fault
        # reading the archive (bad headers, an unknown compression, a broken deflate stream) means damage
        raise ValueError(f"{path} is not a torchseq checkpoint: the file is damaged ({type(error).__name__}: "
                         f"{error})") from error
    if bad is not None:
        raise ValueError(f"{path} is damaged: its member {bad} fails its CRC-32 checksum")
    if folders:                                                                     # torch.load would read it as empty
        raise ValueError(f"{path} is damaged: its member {folders[0]} is marked as a folder")


def check_finite_weights(model: nn.Module, when: str) -> None:
    """FloatingPointError naming the first parameter that holds NaN or inf."""
    params = [(name, p) for name, p in model.named_parameters() if p.is_floating_point() or p.is_complex()]
    if not params or bool(torch.stack([p.detach().isfinite().all() for _, p in params]).all()):
        return
    name = next(name for name, p in params if not bool(p.detach().isfinite().all()))
    raise FloatingPointError(f"{when} the model's weights are not finite ({name} holds NaN or inf); "
                             f"training stopped (checkpoints already written are untouched)")


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
