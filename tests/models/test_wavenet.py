"""WaveNet: the gated residual block against an independent formulation, causality of the whole network,
its receptive field, and fast (queued) generation equal to slow (recomputed) generation sample for sample."""
import pytest
import torch
import torch.nn.functional as F

from torchseq.data import mu_law_encode
from torchseq.models import SimpleWaveNet, WaveNet
from torchseq.models.wavenet_generation import FastState
from tests.tools import assert_close, randomize_

Q = 16


def small(**options):
    torch.manual_seed(0)
    defaults = dict(quantization_channels=Q, residual_channels=6, gate_channels=5, skip_channels=7,
                    layers_per_stack=3, stacks=2, dtype=torch.float64)
    return randomize_(WaveNet(**{**defaults, **options}), scale=0.4)


def conditioning(model, n, length, gen):
    g = torch.randint(0, 3, (n,), generator=gen) if model.global_embedding is not None else None
    l = (torch.randn(n, -(-length // model.upsample_factor), model.local_channels, generator=gen, dtype=torch.float64)
         if model.local_channels else None)
    return g, l


def test_block_is_the_gated_equation(gen):
    """x' = x + W_res z, s = W_skip z, z = tanh(a_f) * sigmoid(a_g), a = causal dilated conv of x (+ V h),
    computed here with F.conv1d on explicitly padded input."""
    model = small(global_classes=3)
    block = model.blocks[4]                                                    # dilation 2
    x = torch.randn(2, 11, 6, generator=gen, dtype=torch.float64)
    h = torch.randn(2, 16, generator=gen, dtype=torch.float64)
    out, skip = block(x, block.conditioning(h, None))
    d, k = block.dilated.dilation_rate, block.dilated.kernel_size
    a = F.conv1d(F.pad(x.transpose(1, 2), (d * (k - 1), 0)), block.dilated.weight, block.dilated.bias, dilation=d)
    a = a.transpose(1, 2) + (h @ block.global_projection.weight.T).unsqueeze(1)
    z = torch.tanh(a[..., :5]) * torch.sigmoid(a[..., 5:])
    res = z @ block.residual.weight[:, :, 0].T + block.residual.bias
    sk = z @ block.skip.weight[:, :, 0].T + block.skip.bias
    assert_close(out, x + res, what="residual output")
    assert_close(skip, sk, what="skip output")


@pytest.mark.parametrize("options", [{}, {"global_classes": 3}, {"local_channels": 2, "upsample_factor": 3}])
def test_whole_network_is_causal(options, gen):
    model = small(**options)
    x = torch.randint(0, Q, (2, 30), generator=gen)
    g, l = conditioning(model, 2, 30, gen)
    logits = model(x, g, l)
    for t in (1, 10, 29):
        changed = x.clone()
        changed[:, t:] = (changed[:, t:] + 5) % Q
        assert torch.equal(model(changed, g, l)[:, :t], logits[:, :t])
        assert not torch.equal(model(changed, g, l)[:, t:], logits[:, t:])


@pytest.mark.parametrize("kernel_size,input_kernel_size", [(2, 2), (3, 1), (2, 3)])
def test_receptive_field_from_the_architecture(kernel_size, input_kernel_size, gen):
    model = small(kernel_size=kernel_size, input_kernel_size=input_kernel_size, layers_per_stack=3, stacks=2)
    expected = input_kernel_size + 2 * (kernel_size - 1) * (1 + 2 + 4)
    assert model.receptive_field == expected
    x = torch.randint(0, Q, (1, 60), generator=gen)
    last = model(x)[0, -1]
    reach = [t for t in range(60) if not torch.equal(model(torch.where(torch.arange(60) == t, (x + 3) % Q, x))[0, -1], last)]
    assert 60 - min(reach) == expected


@pytest.mark.parametrize("options", [
    {"layers_per_stack": 1, "stacks": 1}, {"layers_per_stack": 4, "stacks": 1}, {"layers_per_stack": 3, "stacks": 3},
    {"kernel_size": 3, "input_kernel_size": 1}, {"global_classes": 3},
    {"local_channels": 2, "upsample_factor": 4}, {"global_classes": 2, "local_channels": 3, "kernel_size": 3}])
@pytest.mark.parametrize("greedy", [False, True], ids=["sampled", "greedy"])
def test_fast_generation_equals_slow(options, greedy, gen):
    model = small(**options)
    prime = torch.randint(0, Q, (2, 7), generator=gen)
    g, l = conditioning(model, 2, 7 + 50, gen)
    fast = model.generate(50, prime=prime, global_cond=g, local_cond=l, greedy=greedy, generator=11)
    slow = model.generate(50, prime=prime, global_cond=g, local_cond=l, greedy=greedy, generator=11, fast=False)
    assert fast.shape == (2, 50) and torch.equal(fast, slow)
    if not greedy:                                                             # greedy may settle on one class
        assert len(set(fast[0].tolist())) > 1


def test_step_logits_equal_teacher_forced_logits(gen):
    """Stronger than equal samples: the queued step gives the full network's logits at every position."""
    model = small(global_classes=3, local_channels=2, upsample_factor=2)
    x = torch.randint(0, Q, (2, 25), generator=gen)
    g, l = conditioning(model, 2, 25, gen)
    full = model(x, g, l)
    h, y = model.check_inputs(x, g, l)
    state = FastState(model, 2, h, y)
    stepped = torch.stack([state.step(x[:, t]) for t in range(25)], dim=1)
    assert_close(stepped, full, what="step vs full logits")


def test_sampling_follows_the_generator_and_temperature(gen):
    model = small()
    a = model.generate(30, batch_size=3, generator=1)
    assert torch.equal(a, model.generate(30, batch_size=3, generator=1))
    assert not torch.equal(a, model.generate(30, batch_size=3, generator=2))
    cold = model.generate(30, batch_size=3, generator=1, temperature=1e-4)
    assert torch.equal(cold, model.generate(30, batch_size=3, greedy=True))


def test_a_small_wavenet_learns_a_periodic_signal():
    torch.manual_seed(0)
    model = WaveNet(quantization_channels=Q, residual_channels=8, gate_channels=8, skip_channels=8,
                    layers_per_stack=3, stacks=1)
    wave = torch.sin(torch.arange(96) * 2 * torch.pi / 8).unsqueeze(0) * 0.9
    x = mu_law_encode(wave, Q)                                                 # (1, 96)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(x)[:, :-1].reshape(-1, Q), x[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]
    continued = model.generate(16, prime=x[:, :16], greedy=True)
    assert (continued == x[:, 16:32]).float().mean() > 0.9                      # it continues the period


def test_simple_wavenet_shapes_and_causality(gen):
    model = SimpleWaveNet(dtype=torch.float64)
    x = torch.randn(2, 50, 1, generator=gen, dtype=torch.float64)
    y = model(x)
    assert y.shape == (2, 50, 10)
    changed = x.clone()
    changed[:, 20:] = 0
    assert torch.equal(model(changed)[:, :20], y[:, :20])


def test_bad_inputs():
    model = small(global_classes=3)
    x = torch.randint(0, Q, (2, 10))
    with pytest.raises(TypeError, match=r"x must be an int64 tensor of classes shaped \(N, L\), got torch.float32"):
        model(x.float(), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"x must hold classes in \[0, 15\], got values in \[0, 16\]"):
        model(torch.tensor([[0, 16]]), torch.tensor([0]))
    with pytest.raises(ValueError, match="global_cond must be given exactly when the model has global_classes > 0"):
        model(x)
    local = small(local_channels=2, upsample_factor=4)
    with pytest.raises(ValueError, match=r"local_cond must be shaped \(N, L_c, 2\) with L_c \* 4 >= 10, got \(2, 2, 2\)"):
        local(x, local_cond=torch.zeros(2, 2, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="n_samples must be a positive int, got 0"):
        model.generate(0, global_cond=torch.tensor([0]))
    with pytest.raises(ValueError, match="temperature must be a positive finite float"):
        model.generate(3, global_cond=torch.tensor([0]), temperature=0.0)
