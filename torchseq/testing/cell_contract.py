"""The clauses of the recurrent-cell contract, one function each, as :func:`torchseq.testing.check_cell` runs them.

Every clause takes the :class:`Setup` (a float64 copy of the cell with redrawn parameters, a ragged batch, an
initial state) and returns ``(difference, tolerance, detail)``: the largest scaled difference
``|a - b| / (1 + |b|)`` between the two computations the clause says are equal (None where the clause is a
yes/no question), or raises AssertionError saying what broke. What each clause proves:

===================  ==========================================================================================
clause               the two sides
===================  ==========================================================================================
state shapes         ``zero_state``, ``step``'s new state and ``check_state`` agree with ``state_names``: (N, H)
                     each, in the input's dtype and device; the output is (N, output_size)
one step             ``cell(x_t, s)`` = ``cell.step(cell.project_input(x_t), s)``
projection per step  ``project_input`` of the whole sequence (L, N, F) = ``project_input`` of each x_t apart:
                     the hoisted projection may not mix time steps
equations            the layer's outputs and final states = a reference step (e.g. a NumPy step of
                     :mod:`torchseq.testing.reference`) looped sample by sample
gradcheck step       ``torch.autograd.gradcheck`` of one step w.r.t. x_t, the state and every parameter
gradcheck layer      the same for the layer over a ragged batch (lengths), from an initial state
padding              a ragged batch with garbage (and a NaN) past each length = each sample run alone on its
                     valid steps: outputs (zero past the length), final states, dL/dx (zero past the
                     length) and dL/dparameters
go_backwards         ``go_backwards=True`` on the batch = each sample's valid steps reversed, read forward
Bidirectional        the wrapper's merged outputs and states = a forward and a backward layer run apart
Stacked              ``Stacked(RNN(cell), RNN(top))`` = the two layers chained by hand, lengths passed on
variational masks    a training call with dropout, recurrent dropout and DropConnect = a hand loop that draws
                     the masks once (``draw_masks``) and steps with them; two calls from one seed agree; with
                     one shared input mask the call = an evaluation call on x * m, the same m at every step;
                     with DropConnect alone it = an evaluation call whose W_h is the call's masked copy
dtype and device     a float32 copy answers in float32 and within 1e-4 of float64; on ``device`` the call's
                     outputs live there and equal the CPU's
trace                ``step(..., trace={})`` writes (N, ·) tensors; ``torchseq.trace`` stacks them to (N, L, ·)
fast path            where a fast kernel runs the cell, its outputs and gradients = ``step``'s (n/a for a
                     cell of your own, which always runs its ``step``)
===================  ==========================================================================================
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import torch
from torch.func import functional_call

from ..cells.base import RecurrentCell
from ..cells.simple_rnn import SimpleRNNCell
from ..fast.dispatch import choose, use_reference_path
from ..layers.bidirectional import Bidirectional
from ..layers.rnn import RNN
from ..layers.stacked import Stacked
from ..layers.states import map_state, state_tensors
from ..study.traces import trace as trace_layer
from .modules import _compare, _leaves, assert_modules_close

EXACT = 1e-10          # float64 against float64: the same arithmetic, reordered at most
FLOAT32 = 1e-4         # a float32 copy against the float64 cell over a few steps
DROPOUT = 0.25


@dataclass
class Setup:
    """What every clause works on: ``cell`` (float64, parameters redrawn), ``make_top`` (a cell reading its
    outputs, for Stacked), ``x`` (N, L, F) float64, ``lengths`` (N,) with L, a middle length and 1,
    ``state`` (an initial state), ``seed`` and the CUDA/CPU ``device`` to check."""
    cell: RecurrentCell
    make_top: Callable[[], RecurrentCell]
    x: torch.Tensor
    lengths: torch.Tensor
    state: object
    seed: int
    device: torch.device

    @property
    def x0(self) -> torch.Tensor:
        return self.x[:, 0]                                                     # (N, F)

    def layer(self, cell: Optional[RecurrentCell] = None, **flags) -> RNN:
        return RNN(self.cell if cell is None else cell, return_sequences=True, return_state=True, **flags)

    def sample_state(self, n: int):
        return map_state(lambda t: t[n:n + 1], self.state)                     # (1, H) each


class Difference(float):
    """A scaled difference that remembers which comparison it came from (``where``)."""

    def __new__(cls, value: float, where: str = ""):
        self = super().__new__(cls, value)
        self.where = where
        return self


def largest(pairs) -> Difference:
    """The largest scaled difference over [(name, a, b)], nested states allowed, with the name of the
    comparison it came from; AssertionError on a shape or structure that differs."""
    worst = Difference(0.0)
    for name, a, b in pairs:
        leaves_a, leaves_b = _leaves(a), _leaves(b)
        if len(leaves_a) != len(leaves_b):
            raise AssertionError(f"{name}: {len(leaves_a)} tensors against {len(leaves_b)}")
        for (path, ta), (_, tb) in zip(leaves_a, leaves_b):
            c = _compare(f"{name}{path}", ta, tb, EXACT)
            if c.max_difference == float("inf"):
                raise AssertionError(f"{c.name} cannot be compared (shape or missing tensor)")
            if c.max_difference > worst:
                worst = Difference(c.max_difference, c.name)
    return worst


def state_shapes(s: Setup):
    cell, x0 = s.cell, s.x0
    zero = cell.zero_state(x0)
    RecurrentCell.check_state(cell, zero, x0, "zero_state(x)")                   # the base class's own check
    y, new = cell.step(cell.project_input(x0), zero)
    RecurrentCell.check_state(cell, new, x0, "the state step returns")
    if tuple(y.shape) != (x0.shape[0], cell.output_size) or y.dtype != x0.dtype:
        raise AssertionError(f"step's output must be (N, output_size) = {(x0.shape[0], cell.output_size)} in "
                             f"{x0.dtype}, got {tuple(y.shape)} {y.dtype}")
    cell.check_state(new, x0)                                                   # and the cell's, if it has one
    return None, None, f"state {cell.state_names}, each (N, H) = {tuple(x0.shape[:1]) + (cell.hidden_size,)}"


def one_step(s: Setup):
    cell, x0, state = s.cell, s.x0, s.state
    return largest([("output and state", cell(x0, state), cell.step(cell.project_input(x0), state))]), EXACT, \
        "cell(x_t, s) against step(project_input(x_t), s)"


def projection_per_step(s: Setup):
    cell, x = s.cell, s.x.transpose(0, 1)                                       # (L, N, F)
    whole = cell.project_input(x)                                               # (L, N, G, H)
    apart = torch.stack([cell.project_input(x_t) for x_t in x.unbind(0)])       # (L, N, G, H)
    return largest([("projection", whole, apart)]), EXACT, "project_input(x) against project_input(x_t) per t"


def equations(s: Setup, reference: Callable):
    """The layer against ``reference``, a step in :mod:`torchseq.testing.reference`'s form, looped by its
    ``run`` sample by sample."""
    from . import numpy_parameters, reference as numpy_reference
    out, final = s.layer()(s.x, initial_state=s.state, lengths=s.lengths)
    starts = [map_state(lambda t: t[0].numpy(), s.sample_state(n)) for n in range(s.x.shape[0])]
    ref_out, ref_finals, _ = numpy_reference.run(reference, numpy_parameters(s.cell), s.x.numpy(), starts,
                                                 s.lengths.numpy())
    pairs = [("outputs", out, torch.from_numpy(ref_out)), ("final state", final, _stack_finals(ref_finals))]
    return largest(pairs), EXACT, f"the layer against {getattr(reference, '__name__', 'the reference')}"


def _stack_finals(finals):
    """Per-sample NumPy states (arrays, or tuples of them) -> one batched state of float64 tensors."""
    if isinstance(finals[0], tuple):
        return tuple(torch.from_numpy(np.stack([f[k] for f in finals])) for k in range(len(finals[0])))
    return torch.from_numpy(np.stack(finals))


def gradcheck_step(s: Setup):
    cell = s.cell
    names = [name for name, _ in cell.named_parameters()]
    states = [t.detach().clone().requires_grad_() for t in state_tensors(s.state)]

    def one_step(x_t, *rest):
        state = rest[0] if len(states) == 1 else tuple(rest[:len(states)])
        params = dict(zip(names, rest[len(states):]))
        y, new = functional_call(cell, params, (x_t, state))
        return (y, *state_tensors(new))

    inputs = (s.x0.detach().clone().requires_grad_(), *states,
              *[p.detach().clone().requires_grad_() for p in cell.parameters()])
    torch.autograd.gradcheck(one_step, inputs)
    return None, None, f"w.r.t. x_t, the state and {len(names)} parameters"


def gradcheck_layer(s: Setup):
    layer = s.layer()
    x, lengths = s.x[:2, :4], s.lengths[:2].clamp(max=4)                        # (2, 4, F): a small ragged batch
    names = [name for name, _ in layer.named_parameters()]
    start = map_state(lambda t: t[:2], s.state)
    count = len(list(state_tensors(start)))

    def run(x, *rest):
        flat = iter(rest[:count])
        state = map_state(lambda _: next(flat), start)
        out, final = functional_call(layer, dict(zip(names, rest[count:])), (x,),
                                     {"initial_state": state, "lengths": lengths})
        return (out, *state_tensors(final))

    inputs = (x.detach().clone().requires_grad_(),
              *[t.detach().clone().requires_grad_() for t in state_tensors(start)],
              *[p.detach().clone().requires_grad_() for p in layer.parameters()])
    torch.autograd.gradcheck(run, inputs)
    return None, None, f"2 sequences of lengths {lengths.tolist()}, from an initial state"


def _cotangents(out, final, seed: int):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(out.shape, generator=generator, dtype=out.dtype),
            map_state(lambda t: torch.randn(t.shape, generator=generator, dtype=t.dtype), final))


def _loss(out, final, w, v):
    return (out * w).sum() + sum((a * b).sum() for a, b in zip(state_tensors(final), state_tensors(v)))


def padding(s: Setup):
    cell, lengths = s.cell, s.lengths
    N, L, _ = s.x.shape
    generator = torch.Generator().manual_seed(s.seed + 1)
    garbage = 1e3 * torch.randn(s.x.shape, generator=generator, dtype=s.x.dtype)
    past = torch.arange(L).unsqueeze(0) >= lengths.unsqueeze(1)                  # (N, L), True past the length
    x = torch.where(past.unsqueeze(2), garbage, s.x)                            # (N, L, F), garbage padding
    n, t = past.nonzero()[0].tolist()                                           # the first padded step
    x[n, t, 0] = float("nan")
    x.requires_grad_()
    layer = s.layer()
    out, final = layer(x, initial_state=s.state, lengths=lengths)
    w, v = _cotangents(out, final, s.seed)
    _loss(out, final, w, v).backward()
    batched_grads = [p.grad.clone() for p in cell.parameters()]
    cell.zero_grad()
    pairs = [("outputs past the lengths", out[past], torch.zeros_like(out[past])),
             ("dL/dx past the lengths", x.grad[past], torch.zeros_like(x.grad[past]))]
    for n in range(N):
        k = int(lengths[n])
        x_n = s.x[n:n + 1, :k].clone().requires_grad_()                         # (1, k, F): the valid steps
        out_n, final_n = layer(x_n, initial_state=s.sample_state(n))
        _loss(out_n, final_n, w[n:n + 1, :k], map_state(lambda t: t[n:n + 1], v)).backward()
        pairs += [(f"sample {n} outputs", out[n:n + 1, :k], out_n),
                  (f"sample {n} final state", map_state(lambda t: t[n:n + 1], final), final_n),
                  (f"sample {n} dL/dx", x.grad[n:n + 1, :k], x_n.grad)]
    pairs += [(f"dL/d{name}", g, p.grad) for (name, p), g in zip(cell.named_parameters(), batched_grads)]
    cell.zero_grad()
    return largest(pairs), EXACT, f"lengths {lengths.tolist()} with garbage and a NaN past them, against each " \
                                  f"sample alone"


def go_backwards(s: Setup):
    out, final = s.layer(go_backwards=True)(s.x, initial_state=s.state, lengths=s.lengths)
    pairs = []
    for n, k in enumerate(s.lengths.tolist()):
        out_n, final_n = s.layer()(s.x[n:n + 1, :k].flip(1), initial_state=s.sample_state(n))
        pairs += [(f"sample {n} outputs", out[n:n + 1, :k], out_n),
                  (f"sample {n} final state", map_state(lambda t: t[n:n + 1], final), final_n)]
    return largest(pairs), EXACT, "against each sample's valid steps reversed and read forward"


def bidirectional(s: Setup):
    backward_cell = redrawn(s.cell, s.seed + 2)
    both = Bidirectional(s.layer(), backward_layer=s.layer(backward_cell, go_backwards=True))
    out, (final_f, final_b) = both(s.x, lengths=s.lengths)
    H = s.cell.output_size
    pairs = []
    for n, k in enumerate(s.lengths.tolist()):
        x_n = s.x[n:n + 1, :k]                                                  # (1, k, F)
        out_f, state_f = s.layer()(x_n)
        out_b, state_b = s.layer(backward_cell)(x_n.flip(1))
        pairs += [(f"sample {n} forward half", out[n:n + 1, :k, :H], out_f),
                  (f"sample {n} backward half", out[n:n + 1, :k, H:], out_b.flip(1)),
                  (f"sample {n} states", (map_state(lambda t: t[n:n + 1], final_f),
                                          map_state(lambda t: t[n:n + 1], final_b)), (state_f, state_b))]
    return largest(pairs), EXACT, "concat merge against a forward and a backward layer run apart"


def stacked(s: Setup):
    top = s.make_top()
    stack = Stacked(RNN(s.cell, return_sequences=True), s.layer(top))
    top_start = top.zero_state(s.x)
    out, finals = stack(s.x, initial_state=[s.state, top_start], lengths=s.lengths)
    mid, state_1 = s.layer()(s.x, initial_state=s.state, lengths=s.lengths)
    expected, state_2 = s.layer(top)(mid, initial_state=top_start, lengths=s.lengths)
    return largest([("outputs", out, expected), ("states", list(finals), [state_1, state_2])]), EXACT, \
        f"over {type(top).__name__}({top.input_size}, {top.hidden_size}), against the two layers by hand"


def variational(s: Setup):
    cell, x = s.cell, s.x
    layers = [s.layer(dropout=DROPOUT, recurrent_dropout=DROPOUT, weight_dropout=DROPOUT, generator=s.seed).train()
              for _ in range(2)]
    first, again = [layer(x, initial_state=s.state)[0] for layer in layers]
    masks = cell.draw_masks(s.x0, DROPOUT, DROPOUT, DROPOUT, True, torch.Generator().manual_seed(s.seed))
    state, ys = s.state, []
    for x_t in x.unbind(1):
        y, state = cell.step(cell.project_input(x_t, masks), state, masks=masks)
        ys.append(y)
    by_hand = torch.stack(ys, dim=1)                                            # (N, L, H)
    shared = s.layer(dropout=0.5, per_gate_masks=False, generator=s.seed).train()
    m = cell.draw_masks(s.x0, 0.5, per_gate=False, generator=torch.Generator().manual_seed(s.seed)).input[0]
    dropped = shared(x, initial_state=s.state)[0]
    on_masked_input = s.layer().eval()(x * m.unsqueeze(1), initial_state=s.state)[0]   # (N, 1, F) mask, every t
    connect = s.layer(weight_dropout=0.5, generator=s.seed).train()(x, initial_state=s.state)[0]
    w = cell.draw_masks(s.x0, weight_dropout=0.5, generator=torch.Generator().manual_seed(s.seed)).weight_hh
    masked = copy.deepcopy(cell)
    with torch.no_grad():
        masked.weight_hh.copy_(w)                                               # the call's W_h * M / (1 - p)
    on_masked_weight = s.layer(masked).eval()(x, initial_state=s.state)[0]
    if largest([("eval", dropped, s.layer().eval()(x, initial_state=s.state)[0])]) == 0.0:
        raise AssertionError("dropout=0.5 changed nothing: the cell ignores the masks it is given "
                             "(input_product/recurrent_product apply them)")
    return largest([("two calls from one seed", first, again), ("one draw, stepped by hand", first, by_hand),
                    ("shared input mask against eval on x * m", dropped, on_masked_input),
                    ("DropConnect against eval with W_h masked", connect, on_masked_weight)]), EXACT, \
        f"dropout = recurrent_dropout = weight_dropout = {DROPOUT}: masks drawn once per call, used at every step"


def dtype_and_device(s: Setup):
    layer = s.layer()
    out64, _ = layer(s.x, initial_state=s.state, lengths=s.lengths)
    cell32 = copy.deepcopy(s.cell).float()
    x32, state32 = s.x.float(), map_state(torch.Tensor.float, s.state)
    out32, final32 = s.layer(cell32)(x32, initial_state=state32, lengths=s.lengths)
    y, new = cell32(x32[:, 0], state32)
    for what, t in [("the layer's outputs", out32), ("the cell's output", y),
                    *[("the final state", t) for t in state_tensors(final32)],
                    *[("the cell's new state", t) for t in state_tensors(new)]]:
        if t.dtype != torch.float32:
            raise AssertionError(f"float32 input gave {what} in {t.dtype}")
    worst = largest([("float32 against float64", out32.double(), out64)])
    if worst > FLOAT32:
        raise AssertionError(f"float32 outputs differ from float64 by {worst:.3e} (more than {FLOAT32:g})")
    detail = "float32 follows the input"
    if s.device.type != "cpu":
        on = copy.deepcopy(s.cell).to(s.device)
        move = lambda t: t.to(s.device)                                          # noqa: E731
        out_d, final_d = s.layer(on)(move(s.x), initial_state=map_state(move, s.state), lengths=s.lengths.to(s.device))
        for t in [out_d, *state_tensors(final_d)]:
            if t.device.type != s.device.type:
                raise AssertionError(f"input on {s.device} gave a result on {t.device}")
        worst = max(worst, largest([(f"{s.device} against cpu", out_d.cpu(), out64)]))
        detail += f"; {s.device} float64 against cpu"
    return worst, FLOAT32, detail


def trace(s: Setup):
    cell, x0 = s.cell, s.x0
    entries = {}
    cell.step(cell.project_input(x0), s.state, entries)
    for name, t in entries.items():
        if not isinstance(t, torch.Tensor) or t.dim() != 2 or t.shape[0] != x0.shape[0]:
            raise AssertionError(f"trace entry {name!r} must be an (N, ·) tensor, got "
                                 f"{tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__}")
    _, internals = trace_layer(RNN(cell, return_sequences=True), s.x, lengths=s.lengths)
    N, L = s.x.shape[:2]
    for name, t in internals.items():
        if tuple(t.shape[:2]) != (N, L):
            raise AssertionError(f"torchseq.trace entry {name!r} is {tuple(t.shape)}, not (N, L, ·)")
    return None, None, (f"entries {', '.join(entries)}" if entries else
                        "writes no entries: trace() and the study plots will have nothing to show")


def fast_path(s: Setup):
    layer = s.layer()
    kernel, why = choose(layer)
    if kernel is None:
        return "n/a", None, f"{why}: the layer runs this cell's step"

    class Readable(type(layer)):
        def forward(self, *args, **kwargs):
            with use_reference_path():
                return super().forward(*args, **kwargs)

    readable = copy.deepcopy(layer)
    readable.__class__ = Readable
    report = assert_modules_close(layer, readable, s.x, initial_state=s.state, lengths=s.lengths, tol=EXACT)
    return max(c.max_difference for c in report.comparisons), EXACT, f"{kernel.name} against step, with gradients"


def redrawn(cell: RecurrentCell, seed: int) -> RecurrentCell:
    """A float64 copy of ``cell`` whose every parameter is drawn uniformly from [-0.5, 0.5) (seeded), so that
    biases, peepholes and gains that start at 0 or 1 take part in every check."""
    cell = copy.deepcopy(cell).double()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.rand(p.shape, generator=generator, dtype=p.dtype) - 0.5)
    return cell


def top_cell(factory, cell: RecurrentCell) -> Callable[[], RecurrentCell]:
    """What reads the checked cell's outputs in the Stacked clause: the factory's cell (output_size ->
    hidden_size), a copy of the cell when it reads its own output size, else a SimpleRNNCell."""
    def make() -> RecurrentCell:
        if factory is not None:
            top = factory(cell.output_size, cell.hidden_size)
        elif cell.input_size == cell.output_size:
            top = copy.deepcopy(cell)
        else:
            top = SimpleRNNCell(cell.output_size, cell.hidden_size)
        return redrawn(top, 7)
    return make
