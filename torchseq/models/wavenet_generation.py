"""Autoregressive sampling from a WaveNet, fast and slow.

Fast (Paine et al. 2016, "Fast Wavenet Generation Algorithm", arXiv 1611.09482): a causal convolution's
output y_t = b + Σ_j W_j x_{t - d(K-1-j)} is assembled as its inputs arrive. When x_t comes in, its
contributions W_j x_t to the outputs it will feed -- now, and d, 2d, .. steps later -- are computed at once
(one matrix product for all taps) and added into a ring of partial sums holding the next d(K-1) outputs:
each new sample costs one step of every layer, O(layers), never a pass over the past. The ring starts at
zero, which is what the causal padding of the full network feeds the same positions, so fast generation
computes exactly what the full network computes (checked against it to rounding, and sample for sample).
The one-hot input convolution becomes a row lookup; each block's 1x1 residual and skip convolutions are
one product; the gate is the block's own. The step is bound by framework calls, not arithmetic (a few
hundred per sample at about a microsecond each), hence ``narrow`` where ``[:, :k]`` would cost two.

Slow (``fast=False``): every new sample reruns the whole network over everything generated so far (the
whole context), the way a naive implementation does.

Both draw each sample with the same sampler from the same random stream, so given the same generator
they produce the same samples -- the test of the fast path.
"""
from __future__ import annotations

from typing import List, Optional

import torch

from .._validate import check_generator, check_positive_float, check_size
from ..layers import Conv1D
from .wavenet import ResidualBlock, WaveNet


class FutureSums:
    """Partial sums of one causal convolution's next d(K-1) outputs (Paine et al.'s queue)."""

    def __init__(self, conv: Conv1D, batch: int):
        if conv.groups != 1 or conv.strides != 1 or conv.padding != "causal":
            raise ValueError("fast generation needs causal, ungrouped, unstrided convolutions")
        K, self.dilation, self.filters = conv.kernel_size, conv.dilation_rate, conv.filters
        # Column block m is tap K-1-m: the current input's share of the output m*d steps ahead; the bias
        # belongs to the output due now (block 0).
        self.weight = torch.cat([conv.weight[:, :, K - 1 - m].T for m in range(K)], dim=1)   # (C, K*O)
        self.bias = torch.zeros_like(self.weight[0])                                 # (K*O,)
        if conv.bias is not None:
            self.bias[:self.filters] = conv.bias
        self.size = conv.span - 1                                                    # d(K-1)
        zeros = conv.weight.new_zeros(batch, self.filters)
        self.sums = [zeros] * self.size                                              # d(K-1) x (N, O)
        self.slot = 0                                                                # the sum due now

    def shares(self, x: torch.Tensor) -> torch.Tensor:
        """x_t (N, C) -> its shares (N, K*O) = b + x_t · [W_{K-1} | .. | W_0]."""
        return torch.addmm(self.bias, x, self.weight)

    def output(self, shares: torch.Tensor) -> torch.Tensor:
        """y_t (N, O) = the current input's share + the older inputs' shares; file the new shares."""
        O, K = self.filters, shares.shape[1] // self.filters
        if not self.size:
            return shares.narrow(1, 0, O)
        y = shares.narrow(1, 0, O) + self.sums[self.slot]
        self.sums[self.slot] = shares.narrow(1, (K - 1) * O, O)                      # due (K-1)d on: this slot
        for m in range(1, K - 1):
            later = (self.slot + m * self.dilation) % self.size
            self.sums[later] = self.sums[later] + shares.narrow(1, m * O, O)
        self.slot = (self.slot + 1) % self.size
        return y


def _pointwise(conv: Conv1D):
    """A 1x1 convolution as (weight (C, O), bias (O,)) for a matrix product."""
    return conv.weight[:, :, 0].T, conv.bias


