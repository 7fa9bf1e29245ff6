"""Parameter initialisation schemes of the cells.

``init="keras"`` (the default) is what the reference results were obtained with (Keras 2/3 defaults):
glorot-uniform input kernel, orthogonal recurrent kernel, zero bias, peephole weights glorot-uniform
on their 1-D shape. ``init="torch"`` is torch.nn's RNN init: every weight ~ U(-1/sqrt(H), 1/sqrt(H)).
torch.nn draws two biases that are summed; torchseq's single bias is drawn once from the same U.
Layer-norm gains start at 1 and shifts at 0 under both schemes.
"""
from __future__ import annotations

import math

import torch
from torch import nn

INIT_SCHEMES = ("keras", "torch")


def _torch_uniform_(w: torch.Tensor, hidden_size: int) -> None:
    bound = 1.0 / math.sqrt(hidden_size)
    nn.init.uniform_(w, -bound, bound)


@torch.no_grad()
def input_kernel_(w: torch.Tensor, scheme: str, hidden_size: int) -> None:
    """weight_ih (G*H, F). Keras glorot-uniform: fan_in = F, fan_out = G*H, as for its (F, G*H) kernel."""
    if scheme == "keras":
        nn.init.xavier_uniform_(w)
    else:
        _torch_uniform_(w, hidden_size)


@torch.no_grad()
def recurrent_kernel_(w: torch.Tensor, scheme: str, hidden_size: int) -> None:
    """weight_hh (G*H, H). Keras orthogonal on the whole (H, G*H) kernel = orthonormal columns here."""
    if scheme == "keras":
        nn.init.orthogonal_(w)
    else:
        _torch_uniform_(w, hidden_size)


@torch.no_grad()
def bias_(b: torch.Tensor, scheme: str, hidden_size: int) -> None:
    if scheme == "keras":
        nn.init.zeros_(b)
    else:
        _torch_uniform_(b, hidden_size)


@torch.no_grad()
def peephole_(w: torch.Tensor, scheme: str, hidden_size: int) -> None:
    """A diagonal peephole weight (H,). Keras glorot on a 1-D shape: fan_in = fan_out = H."""
    if scheme == "keras":
        bound = math.sqrt(6.0 / (2 * w.shape[0]))
        nn.init.uniform_(w, -bound, bound)
    else:
        _torch_uniform_(w, hidden_size)
