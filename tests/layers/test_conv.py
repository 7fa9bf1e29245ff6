"""Conv1D against nn.Conv1d in float64 (outputs and gradients, weights copied with from_torch) over a grid
of kernel sizes, strides, dilations, paddings and groups; gradcheck; output lengths; causality; errors."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import torchseq as ts
from torchseq.interop import from_torch
from tests.tools import assert_close

# Every valid combination: strides > 1 excludes dilation > 1 (as Keras) and causal padding (both refused,
# see test_bad_configurations_and_inputs).
GRID = [(k, s, d, g, p) for k, s, d, g, p in itertools.product((1, 2, 3, 4, 5), (1, 2, 3), (1, 2, 3), (1, 2, 4),
                                                               ("valid", "same", "causal"))
        if not (s > 1 and d > 1) and not (p == "causal" and s > 1)]


def torch_reference(conv, x):
    """nn.Conv1d with the same weights on the explicitly padded input; (N, L, C) in and out."""
    before, after = conv.padding_amounts(x.shape[1])
    ref = nn.Conv1d(conv.in_channels, conv.filters, conv.kernel_size, stride=conv.strides,
                    dilation=conv.dilation_rate, groups=conv.groups, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(conv.weight)
        ref.bias.copy_(conv.bias)
    return ref, ref(F.pad(x.transpose(1, 2), (before, after))).transpose(1, 2)


@pytest.mark.parametrize("k,s,d,g,padding", GRID)
def test_conv_equals_torch(k, s, d, g, padding, gen):
    conv = ts.Conv1D(8, 12, k, strides=s, padding=padding, dilation_rate=d, groups=g, init="torch", dtype=torch.float64)
    x = torch.randn(3, 14, 8, generator=gen, dtype=torch.float64, requires_grad=True)
    y = conv(x)
    assert y.shape[1] == conv.output_length(14)
    x_ref = x.detach().clone().requires_grad_()
    ref, y_ref = torch_reference(conv, x_ref)
    assert_close(y, y_ref, what="outputs")
    w = torch.randn(y.shape, generator=gen, dtype=torch.float64)
    grads = torch.autograd.grad((y * w).sum(), [x, conv.weight, conv.bias])
    refs = torch.autograd.grad((y_ref * w).sum(), [x_ref, ref.weight, ref.bias])
    for a, b, name in zip(grads, refs, ("x", "weight", "bias")):
        assert_close(a, b, what=f"d/d{name}")


@pytest.mark.parametrize("module", [nn.Conv1d(6, 4, 3), nn.Conv1d(6, 4, 4, padding="same", dilation=2),
                                    nn.Conv1d(6, 4, 5, padding=2), nn.Conv1d(6, 8, 3, stride=2, groups=2, bias=False)])
def test_from_torch_conv(module, gen):
    module = module.double()
    ours = from_torch(module)
    x = torch.randn(2, 11, 6, generator=gen, dtype=torch.float64)
    assert_close(ours(x), module(x.transpose(1, 2)).transpose(1, 2), what=repr(module))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_output_lengths_match_torch_and_the_formulas():
    for L in range(5, 30):
        for k, s in ((3, 1), (4, 1), (3, 2), (5, 3), (2, 4)):
            same = ts.Conv1D(2, 2, k, strides=s, padding="same")
            assert same.output_length(L) == math.ceil(L / s)
            valid = ts.Conv1D(2, 2, k, strides=s)
            assert valid.output_length(L) == nn.Conv1d(2, 2, k, stride=s)(torch.zeros(1, 2, L)).shape[-1]
            if s == 1:
                assert sum(same.padding_amounts(L)) == k - 1
                torch_same = nn.Conv1d(2, 2, k, padding="same")
                assert torch_same(torch.zeros(1, 2, L)).shape[-1] == L


@pytest.mark.parametrize("k,d", [(1, 1), (2, 1), (2, 8), (3, 4)])
def test_causal_never_looks_ahead(k, d, gen):
    conv = ts.Conv1D(3, 4, k, padding="causal", dilation_rate=d, dtype=torch.float64)
    x = torch.randn(2, 20, 3, generator=gen, dtype=torch.float64)
    y = conv(x)
    for t in (0, 5, 19):
        changed = x.clone()
        changed[:, t:] = torch.randn(2, 20 - t, 3, generator=gen, dtype=torch.float64)
        assert torch.equal(conv(changed)[:, :t], y[:, :t])
        assert not torch.equal(conv(changed)[:, t:], y[:, t:])


def test_step_is_the_forward_at_one_position(gen):
    conv = ts.Conv1D(3, 5, 3, padding="causal", dilation_rate=2, activation="tanh", dtype=torch.float64)
    x = torch.randn(2, 9, 3, generator=gen, dtype=torch.float64)
    taps = x[:, [4, 6, 8]]                                                     # t = 8: t - 4, t - 2, t
    assert_close(conv.step(taps), conv(x)[:, 8], what="step vs forward")


def test_gradcheck_tiny(gen):
    conv = ts.Conv1D(4, 2, 3, strides=2, padding="same", groups=2, init="torch", dtype=torch.float64)
    x = torch.randn(2, 7, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    w = conv.weight.detach().clone().requires_grad_()
    b = conv.bias.detach().clone().requires_grad_()
    f = lambda x, w, b: torch.func.functional_call(conv, {"weight": w, "bias": b}, (x,))   # noqa: E731
    assert torch.autograd.gradcheck(f, (x, w, b))


def test_activation_and_init():
    torch.manual_seed(0)
    conv = ts.Conv1D(6, 128, 7)                                                # Keras glorot: fans 42 and 896
    bound = math.sqrt(6 / (7 * 6 + 7 * 128))
    assert conv.weight.abs().max() <= bound and conv.weight.abs().max() > 0.9 * bound
    assert torch.count_nonzero(conv.bias) == 0
    assert sum(p.numel() for p in conv.parameters()) == 5504                  # the seed's Conv1D(128, 7) on 6 features
    relu = ts.Conv1D(2, 3, 2, activation="relu")
    assert (relu(torch.randn(4, 6, 2)) >= 0).all()


def test_bad_configurations_and_inputs():
    with pytest.raises(ValueError, match=r"strides=2 with dilation_rate=2 is not supported \(as in Keras\)"):
        ts.Conv1D(2, 2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding='causal' needs strides=1, got strides=2"):
        ts.Conv1D(2, 2, 3, strides=2, padding="causal")
    with pytest.raises(ValueError, match=r"in_channels \(6\) and filters \(4\) must both be divisible by groups \(3\)"):
        ts.Conv1D(6, 4, 3, groups=3)
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same', 'causal'; got 'full'"):
        ts.Conv1D(2, 2, 3, padding="full")
    with pytest.raises(TypeError, match="kernel_size must be a positive int, got float 2.5"):
        ts.Conv1D(2, 2, 2.5)
    with pytest.raises(ValueError, match="activation must be one of"):
        ts.Conv1D(2, 2, 2, activation="gelu")
    conv = ts.Conv1D(3, 4, 5, dilation_rate=2)
    with pytest.raises(ValueError, match="x has 8 steps but a 'valid' convolution with kernel_size 5 and dilation_rate 2 needs at least 9"):
        conv(torch.zeros(2, 8, 3))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions \(N, L, F\)"):
        conv(torch.zeros(8, 3))
    with pytest.raises(ValueError, match=r"x must have 3 features in its last dimension"):
        conv(torch.zeros(2, 20, 4))
