"""Two modules, one input: are their outputs, final states and every gradient the same?

:func:`assert_modules_close` is the comparison torchseq's own tests make between its fast and readable paths,
between a layer and torch.nn's, or between a cell you wrote and the built-in it should equal. Both modules
are called the torchseq way, ``module(x, initial_state=..., lengths=...)`` (only the arguments given), and
must return the same structure: a tensor, or nested tuples/lists of tensors (outputs, states). A torch.nn
``RNN``/``LSTM``/``GRU`` (batch first) as ``b`` is adapted to ``a``'s conventions
(:mod:`torchseq.testing.torch_nn`): packed lengths, stacked states, its parameter names.

Gradients: the comparison backpropagates the same random cotangent through every returned tensor of both
modules (``sum_k <w_k, out_k>``, w_k seeded) and compares the gradients with respect to x, to every tensor of
the initial state and to every parameter, parameters paired by name (``named_parameters``).

Tolerance (as ``torch.testing.assert_close`` with atol = rtol = tol): ``|a - b| <= tol * (1 + |b|)``
elementwise, tol 1e-10 in float64, 1e-5 in float32 and 1e-2 in bfloat16/float16 unless given.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import torch
from torch import nn

from .._validate import check_bool, check_real, check_seed
from ..layers.states import map_state
from .torch_nn import AsTorchseq, parameter_pairs

TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5, torch.bfloat16: 1e-2, torch.float16: 1e-2}


@dataclass
class Comparison:
    """One compared tensor: its name, the largest scaled difference ``|a - b| / (1 + |b|)``, where it is,
    the tolerance, and whether it passed."""
    name: str
    max_difference: float
    where: Tuple[int, ...]
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.max_difference <= self.tolerance


@dataclass
class ModulesReport:
    """Every comparison :func:`assert_modules_close` made, in order; ``str()`` is a table."""
    comparisons: List[Comparison] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.comparisons)

    @property
    def failures(self) -> List[Comparison]:
        return [c for c in self.comparisons if not c.passed]

    def __str__(self) -> str:
        width = max([len(c.name) for c in self.comparisons] + [6])
        lines = [f"{'tensor':{width}}  max |a-b|/(1+|b|)  tolerance  pass"]
        lines += [f"{c.name:{width}}  {c.max_difference:17.3e}  {c.tolerance:9.1e}  {'yes' if c.passed else 'NO'}"
                  for c in self.comparisons]
        return "\n".join(lines)


def assert_modules_close(a: nn.Module, b: nn.Module, x: torch.Tensor, *, initial_state=None, lengths=None,
                         tol: Optional[float] = None, gradients: bool = True, seed: int = 0,
                         raise_on_failure: bool = True) -> ModulesReport:
    """Run ``a`` and ``b`` on the same ``x`` (and ``initial_state``, ``lengths``), compare what they return and
    (``gradients``) the gradients with respect to x, the initial state and every parameter.

    Returns the :class:`ModulesReport` when everything is within ``tol``; raises AssertionError naming the
    first tensor that is not (which output, state, input or parameter), where its largest difference is and
    how large, with the whole table (``raise_on_failure=False`` returns the report either way). Neither
    module's parameters nor gradients are changed: both run on copies.
    """
    if not isinstance(a, nn.Module) or not isinstance(b, nn.Module):
        raise TypeError(f"a and b must be torch.nn.Modules, got {type(a).__name__} and {type(b).__name__}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor (N, L, F), got "
                        f"{type(x).__name__ if not isinstance(x, torch.Tensor) else x.dtype}")
    tol = TOLERANCE.get(x.dtype, 1e-5) if tol is None else check_real("tol", tol, minimum=0.0)
    gradients, raise_on_failure = check_bool("gradients", gradients), check_bool("raise_on_failure", raise_on_failure)
    seed = check_seed("seed", seed)
    a, b = copy.deepcopy(a), copy.deepcopy(b)
    for parameter in [*a.parameters(), *b.parameters()]:
        parameter.grad = None                                                 # copied gradients would add up
    pairs = None
    if isinstance(b, nn.RNNBase):
        b, pairs = AsTorchseq(b, a), parameter_pairs(a, b)
    runs = [_run(module, x, initial_state, lengths, gradients, seed) for module in (a, b)]
    report = ModulesReport()
    (out_a, inputs_a), (out_b, inputs_b) = runs
    if len(out_a) != len(out_b):
        raise AssertionError(f"a returns {len(out_a)} tensor{'s' * (len(out_a) != 1)} and b {len(out_b)}: the "
                             f"modules do not return the same structure (return_sequences, return_state?)")
    for (name, ta), (_, tb) in zip(out_a, out_b):
        report.comparisons.append(_compare(name, ta, tb, tol))
    if gradients:
        for (name, ta), (_, tb) in zip(inputs_a, inputs_b):
            report.comparisons.append(_compare(f"grad {name}", ta.grad, tb.grad, tol))
        params_a, params_b = dict(a.named_parameters()), dict(b.named_parameters())
        if pairs is None:
            if set(params_a) != set(params_b):
                raise AssertionError(f"a and b have different parameters: only in a "
                                     f"{sorted(set(params_a) - set(params_b))}, only in b "
                                     f"{sorted(set(params_b) - set(params_a))}")
            pairs = {name: [name] for name in params_a}
        for name, pa in params_a.items():
            for other in pairs[name]:
                label = f"grad {name}" if other == name else f"grad {name} vs {other.removeprefix('reference.')}"
                report.comparisons.append(_compare(label, pa.grad, params_b[other].grad, tol))
    if raise_on_failure and not report.passed:
        first = report.failures[0]
        raise AssertionError(f"{first.name} differs: largest |a - b| / (1 + |b|) = {first.max_difference:.3e} at "
                             f"index {first.where}, above the tolerance {first.tolerance:.1e}\n{report}")
    return report


def _run(module: nn.Module, x: torch.Tensor, initial_state, lengths, gradients: bool, seed: int):
    """([(name, output tensor)], [(name, input leaf)]) of one module's call, after the backward pass."""
    x = x.detach().clone().requires_grad_(gradients)
    inputs = [("x", x)]
    kwargs = {}
    if initial_state is not None:
        _leaves(initial_state, what="initial_state must be")
        state = map_state(lambda t: t.detach().clone().requires_grad_(gradients and t.is_floating_point()),
                          initial_state)
        inputs += [(f"initial_state{path}", t) for path, t in _leaves(state) if t.requires_grad]
        kwargs["initial_state"] = state
    if lengths is not None:
        kwargs["lengths"] = lengths
    outputs = _leaves(module(x, **kwargs))
    named = [(f"output{path}" if path else "output", t) for path, t in outputs]
    if gradients:
        generator = torch.Generator().manual_seed(seed)
        loss = sum((t * torch.randn(t.shape, generator=generator, dtype=torch.float64).to(t)).sum()
                   for _, t in outputs if t.is_floating_point() and t.requires_grad)
        if isinstance(loss, torch.Tensor):
            loss.backward()
    return named, inputs


