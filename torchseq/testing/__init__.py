"""Tools to prove recurrent code equal to a reference, as torchseq's own tests do.

- :func:`assert_modules_close`: two modules, one input; outputs, final states and the gradients with respect
  to the input, the initial state and every parameter compared, with a table of the differences.
- :func:`check_cell`: every clause of the recurrent-cell contract (one step, per-step projection, gradcheck,
  padding, go_backwards, Bidirectional, Stacked, variational masks, dtype and device, trace) run on a cell, with
  a report; optionally its equations against a reference step.
- :mod:`torchseq.testing.reference`: an independent float64 NumPy statement of every built-in cell's
  equations; :func:`numpy_parameters` gives a cell's parameters in the form its steps take.
"""
from typing import Dict

import numpy as np
from torch import nn

from . import reference
from .cells import CellCheck, CellReport, check_cell
from .modules import Comparison, ModulesReport, assert_modules_close


def numpy_parameters(cell: nn.Module) -> Dict[str, np.ndarray]:
    """A cell's parameters as float64 NumPy arrays by name (``weight_ih``, ``weight_hh``, ``bias`` ...), the
    ``p`` that :mod:`torchseq.testing.reference`'s steps take."""
    if not isinstance(cell, nn.Module):
        raise TypeError(f"cell must be a torch.nn.Module, got {type(cell).__name__}")
    return {name: value.detach().double().cpu().numpy() for name, value in cell.named_parameters()}


__all__ = ["assert_modules_close", "ModulesReport", "Comparison", "check_cell", "CellReport", "CellCheck", "reference", "numpy_parameters"]
