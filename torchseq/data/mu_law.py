"""μ-law companding and quantisation (ITU-T G.711; van den Oord et al. 2016, section 2.2)."""
from __future__ import annotations

import math

import torch

from .._validate import check_size


def mu_law_encode(x: torch.Tensor, quantization_channels: int = 256) -> torch.Tensor:
    r"""Signal in [-1, 1] -> integer classes 0 .. Q-1 (int64), Q = ``quantization_channels``, μ = Q - 1:

    .. math::
        f(x) = \operatorname{sign}(x) \frac{\ln(1 + \mu |x|)}{\ln(1 + \mu)}, \qquad
        q = \lfloor (f(x) + 1)/2 \cdot \mu + 1/2 \rfloor

    so silence (x = 0) is class Q/2 for even Q, -1 is 0 and 1 is Q - 1. Values outside [-1, 1] are an
    error (scale the signal first), never clipped silently.
    """
    q = check_size("quantization_channels", quantization_channels)
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor in [-1, 1], got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, torch.Tensor) else ""))
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"x holds {int((~torch.isfinite(x)).sum())} NaN or infinite values; mu-law encoding needs "
                         f"a signal in [-1, 1]")
    if x.numel() and (x.min() < -1 or x.max() > 1):
        raise ValueError(f"x must lie in [-1, 1] for mu-law encoding, got values in [{x.min().item():.4g}, "
                         f"{x.max().item():.4g}]; scale the signal first")
    mu = q - 1
    f = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)                  # compand to [-1, 1]
    return torch.floor((f + 1) / 2 * mu + 0.5).long()                               # quantise to 0 .. mu


def mu_law_decode(classes: torch.Tensor, quantization_channels: int = 256) -> torch.Tensor:
    r"""Classes 0 .. Q-1 -> signal in [-1, 1] (float32), the inverse companding of the class centre:

    .. math::
        y = 2 q / \mu - 1, \qquad x = \operatorname{sign}(y) \frac{(1 + \mu)^{|y|} - 1}{\mu}
    """
    q = check_size("quantization_channels", quantization_channels)
    if not isinstance(classes, torch.Tensor) or classes.is_floating_point() or classes.is_complex():
        raise TypeError(f"classes must be an integer tensor, got {type(classes).__name__}"
                        + (f" of dtype {classes.dtype}" if isinstance(classes, torch.Tensor) else ""))
    if classes.numel() and (classes.min() < 0 or classes.max() >= q):
        raise ValueError(f"classes must lie in [0, {q - 1}], got values in [{classes.min().item()}, "
                         f"{classes.max().item()}]")
    mu = q - 1
    y = 2 * classes.float() / mu - 1                                                # back to [-1, 1]
    return torch.sign(y) * torch.expm1(y.abs() * math.log1p(mu)) / mu               # expand