def _leaves(value, path: str = "", what: str = "a module must return"):
    """[(path like "[1][0]", tensor)] of a tensor or nested tuples/lists of tensors, in order; a TypeError
    starting with ``what`` for anything else."""
    if isinstance(value, torch.Tensor):
        return [(path, value)]
    if isinstance(value, (tuple, list)):
        return [leaf for k, v in enumerate(value) for leaf in _leaves(v, f"{path}[{k}]", what)]
    raise TypeError(f"{what} tensors or tuples/lists of them, got {type(value).__name__} at {path or 'top'}")


def _compare(name: str, a: Optional[torch.Tensor], b: Optional[torch.Tensor], tol: float) -> Comparison:
    if a is None or b is None:
        if a is None and b is None:
            return Comparison(name, 0.0, (), tol)
        missing = "a" if a is None else "b"
        return Comparison(f"{name} (none in {missing})", float("inf"), (), tol)
    if a.shape != b.shape:
        return Comparison(f"{name} (shapes {tuple(a.shape)} vs {tuple(b.shape)})", float("inf"), (), tol)
    if a.numel() == 0:
        return Comparison(name, 0.0, (), tol)
    a64, b64 = a.detach().double(), b.detach().double()
    scaled = (a64 - b64).abs() / (1 + b64.abs())
    scaled = torch.where(torch.isnan(a64) & torch.isnan(b64), torch.zeros_like(scaled), scaled)
    scaled = torch.nan_to_num(scaled, nan=float("inf"))
    flat = int(scaled.argmax())
    where = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), scaled.shape))
    return Comparison(name, float(scaled.max()), where, tol)
