"""Keras' Dense layer: a fully connected layer over the last axis, initialised as Keras initialises it."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .._validate import check_bool, check_choice, check_size
from .conv import ACTIVATIONS


class Dense(nn.Linear):
    """y = phi(x W^T + b) over the last axis: (..., in_features) -> (..., out_features).

    On a sequence (N, L, F) it acts at every step, which is Keras' ``TimeDistributed(Dense(k))``.

    Args:
        activation: None, "relu", "tanh" or "sigmoid" (Keras' argument).
        init: "keras" (glorot-uniform W with fan_in = in_features, fan_out = out_features, zero b: Keras'
            defaults, which the books' results were trained from) or "torch" (nn.Linear's kaiming-uniform).
    """

    def __init__(self, in_features: int, out_features: int, activation: Optional[str] = None, bias: bool = True,
                 init: str = "keras", device=None, dtype=None):
        self.init = check_choice("init", init, ("keras", "torch"))
        in_features, out_features = check_size("in_features", in_features), check_size("out_features", out_features)
        super().__init__(in_features, out_features, bias=check_bool("bias", bias), device=device, dtype=dtype)
        self.activation = check_choice("activation", activation, tuple(ACTIVATIONS))

    def reset_parameters(self) -> None:
        if self.init == "torch":
            return super().reset_parameters()
        nn.init.xavier_uniform_(self.weight)                                           # U(+-sqrt(6 / (fan_in + fan_out)))
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() == 0:
            raise TypeError(f"x must be a tensor (..., in_features), got {type(x).__name__}"
                            + (" of 0 dimensions" if isinstance(x, torch.Tensor) else ""))
        if x.shape[-1] != self.in_features:
            raise ValueError(f"x must have in_features = {self.in_features} in its last dimension, got shape "
                             f"{tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
        y = super().forward(x)
        return y if self.activation is None else ACTIVATIONS[self.activation](y)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", activation={self.activation}, init={self.init}"
