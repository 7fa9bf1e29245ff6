"""Where the commands write: one folder per run, ``./torchseq-runs/<command>/<name>/``, never inside the package.

- the name is ``--name``, or what the run is and when it started (``geron15_quick-20261202-174600``); a
  default name already taken gets ``-2``, ``-3``...;
- ``--out FOLDER`` replaces the whole path;
- a folder named by ``--name`` or ``--out`` that already holds a run is refused unless ``--overwrite``
  (which empties it first); a non-empty folder that is not a torchseq run is never emptied;
- every run folder holds ``run.json`` (the command line, the start time, the versions), which is how a
  run is recognised.
"""
from __future__ import annotations

import json
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Optional

import torch

ROOT = Path("torchseq-runs")
MARKER = "run.json"


def run_folder(command: str, what: str, name: Optional[str] = None, out: Optional[Path] = None,
               overwrite: bool = False, continues: Optional[Path] = None) -> Path:
    """The folder this run writes to, created (empty, or emptied with ``overwrite``), with its ``run.json``.

    ``continues``: a checkpoint the run resumes from; a run folder holding it is continued, not refused.
    """
    if name is not None and out is not None:
        raise ValueError("give --name (a folder under torchseq-runs/) or --out (any folder), not both")
    if name is not None and (not name or Path(name).name != name or name in (".", "..")):
        raise ValueError(f"--name must be a plain folder name (no '/'), got {name!r}")
    chosen = named_path(command, name, out)
    if chosen is None:
        stem = f"{what}-{time.strftime('%Y%m%d-%H%M%S')}"
        chosen, k = ROOT / command / stem, 2
        while chosen.exists():
            chosen, k = ROOT / command / f"{stem}-{k}", k + 1
    _claim(Path(chosen), overwrite, continues)
    _write_marker(Path(chosen), command)
    return Path(chosen)


def _claim(folder: Path, overwrite: bool, continues: Optional[Path]) -> None:
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder for the run's results")
    held = folder.is_dir() and any(folder.iterdir())
    if held and continues is not None and _inside(continues, folder):
        return                                                                   # resuming this very run
    if held and not (folder / MARKER).is_file():
        raise ValueError(f"{folder} holds files that are not a torchseq run; choose a new or empty folder "
                         f"(nothing there was touched)")
    if held and not overwrite:
        raise ValueError(f"{folder} already holds a run; pass --overwrite to replace it, or another --name/--out")
    if held:
        for entry in folder.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def named_path(command: str, name: Optional[str], out: Optional[Path]) -> Optional[Path]:
    """The folder ``--out`` or ``--name`` chooses (None when neither is given)."""
    if out is not None:
        return Path(out)
    return ROOT / command / name if name is not None else None


def _write_marker(folder: Path, command: str) -> None:
    from ._io import write_atomic
    from . import __version__
    record = {"command": command, "argv": sys.argv[1:],
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "torchseq": __version__, "torch": torch.__version__,
              "python": platform.python_version()}
    write_atomic(folder / MARKER, json.dumps(record, indent=1))


def add_arguments(parser, command: str) -> None:
    """--name, --out and --overwrite, the same on every command that writes results."""
    parser.add_argument("--name", dest="run_name", metavar="NAME", help=f"the run's folder under torchseq-runs/{command}/ (default: what runs and "
                                        f"when, e.g. torchseq-runs/{command}/NAME-20261202-174600)")
    parser.add_argument("--out", type=Path, help="write to this folder instead of torchseq-runs/")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run already in the --name/--out folder (refused without it)")
