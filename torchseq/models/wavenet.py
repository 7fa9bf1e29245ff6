"""WaveNet (van den Oord et al. 2016, arXiv 1609.03499): gated dilated causal convolutions with residual
and skip connections over μ-law classes, optionally conditioned on a class (global) or a feature
sequence (local). Fast generation is in :mod:`torchseq.models.wavenet_generation`."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_count, check_size
from ..layers import Conv1D


class ResidualBlock(nn.Module):
    r"""One gated residual layer (van den Oord et al. 2016, sections 2.3-2.5, figure 4):

    .. math::
        a &= W_{k} * x \;[+\, V_{k} h \;+\, V'_{k} * y] \qquad (k \in \{f, g\}: \text{the two halves of } a) \\
        z &= \tanh(a_f) \odot \sigma(a_g) \\
        x' &= x + W_{res} z, \qquad s = W_{skip} z

    with * the causal dilated convolution, h the global and y the (upsampled) local conditioning.
    The tanh is applied once (the book's notebook applies it twice, a known bug).
    """

    def __init__(self, residual_channels: int, gate_channels: int, skip_channels: int, kernel_size: int,
                 dilation: int, global_channels: int = 0, local_channels: int = 0, **conv_options):
        super().__init__()
        self.dilated = Conv1D(residual_channels, 2 * gate_channels, kernel_size, padding="causal",
                              dilation_rate=dilation, **conv_options)
        self.global_projection = nn.Linear(global_channels, 2 * gate_channels, bias=False,
                                           device=self.dilated.weight.device,
                                           dtype=self.dilated.dtype) if global_channels else None
        self.local_projection = Conv1D(local_channels, 2 * gate_channels, 1, bias=False,
                                       **conv_options) if local_channels else None
        self.residual = Conv1D(gate_channels, residual_channels, 1, **conv_options)
        self.skip = Conv1D(gate_channels, skip_channels, 1, **conv_options)

    @staticmethod
    def gate(a: torch.Tensor) -> torch.Tensor:
        """z = tanh(a_f) * sigmoid(a_g) over the two halves of the last dimension."""
        a_f, a_g = a.chunk(2, dim=-1)
        return torch.tanh(a_f) * torch.sigmoid(a_g)

    def forward(self, x: torch.Tensor, conditioning: Optional[torch.Tensor] = None):
        """x (N, L, R), conditioning (N, L, 2G) or (N, 1, 2G) or None -> (x' (N, L, R), skip (N, L, S))."""
        a = self.dilated(x)                                                           # (N, L, 2G)
        z = self.gate(a if conditioning is None else a + conditioning)                # (N, L, G)
        return x + self.residual(z), self.skip(z)

    def conditioning(self, global_h: Optional[torch.Tensor], local_y: Optional[torch.Tensor]):
        """V h (N, 1, 2G) + V' y (N, L, 2G), whichever are present, or None."""
        terms = []
        if global_h is not None:
            terms.append(self.global_projection(global_h).unsqueeze(1))             # (N, 1, 2G)
        if local_y is not None:
            terms.append(self.local_projection(local_y))                              # (N, L, 2G)
        return sum(terms) if terms else None


class WaveNet(nn.Module):
    """WaveNet over μ-law classes: x (N, L) int64 in [0, Q) -> logits (N, L, Q) for the next sample.

    logits[:, t] is the distribution of x[:, t + 1] given x[:, :t+1] (and the conditioning): the
    network is causal, so training uses ``cross_entropy(logits[:, :-1], x[:, 1:])``.

    Layout: one-hot input -> causal Conv1D(Q, R, ``input_kernel_size``) -> ``stacks`` x
    ``layers_per_stack`` :class:`ResidualBlock` with dilations 1, 2, 4, ... -> sum of the skips -> ReLU ->
    1x1 -> ReLU -> 1x1 -> logits (section 2.4).

    Args:
        quantization_channels: Q (256 for 8-bit μ-law). residual_channels: R. gate_channels: the
            channels of each tanh/sigmoid half. skip_channels: S. kernel_size: of the dilated convs.
        layers_per_stack, stacks: the depth; dilations 2^0 .. 2^(layers_per_stack-1), repeated.
        global_classes, global_channels: global conditioning on a class id (a speaker), embedded in
            ``global_channels`` dims; 0 classes disables it.
        local_channels, upsample_factor: local conditioning on a feature sequence (N, L_c, local_channels)
            at 1/``upsample_factor`` of the signal rate, upsampled by repetition; 0 channels disables it.
        init, device, dtype: passed to every Conv1D.
    """

    def __init__(self, quantization_channels: int = 256, residual_channels: int = 32, gate_channels: int = 32,
                 skip_channels: int = 128, kernel_size: int = 2, layers_per_stack: int = 10, stacks: int = 2,
                 input_kernel_size: int = 2, global_classes: int = 0, global_channels: int = 16,
                 local_channels: int = 0, upsample_factor: int = 1, init: str = "keras", device=None, dtype=None):
        super().__init__()
        opts = {"init": init, "device": device, "dtype": dtype}
        self.quantization_channels = check_size("quantization_channels", quantization_channels)
        self.upsample_factor = check_size("upsample_factor", upsample_factor)
        residual_channels, gate_channels, skip_channels, kernel_size, input_kernel_size = (
            check_size(name, value) for name, value in (
                ("residual_channels", residual_channels), ("gate_channels", gate_channels),
                ("skip_channels", skip_channels), ("kernel_size", kernel_size), ("input_kernel_size", input_kernel_size)))
        global_classes = check_count("global_classes", global_classes)
        local_channels = check_count("local_channels", local_channels)
        if global_classes:
            global_channels = check_size("global_channels", global_channels)
        self.local_channels = local_channels
        self.input_conv = Conv1D(quantization_channels, residual_channels, input_kernel_size, padding="causal", **opts)
        self.global_embedding = (nn.Embedding(global_classes, global_channels, device=device, dtype=dtype)
                                 if global_classes else None)
        dilations = [2 ** i for i in range(check_size("layers_per_stack", layers_per_stack))] * check_size("stacks", stacks)
        self.blocks = nn.ModuleList(
            ResidualBlock(residual_channels, gate_channels, skip_channels, kernel_size, d,
                          global_channels if global_classes else 0, local_channels, **opts) for d in dilations)
        self.head_hidden = Conv1D(skip_channels, skip_channels, 1, **opts)
        self.head_out = Conv1D(skip_channels, quantization_channels, 1, **opts)

    @property
    def receptive_field(self) -> int:
        """Input samples one output sees: the input conv's span plus (span - 1) of every dilated conv."""
        return self.input_conv.span + sum(block.dilated.span - 1 for block in self.blocks)

    @property
    def dtype(self) -> torch.dtype:
        return self.input_conv.dtype

    def head(self, skips: torch.Tensor) -> torch.Tensor:
        """ReLU -> 1x1 -> ReLU -> 1x1 on the summed skips: (N, L, S) -> logits (N, L, Q)."""
        return self.head_out(torch.relu(self.head_hidden(torch.relu(skips))))

    def one_hot(self, x: torch.Tensor) -> torch.Tensor:
        return F.one_hot(x, self.quantization_channels).to(self.dtype)               # (..., Q)

    def check_inputs(self, x: torch.Tensor, global_cond=None, local_cond=None, length: Optional[int] = None,
                     name: str = "x"):
        """Validate classes x (N, L), global_cond (N,), local_cond (N, L_c, C_l); returns the conditioning
        as (h (N, E) or None, y upsampled to the signal rate (N, >= length, C_l) or None)."""
        if not isinstance(x, torch.Tensor) or x.dtype != torch.int64 or x.dim() != 2:
            raise TypeError(f"{name} must be an int64 tensor of classes shaped (N, L), got "
                            + (f"{x.dtype} {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__))
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"{name} must hold at least one sample and one step (N, L), got shape {tuple(x.shape)}")
        if x.numel() and (x.min() < 0 or x.max() >= self.quantization_channels):
            raise ValueError(f"{name} must hold classes in [0, {self.quantization_channels - 1}], got values in "
                             f"[{x.min().item()}, {x.max().item()}]")
        N, length = x.shape[0], x.shape[1] if length is None else length
        h = None
        if (global_cond is None) != (self.global_embedding is None):
            raise ValueError("global_cond must be given exactly when the model has global_classes > 0")
        if global_cond is not None:
            if not isinstance(global_cond, torch.Tensor) or global_cond.shape != (N,) or global_cond.dtype != torch.int64:
                raise ValueError(f"global_cond must be an int64 tensor of shape (N,) = ({N},)")
            classes = self.global_embedding.num_embeddings
            if global_cond.min() < 0 or global_cond.max() >= classes:
                raise ValueError(f"global_cond must hold class ids in [0, {classes - 1}] (global_classes = {classes}), "
                                 f"got values in [{global_cond.min().item()}, {global_cond.max().item()}]")
            h = self.global_embedding(global_cond)                                    # (N, E)
        y = None
        if (local_cond is None) != (not self.local_channels):
            raise ValueError("local_cond must be given exactly when the model has local_channels > 0")
        if local_cond is not None:
            expected = f"(N, L_c, {self.local_channels}) with L_c * {self.upsample_factor} >= {length}"
            if (not isinstance(local_cond, torch.Tensor) or local_cond.dim() != 3 or local_cond.shape[0] != N
                    or local_cond.shape[2] != self.local_channels
                    or local_cond.shape[1] * self.upsample_factor < length):
                shown = tuple(local_cond.shape) if isinstance(local_cond, torch.Tensor) else type(local_cond).__name__
                raise ValueError(f"local_cond must be shaped {expected}, got {shown}")
            y = local_cond.repeat_interleave(self.upsample_factor, dim=1)             # (N, L_c * factor, C_l)
        return h, y

    def run(self, x: torch.Tensor, h: Optional[torch.Tensor], y: Optional[torch.Tensor]) -> torch.Tensor:
        """The network on checked inputs: classes x (N, L), h (N, E), y at the signal rate (N, L, C_l)."""
        out = self.input_conv(self.one_hot(x))                                        # (N, L, R)
        skips = 0
        for block in self.blocks:
            out, skip = block(out, block.conditioning(h, y))
            skips = skips + skip                                                      # (N, L, S)
        return self.head(skips)                                                       # (N, L, Q)

    def forward(self, x: torch.Tensor, global_cond: Optional[torch.Tensor] = None,
                local_cond: Optional[torch.Tensor] = None) -> torch.Tensor:
        h, y = self.check_inputs(x, global_cond, local_cond)
        return self.run(x, h, None if y is None else y[:, :x.shape[1]])

    def generate(self, n_samples: int, **options) -> torch.Tensor:
        """Sample ``n_samples`` classes autoregressively; see
        :func:`torchseq.models.wavenet_generation.generate` for the options."""
        from .wavenet_generation import generate
        return generate(self, n_samples, **options)
