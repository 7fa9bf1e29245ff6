"""``check_cell``: does a recurrent cell keep the contract every torchseq layer relies on?

A cell of your own (a subclass of :class:`~torchseq.cells.RecurrentCell` with ``project_input`` and ``step``)
gets lengths, ``go_backwards``, :class:`~torchseq.Bidirectional`, :class:`~torchseq.Stacked`, variational
dropout and :func:`torchseq.trace` from the runner, on one condition: that it keeps the contract the runner
assumes. :func:`check_cell` runs every clause of it (listed in :mod:`torchseq.testing.cell_contract`) on a
float64 copy of the cell whose parameters are redrawn, and reports each. With ``reference=`` it also checks
the equations themselves against an independent step, since no contract can know which equations you meant.

Use it in your own tests::

    def test_my_cell():
        check_cell(MyCell, reference=my_numpy_step)      # raises AssertionError with the table on a failure
"""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Union

import torch

from .._validate import check_bool, check_device, check_seed, check_size
from ..cells.base import RecurrentCell
from ..layers.states import map_state
from . import cell_contract as clause
from .cell_contract import Setup, redrawn, top_cell


@dataclass
class CellCheck:
    """One clause: its name, whether it held (None for n/a), the largest scaled difference it measured (None
    for a yes/no clause), the tolerance and what was compared or what went wrong."""
    name: str
    passed: Optional[bool]
    difference: Optional[float]
    tolerance: Optional[float]
    detail: str


@dataclass
class CellReport:
    """Every clause :func:`check_cell` ran, in order; ``str()`` is a table."""
    cell: str
    checks: List[CellCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed is not False for c in self.checks)

    @property
    def failures(self) -> List[CellCheck]:
        return [c for c in self.checks if c.passed is False]

    def __getitem__(self, name: str) -> CellCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; the checks are {[c.name for c in self.checks]}")

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = [f"check_cell({self.cell})", f"{'check':{width}}  result  max |a-b|/(1+|b|)  tolerance  detail"]
        for c in self.checks:
            result = {True: "pass", False: "FAIL", None: "n/a"}[c.passed]
            diff = "" if c.difference is None else f"{c.difference:.3e}"
            tol = "" if c.tolerance is None else f"{c.tolerance:.0e}"
            lines.append(f"{c.name:{width}}  {result:6}  {diff:>17}  {tol:>9}  {c.detail}")
        return "\n".join(lines)


CLAUSES = [
    ("state shapes", clause.state_shapes),
    ("one step", clause.one_step),
    ("projection per step", clause.projection_per_step),
    ("equations", None),
    ("gradcheck step", clause.gradcheck_step),
    ("gradcheck layer", clause.gradcheck_layer),
    ("padding", clause.padding),
    ("go_backwards", clause.go_backwards),
    ("Bidirectional", clause.bidirectional),
    ("Stacked", clause.stacked),
    ("variational masks", clause.variational),
    ("dtype and device", clause.dtype_and_device),
    ("trace", clause.trace),
    ("fast path", clause.fast_path),
]


