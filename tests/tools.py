"""Helpers shared by the tests: tolerances, comparisons, random states and bridging to the NumPy reference."""
import numpy as np
import torch

# |ours - ref| <= TOL * (1 + |ref|) elementwise: absolute on O(1) values, relative on large gradients.
TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def assert_close(actual, expected, dtype=torch.float64, what=""):
    tol = TOL[dtype]
    expected = torch.as_tensor(expected, dtype=actual.dtype, device=actual.device)
    torch.testing.assert_close(actual, expected, rtol=tol, atol=tol, msg=lambda m: f"{what}: {m}")


def params_numpy(cell):
    """A cell's parameters as float64 NumPy arrays by name, for the NumPy reference."""
    return {name: p.detach().cpu().double().numpy() for name, p in cell.named_parameters()}


def randomize_(module, scale=0.5, generator=None):
    """Overwrite every parameter with U(-scale, scale) (avoids testing only the init's special values)."""
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-scale, scale, generator=generator)
    return module


def per_sample_states(state):
    """(N, H) tensor or (h, c) tuple -> list of per-sample NumPy states, as the reference loop takes."""
    if isinstance(state, torch.Tensor):
        return [s.detach().double().numpy() for s in state]
    h, c = state
    return [(a.detach().double().numpy(), b.detach().double().numpy()) for a, b in zip(h, c)]


def stack_finals(finals):
    """Per-sample NumPy states from the reference -> one (N, H) array, or an (h, c) pair of them."""
    if isinstance(finals[0], tuple):
        return np.stack([f[0] for f in finals]), np.stack([f[1] for f in finals])
    return np.stack(finals)


def weighted_sum(tensors, generator):
    """A scalar loss touching every element with a random O(1) weight, so no gradient hides by symmetry."""
    total = 0
    for t in tensors:
        w = torch.randn(t.shape, generator=generator, dtype=t.dtype).to(t.device)
        total = total + (t * w).sum()
    return total
