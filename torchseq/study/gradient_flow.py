r"""Gradient flow through time: how much of the loss's gradient reaches each earlier step.

For a recurrent layer run on x (N, L, F) and a loss L computed from its outputs, the tool measures

.. math::
    g_t = \frac{1}{N} \sum_n \Bigl\| \frac{\partial L}{\partial h_t^{(n)}} \Bigr\|_2, \qquad t = 0 .. L-1,

the total derivative: through the output y_t = h_t and through every later step. Backpropagation through
time multiplies it by the step Jacobian once per step,

.. math::
    \frac{\partial L}{\partial h_{t-1}} \mathrel{+}= W_h^\top \bigl(\phi'(a_t) \odot \frac{\partial L}{\partial h_t}\bigr)
    \quad\text{(SimpleRNN)},

so with a loss on the last output g_t shrinks (or grows) roughly geometrically with the distance L-1-t,
at a rate set by W_h: the lecture's "largest eigenvalue > 1 explodes, < 1 vanishes"
(Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks").
The LSTM's cell state carries a path multiplied only by f_t, which is how it keeps the gradient alive.

How: the layer's own cell is stepped by hand (``project_input`` then ``step``, the readable equations) with
a zero probe added to each h_t; dL/d(probe_t) is dL/dh_t.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

import torch

from .._validate import check_sequence
from ..cells.base import RecurrentCell
from ..layers.rnn import RNN
from ..layers.time import reverse_time


def last_output_sum(outputs: torch.Tensor) -> torch.Tensor:
    """The default loss: the sum of the last step's outputs, outputs (N, L, H) -> scalar."""
    return outputs[:, -1].sum()


def gradient_norms(layer: RNN, x: torch.Tensor, loss_fn: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
                   initial_state=None) -> torch.Tensor:
    """||dL/dh_t|| for every step t, averaged over the batch: x (N, L, F) -> (L,), in x's dtype.

    ``layer`` is one torchseq recurrent layer (``RNN``, ``LSTM``, ...; for a ``Bidirectional`` or
    ``Stacked`` pass one of its layers). ``loss_fn`` maps the outputs (N, L, H) to a scalar (default:
    the sum of the last output). Dropout and zoneout are not applied (the deterministic network); with
    ``go_backwards`` the steps are in processing order, as the layer's outputs are.
    """
    if not isinstance(layer, RNN):
        raise TypeError(f"layer must be one torchseq recurrent layer (RNN, LSTM, GRU, ...), got "
                        f"{type(layer).__name__}; for Bidirectional or Stacked pass one of its layers")
    cell: RecurrentCell = layer.cell
    x = check_sequence(x, cell.input_size, cell.dtype)
    loss_fn = last_output_sum if loss_fn is None else loss_fn
    if layer.go_backwards:
        x = reverse_time(x)                                                             # (N, L, F), processing order
    x = x.detach()
    state = cell.zero_state(x) if initial_state is None else cell.check_state(initial_state, x)
    xp = cell.project_input(x.transpose(0, 1)).unbind(0)                               # L x (N, G, H)
    probes, outputs = [], []
    for xp_t in xp:
        y, state = cell.step(xp_t, state)
        probe = torch.zeros_like(y, requires_grad=True)                                 # (N, H), dL/dprobe = dL/dh_t
        probes.append(probe)
        y = y + probe
        state = (y, *state[1:]) if isinstance(state, tuple) else y                      # h_t + probe feeds on
        outputs.append(y)
    loss = loss_fn(torch.stack(outputs, dim=1))                                         # (N, L, H) -> scalar
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        raise ValueError(f"loss_fn must return a scalar tensor, got "
                         f"{tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__}")
    grads = torch.autograd.grad(loss, probes, allow_unused=True)
    return torch.stack([torch.zeros(x.shape[0], dtype=x.dtype, device=x.device) if g is None
                        else g.norm(dim=1) for g in grads]).mean(dim=1)                 # (L, N) -> (L,)


def spectral_radius(cell: RecurrentCell) -> Dict[str, float]:
    r"""``max |eigenvalue|`` of each gate's recurrent matrix W_hg (H, H): ``{gate: rho}`` in the cell's gate
    order (SimpleRNN: ``{"h": rho}``). For a SimpleRNN with tanh, rho(W_h) < 1 guarantees vanishing
    gradients over long spans (tanh' <= 1), while rho > 1 is necessary for them to explode
    (Pascanu et al. 2013). Accepts a cell or a layer holding one."""
    cell = cell.cell if isinstance(cell, RNN) else cell
    if not isinstance(cell, RecurrentCell):
        raise TypeError(f"cell must be a torchseq recurrent cell or layer, got {type(cell).__name__}")
    H = cell.hidden_size
    blocks = cell.weight_hh.detach().reshape(len(cell.gates), H, H)                    # (G, H, H)
    radii = torch.linalg.eigvals(blocks.double().cpu()).abs().amax(dim=-1)             # (G,)
    return {gate: float(r) for gate, r in zip(cell.gates, radii)}
