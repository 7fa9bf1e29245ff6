"""The command line's argument types: a flag's value is checked while it is parsed, so a bad one ends in argparse's
one-line ``error: argument --epochs: ...`` and exit status 2, never in a traceback from deep inside a run."""
from __future__ import annotations

import argparse
import math

from ._validate import check_device


def _number(text: str, kind, what: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An int >= 1 (epochs, sizes, batches)."""
    value = _number(text, int, "an int >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {value}")
    return value


def count(text: str) -> int:
    """An int >= 0 (seeds, patience)."""
    value = _number(text, int, "an int >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an int >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite float > 0 (a learning rate, a clipping norm)."""
    value = _number(text, float, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {value:g}")
    return value


def device(text: str) -> str:
    """A device this machine has: cpu, cuda, cuda:K."""
    try:
        check_device("device", text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("device ")) from None
    return text


def probability(text: str) -> float:
    """A drop rate in [0, 1)."""
    value = _number(text, float, "a rate in [0, 1)")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a rate in [0, 1), got {value:g}")
    return value
