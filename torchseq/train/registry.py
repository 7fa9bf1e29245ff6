"""Losses, metrics and optimisers by the names the lectures use, with Keras' defaults; objects pass through."""
from __future__ import annotations

from typing import Callable, Dict, Iterable, Union

import torch
import torch.nn.functional as F

KERAS_EPSILON = 1e-7


def like_outputs(p: torch.Tensor, y: torch.Tensor, what: str) -> torch.Tensor:
    """The targets y with the outputs' shape and dtype: one target per output, (N,) against (N, 1) included."""
    if y.numel() != p.numel():
        raise ValueError(f"{what} needs one target per output: the model returned {tuple(p.shape)} but the targets "
                         f"are {tuple(y.shape)}")
    return y.reshape(p.shape).to(p.dtype)


def binary_crossentropy(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """On probabilities (a sigmoid output, as Keras' Dense(1, activation='sigmoid')), clipped to
    [eps, 1 - eps] with Keras' eps = 1e-7."""
    y = like_outputs(p, y, "binary_crossentropy")
    p = p.clamp(KERAS_EPSILON, 1 - KERAS_EPSILON)
    return -(y * torch.log(p) + (1 - y) * torch.log1p(-p)).mean()


def _binary_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(z, like_outputs(z, y, "binary_crossentropy_from_logits"))


def _sparse_categorical(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Logits (N, ..., C) against int classes (N, ...) in [0, C)."""
    if y.is_floating_point() or y.dtype == torch.bool or tuple(y.shape) != tuple(z.shape[:-1]):
        raise ValueError(f"sparse_categorical_crossentropy needs integer classes shaped {tuple(z.shape[:-1])} for "
                         f"logits {tuple(z.shape)}, got {y.dtype} targets {tuple(y.shape)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= z.shape[-1]):
        raise ValueError(f"sparse_categorical_crossentropy: the classes must lie in [0, {z.shape[-1]}), got values "
                         f"in [{int(y.min())}, {int(y.max())}]")
    return F.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1))


LOSSES: Dict[str, Callable] = {
    "mse": lambda p, y: F.mse_loss(p, like_outputs(p, y, "mse")),
    "mae": lambda p, y: F.l1_loss(p, like_outputs(p, y, "mae")),
    "binary_crossentropy": binary_crossentropy,
    "binary_crossentropy_from_logits": _binary_logits,
    "sparse_categorical_crossentropy": _sparse_categorical,
}


def accuracy(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary (one output: p > 0.5, or logits > 0 for ``accuracy_from_logits``) or multi-class (argmax)."""
    if p.shape[-1] == 1 or p.shape == y.shape:
        return ((p.reshape(y.shape) > 0.5) == (y > 0.5)).float().mean()
    return (p.argmax(dim=-1) == y).float().mean()


METRICS: Dict[str, Callable] = {
    "mse": LOSSES["mse"], "mae": LOSSES["mae"], "accuracy": accuracy,
    "accuracy_from_logits": lambda z, y: accuracy(torch.sigmoid(z) if z.shape[-1] == 1 or z.shape == y.shape else z, y),
}


def resolve(kind: str, value: Union[str, Callable], table: Dict[str, Callable]) -> Callable:
    if callable(value):
        return value
    if not isinstance(value, str) or value not in table:
        shown = repr(value) if isinstance(value, (str, int, float)) else type(value).__name__
        raise ValueError(f"{kind} must be one of {', '.join(map(repr, table))} or a callable; got {shown}")
    return table[value]


def make_optimizer(value, parameters: Iterable[torch.nn.Parameter], lr=None) -> torch.optim.Optimizer:
    """"rmsprop" (Keras: lr 1e-3, rho 0.9, eps 1e-7), "adam" (lr 1e-3, eps 1e-7), "sgd" (lr 1e-2), or an
    optimizer already built on the model's parameters; ``lr``, when given (0 included), replaces the rate."""
    if isinstance(value, torch.optim.Optimizer):
        if lr is not None:
            for group in value.param_groups:
                group["lr"] = lr
        return value
    builders = {
        "rmsprop": lambda: torch.optim.RMSprop(parameters, lr=1e-3 if lr is None else lr, alpha=0.9, eps=KERAS_EPSILON),
        "adam": lambda: torch.optim.Adam(parameters, lr=1e-3 if lr is None else lr, eps=KERAS_EPSILON),
        "sgd": lambda: torch.optim.SGD(parameters, lr=1e-2 if lr is None else lr),
    }
    if not isinstance(value, str) or value not in builders:
        raise ValueError(f"optimizer must be one of {', '.join(map(repr, builders))} or a torch.optim.Optimizer; "
                         f"got {value!r}")
    return builders[value]()