def check_cell(cell_or_factory: Union[RecurrentCell, Callable[[int, int], RecurrentCell]], *,
               reference: Optional[Callable] = None, input_size: int = 3, hidden_size: int = 4, batch: int = 3,
               steps: int = 5, device: Union[str, torch.device] = "cpu", seed: int = 0,
               raise_on_failure: bool = True) -> CellReport:
    """Run every clause of the recurrent-cell contract on a cell and report each.

    Args:
        cell_or_factory: a :class:`~torchseq.cells.RecurrentCell`, or a callable ``factory(input_size,
            hidden_size)`` returning one (a cell class such as ``LSTMCell`` is one; so is
            ``functools.partial(GRUCell, reset_after=True)``). The checks run on float64 copies whose parameters
            are redrawn uniformly in [-0.5, 0.5); the given cell is not changed.
        reference: a step in :mod:`torchseq.testing.reference`'s form, ``step(p, x, state, mx=None, mh=None)
            -> (y, new_state, internals)`` on one sample's NumPy arrays, ``p`` the cell's parameters by name.
            The layer's outputs and final states must equal it looped over a ragged batch. None skips that
            clause (n/a): the other clauses prove the cell consistent, not that it computes your equations.
        input_size, hidden_size: the sizes given to a factory (a cell keeps its own).
        batch, steps: N >= 2 and L >= 3 of the checked batch; its lengths are L, a middle length and 1.
        device: also run the cell there ("cuda") and compare with the CPU.
        seed: for the redrawn parameters, the inputs, the cotangents and the dropout masks.
        raise_on_failure: raise AssertionError with the whole table when a clause fails (default), so the call
            works as a test; False returns the report either way.

    Returns:
        the :class:`CellReport` (``report.passed``, ``report["padding"]``, ``print(report)``).
    """
    factory, cell = _cell_and_factory(cell_or_factory, input_size, hidden_size)
    N, L = check_size("batch", batch), check_size("steps", steps)
    if N < 2 or L < 3:
        raise ValueError(f"check_cell needs batch >= 2 and steps >= 3 (a ragged batch), got batch={N}, steps={L}")
    if reference is not None and not callable(reference):
        raise TypeError(f"reference must be a step function such as torchseq.testing.reference.lstm, got "
                        f"{type(reference).__name__}")
    device = check_device("device", device)
    raise_on_failure = check_bool("raise_on_failure", raise_on_failure)
    setup = _setup(cell, factory, N, L, check_seed("seed", seed), device)
    report = CellReport(_name(cell_or_factory, cell))
    for name, run in CLAUSES:
        if name == "equations":
            if reference is None:
                report.checks.append(CellCheck(name, None, None, None, "no reference= given"))
                continue
            run = lambda s: clause.equations(s, reference)                                 # noqa: E731
        report.checks.append(_run(name, run, setup))
    if raise_on_failure and not report.passed:
        names = ", ".join(c.name for c in report.failures)
        raise AssertionError(f"{report.cell} breaks the recurrent-cell contract ({names}):\n{report}")
    return report


def _cell_and_factory(given, input_size: int, hidden_size: int):
    if isinstance(given, RecurrentCell):
        return None, given
    if not callable(given) or isinstance(given, torch.nn.Module):
        raise TypeError(f"cell_or_factory must be a torchseq RecurrentCell or a factory(input_size, hidden_size) "
                        f"returning one, got {type(given).__name__}")
    cell = given(check_size("input_size", input_size), check_size("hidden_size", hidden_size))
    if not isinstance(cell, RecurrentCell):
        raise TypeError(f"cell_or_factory({input_size}, {hidden_size}) must return a torchseq RecurrentCell, got "
                        f"{type(cell).__name__}")
    return given, cell


def _name(given, cell: RecurrentCell) -> str:
    if inspect.isclass(given) or not isinstance(given, RecurrentCell):
        return f"{getattr(given, '__name__', type(cell).__name__)} -> {cell!r}"
    return repr(cell)


def _setup(cell: RecurrentCell, factory, N: int, L: int, seed: int, device: torch.device) -> Setup:
    cell = redrawn(cell, seed)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(N, L, cell.input_size, generator=generator, dtype=torch.float64)          # (N, L, F)
    lengths = torch.tensor([[L, (L + 1) // 2, 1][n % 3] for n in range(N)])                  # (N,): L, middle, 1
    state = map_state(lambda t: 0.5 * torch.randn(t.shape, generator=generator, dtype=t.dtype), cell.zero_state(x))
    return Setup(cell, top_cell(factory, cell), x, lengths, state, seed, device)


def _run(name: str, run, setup: Setup) -> CellCheck:
    """One clause on its own copy of the cell (a clause may switch train/eval or leave gradients)."""
    mine = replace(setup, cell=copy.deepcopy(setup.cell))
    try:
        difference, tolerance, detail = run(mine)
    except Exception as error:                                   # a clause that raises is that clause failing
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return CellCheck(name, False, None, None, f"{type(error).__name__}: {first}"[:300])
    if difference == "n/a":
        return CellCheck(name, None, None, None, detail)
    if difference is not None and difference > tolerance:
        where = getattr(difference, "where", "")
        return CellCheck(name, False, float(difference), tolerance, f"{where} differs; {detail}" if where else detail)
    difference = None if difference is None else float(difference)
    return CellCheck(name, True, difference, tolerance, detail)