class FastState:
    """The partial sums of one generation run and its precomputed conditioning; ``step`` advances one sample."""

    def __init__(self, model: WaveNet, batch: int, h: Optional[torch.Tensor], y: Optional[torch.Tensor]):
        self.input_sums = FutureSums(model.input_conv, batch)
        self.input_rows = self.input_sums.weight + self.input_sums.bias              # one-hot · W + b = a row
        self.sums = [FutureSums(block.dilated, batch) for block in model.blocks]
        # Each block's 1x1 residual and skip convolutions as one (G, R + S) product, whose output adds to
        # the running [x | sum of skips] in one step.
        self.out_weight = [torch.cat([b.residual.weight[:, :, 0].T, b.skip.weight[:, :, 0].T], dim=1)
                           for b in model.blocks]
        self.out_bias = [torch.cat([b.residual.bias, b.skip.bias]) for b in model.blocks]
        self.conditioning = [block.conditioning(h, y) for block in model.blocks]    # (N, 1 or T, 2G) or None
        self.head = [_pointwise(model.head_hidden), _pointwise(model.head_out)]
        self.residual = model.input_conv.filters
        self.t = 0

    def step(self, x_t: torch.Tensor) -> torch.Tensor:
        """Classes x_t (N,) at step t -> logits (N, Q) for step t + 1."""
        R = self.residual
        first = self.input_sums.output(self.input_rows[x_t])                          # (N, R)
        state = torch.cat([first, first.new_zeros(first.shape[0], self.out_weight[0].shape[1] - R)], dim=1)
        for sums, w_out, b_out, cond in zip(self.sums, self.out_weight, self.out_bias, self.conditioning):
            a = sums.output(sums.shares(state.narrow(1, 0, R)))                       # dilated conv of x, (N, 2G)
            if cond is not None:
                a = a + cond[:, self.t if cond.shape[1] > 1 else 0]                   # global: (N, 1, 2G)
            state = state + torch.addmm(b_out, ResidualBlock.gate(a), w_out)          # [x + W_res z | s + W_skip z]
        self.t += 1
        (w1, b1), (w2, b2) = self.head                                                # ReLU, 1x1, ReLU, 1x1
        skips = state.narrow(1, R, state.shape[1] - R)
        return torch.addmm(b2, torch.relu(torch.addmm(b1, torch.relu(skips), w1)), w2)  # (N, Q)


def sample(logits: torch.Tensor, temperature: float, greedy: bool, generator) -> torch.Tensor:
    """One class per row of logits (N, Q): argmax when greedy, else the inverse CDF of
    softmax(logits / temperature) at u ~ U(0, 1) drawn from ``generator``."""
    if greedy:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.double() / temperature, dim=-1)                      # (N, Q)
    device = logits.device if generator is None else generator.device
    u = torch.rand(logits.shape[0], 1, generator=generator, device=device, dtype=torch.float64).to(logits.device)
    return (probs.cumsum(dim=-1) < u).sum(dim=-1).clamp(max=logits.shape[-1] - 1)


@torch.inference_mode()
def generate(model: WaveNet, n_samples: int, prime: Optional[torch.Tensor] = None, batch_size: int = 1,
             global_cond: Optional[torch.Tensor] = None, local_cond: Optional[torch.Tensor] = None,
             temperature: float = 1.0, greedy: bool = False, generator=None, fast: bool = True) -> torch.Tensor:
    """Sample ``n_samples`` new classes after ``prime``: returns (N, n_samples) int64.

    Args:
        prime: (N, L0) classes the generation continues (default: one silence sample, class Q/2).
        batch_size: N when there is no prime.
        global_cond: (N,) class ids; local_cond: (N, L_c, C_l) features covering the L0 + n_samples - 1
            input positions after upsampling (aligned with the network's inputs: prime, then samples).
        temperature: softmax temperature; greedy: take the argmax instead of sampling.
        generator: None (global), a torch.Generator or an int seed, for the sampling draws.
        fast: partial sums (O(layers) per sample) or recomputation over the whole context.
    """
    n_samples = check_size("n_samples", n_samples)
    temperature = check_positive_float("temperature", temperature)
    generator = check_generator("generator", generator)
    device = model.input_conv.weight.device
    if prime is None:
        silence = model.quantization_channels // 2
        prime = torch.full((check_size("batch_size", batch_size), 1), silence, dtype=torch.int64, device=device)
    if not isinstance(prime, torch.Tensor) or prime.dim() != 2:
        raise TypeError("prime must be an int64 tensor of classes shaped (N, L0), got "
                        + (f"shape {tuple(prime.shape)}" if isinstance(prime, torch.Tensor) else type(prime).__name__))
    h, y = model.check_inputs(prime, global_cond, local_cond, length=prime.shape[1] + n_samples - 1, name="prime")
    was_training = model.training
    model.eval()
    try:
        if fast:
            return _generate_fast(model, n_samples, prime, h, y, temperature, greedy, generator)
        return _generate_slow(model, n_samples, prime, h, y, temperature, greedy, generator)
    finally:
        model.train(was_training)


def _generate_fast(model, n_samples, prime, h, y, temperature, greedy, generator) -> torch.Tensor:
    state = FastState(model, prime.shape[0], h, y)
    for t in range(prime.shape[1]):                                                   # run through the prime
        logits = state.step(prime[:, t])
    samples: List[torch.Tensor] = []
    for i in range(n_samples):
        samples.append(sample(logits, temperature, greedy, generator))
        if i + 1 < n_samples:
            logits = state.step(samples[-1])
    return torch.stack(samples, dim=1)                                                # (N, n_samples)


def _generate_slow(model, n_samples, prime, h, y, temperature, greedy, generator) -> torch.Tensor:
    sequence = prime
    for _ in range(n_samples):
        context = None if y is None else y[:, :sequence.shape[1]]
        logits = model.run(sequence, h, context)[:, -1]                               # the whole context, again
        sequence = torch.cat([sequence, sample(logits, temperature, greedy, generator).unsqueeze(1)], dim=1)
    return sequence[:, prime.shape[1]:]
