"""What a long computation shows while it runs: Keras' ``verbose`` levels, on a terminal, in a notebook or in a log.

- ``verbose=0``: nothing.
- ``verbose=1``: tqdm progress bars (``tqdm.auto``: a widget in Jupyter when ipywidgets is installed, text
  elsewhere).
- ``verbose=2``: one line per finished epoch (or row, or script), written to stdout and flushed, so a
  log file or a notebook cell shows the run as it goes.
- ``verbose="auto"`` (the default): 1 on a terminal or in a notebook with widgets, 2 otherwise (output
  piped to a file, a notebook without ipywidgets, a batch job).
"""
from __future__ import annotations

import importlib.util
import sys
from typing import Dict, Optional, Union

VERBOSE = ("auto", 0, 1, 2)


def resolve_verbose(verbose: Union[str, int], name: str = "verbose") -> int:
    """The level 0, 1 or 2 that ``verbose`` ("auto", 0, 1 or 2) means here."""
    if isinstance(verbose, str):
        if verbose != "auto":
            raise ValueError(f"{name} must be 'auto', 0, 1 or 2, got {verbose!r}")
        return 1 if _bars_show() else 2
    if isinstance(verbose, bool) or not isinstance(verbose, int) or verbose not in (0, 1, 2):
        raise ValueError(f"{name} must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def _bars_show() -> bool:
    """Whether a progress bar renders as one: stderr is a terminal, or this is a Jupyter kernel with ipywidgets."""
    if sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty():
        return True
    shell = sys.modules.get("IPython")
    if shell is None or shell.get_ipython() is None or "IPKernelApp" not in shell.get_ipython().config:
        return False
    return importlib.util.find_spec("ipywidgets") is not None


def bar(total: Optional[int], desc: str, enabled: bool, **options):
    """A tqdm bar (notebook widget or text, as ``tqdm.auto`` chooses); an inert one when not ``enabled``."""
    if not enabled:                                       # no tqdm.auto import: it warns in a kernel without widgets
        from tqdm import tqdm as inert
        return inert(total=total, desc=desc, disable=True, **options)
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, **options)


def duration(seconds: float) -> str:
    """3.2 s, 4 min 05 s, 2 h 03 min."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def epoch_line(epoch: int, epochs: int, logs: Dict[str, float], mean_seconds: float) -> str:
    """``epoch 3/20 - loss 0.01234 - mae 0.0812 - val_loss 0.0130 - 1.2 s - ETA 20.4 s``: one finished epoch,
    its losses and metrics, its time and the time the remaining epochs should take at the mean pace."""
    values = [f"{k} {v:.4g}" for k, v in logs.items() if k not in ("lr", "seconds")]
    remaining = max(epochs - epoch, 0) * mean_seconds
    return " - ".join([f"epoch {epoch}/{epochs}", *values, duration(logs.get("seconds", 0.0)),
                       f"ETA {duration(remaining)}"])


def say(line: str) -> None:
    """One progress line on stdout, flushed at once (a log file shows it while the run goes on)."""
    print(line, flush=True)
