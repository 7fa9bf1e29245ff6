"""On a CUDA device: the layers (fast path) against cuDNN's (float32, TF32 off) and in float64, with states and
ragged lengths given on the CPU. Skipped where there is no GPU."""
import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.interop import from_torch, state_to_torch
from tests.tools import assert_close

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def exact_float32():
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_equals_torch_on_cuda(cls, dtype):
    torch.manual_seed(0)
    reference = cls(16, 32, num_layers=2, bidirectional=True, batch_first=True, device="cuda", dtype=dtype)
    ours = from_torch(reference)
    x = torch.randn(8, 20, 16, device="cuda", dtype=dtype, requires_grad=True)
    out_ref, hn_ref = reference(x)
    out, state = ours(x)
    assert out.device.type == "cuda"
    assert_close(out, out_ref, dtype, "outputs")
    hn = state_to_torch(ours, state)
    for a, b in zip(hn if isinstance(hn, tuple) else (hn,), hn_ref if isinstance(hn_ref, tuple) else (hn_ref,)):
        assert_close(a, b, dtype, "final state")
    g_ref, = torch.autograd.grad(out_ref.square().mean(), x)
    g, = torch.autograd.grad(out.square().mean(), x)
    assert_close(g, g_ref, dtype, "d/dx")


def test_cpu_lengths_and_zero_state_follow_the_input():
    layer = ts.PeepholeLSTM(3, 4, return_state=True).cuda()
    out, (h, c) = layer(torch.randn(2, 5, 3, device="cuda"), lengths=torch.tensor([5, 2]))
    assert out.is_cuda and h.is_cuda and c.is_cuda
    with pytest.raises(ValueError, match="is on cpu but the input is on cuda"):
        layer(torch.randn(2, 5, 3, device="cuda"), initial_state=(torch.zeros(2, 4), torch.zeros(2, 4)))


def test_dropout_on_cuda_seeded_both_ways():
    """Masks from a seeded CPU generator give the same CUDA run twice; so does the global CUDA generator."""
    torch.manual_seed(0)
    layer = ts.GRU(3, 4, return_sequences=True, dropout=0.3, recurrent_dropout=0.3, weight_dropout=0.2,
                   zoneout=0.1, generator=5).cuda()
    twin = ts.GRU(3, 4, return_sequences=True, dropout=0.3, recurrent_dropout=0.3, weight_dropout=0.2,
                  zoneout=0.1, generator=5).cuda()
    twin.load_state_dict(layer.state_dict())
    x = torch.randn(2, 5, 3, device="cuda")
    assert torch.equal(layer(x), twin(x))
    plain = ts.LSTM(3, 4, return_sequences=True, dropout=0.3, recurrent_dropout=0.3).cuda()
    torch.manual_seed(1)
    a = plain(x)
    torch.manual_seed(1)
    assert torch.equal(plain(x), a) and a.is_cuda


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_conv_and_pools_on_cuda(dtype):
    torch.manual_seed(0)
    conv = ts.Conv1D(16, 24, 3, padding="same", dilation_rate=2, groups=4, device="cuda", dtype=dtype)
    ref = nn.Conv1d(16, 24, 3, padding="same", dilation=2, groups=4, device="cuda", dtype=dtype)
    with torch.no_grad():
        ref.weight.copy_(conv.weight)
        ref.bias.copy_(conv.bias)
    x = torch.randn(4, 50, 16, device="cuda", dtype=dtype, requires_grad=True)
    y = conv(x)
    y_ref = ref(x.transpose(1, 2)).transpose(1, 2)
    assert_close(y, y_ref, dtype, "conv outputs")
    g, = torch.autograd.grad(y.square().mean(), x)
    g_ref, = torch.autograd.grad(y_ref.square().mean(), x)
    assert_close(g, g_ref, dtype, "conv d/dx")
    pooled = ts.MaxPool1D(3, 2, "same")(y)
    assert pooled.is_cuda and pooled.shape == (4, 25, 24)


def test_wavenet_fast_equals_slow_on_cuda():
    from torchseq.models import WaveNet
    torch.manual_seed(0)
    model = WaveNet(quantization_channels=32, residual_channels=8, gate_channels=8, skip_channels=8,
                    layers_per_stack=4, stacks=2, global_classes=2, device="cuda", dtype=torch.float64)
    g = torch.tensor([0, 1], device="cuda")
    fast = model.generate(64, batch_size=2, global_cond=g, generator=3)
    slow = model.generate(64, batch_size=2, global_cond=g, generator=3, fast=False)
    assert fast.is_cuda and torch.equal(fast, slow)


@pytest.mark.parametrize("make", [lambda: ts.LSTM(6, 8, return_sequences=True, dropout=0.2, recurrent_dropout=0.3),
                                  lambda: ts.GRU(6, 8, return_sequences=True, recurrent_dropout=0.3),
                                  lambda: ts.GRU(6, 8, reset_after=True, return_sequences=True, dropout=0.2),
                                  lambda: ts.PeepholeLSTM(6, 8, return_sequences=True, recurrent_dropout=0.3),
                                  lambda: ts.LayerNormLSTM(6, 8, return_sequences=True, dropout=0.2),
                                  lambda: ts.SimpleRNN(6, 8, layer_norm=True, return_sequences=True),
                                  lambda: ts.Bidirectional(ts.LSTM(6, 8, return_sequences=True, recurrent_dropout=0.3,
                                                                   per_gate_masks=False))])
def test_fast_path_equals_reference_on_cuda(make):
    layer = make().to("cuda", torch.float64).train()
    x = torch.randn(4, 9, 6, device="cuda", dtype=torch.float64, requires_grad=True)
    results = []
    for reference in (False, True):
        torch.cuda.manual_seed(3)
        with ts.use_reference_path(reference):
            y = layer(x, lengths=[9, 4, 1, 7])
        results.append((y, torch.autograd.grad((y * y).sum(), [x, *layer.parameters()])))
    (y, grads), (y_ref, grads_ref) = results
    assert_close(y, y_ref, torch.float64, "outputs")
    for a, b in zip(grads, grads_ref):
        assert_close(a, b, torch.float64, "gradient")


@pytest.mark.parametrize("per_sample", [False, True])
def test_per_gate_input_product_on_cuda_equals_cpu(per_sample):
    from torchseq.fast.per_gate_input import per_gate_input_product
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 3, 5, generator=g, dtype=torch.float64)
    masks = (torch.rand(3, 3, 5, generator=g, dtype=torch.float64) > 0.3) / 0.7
    weight, bias = torch.randn(12, 5, generator=g, dtype=torch.float64), torch.randn(12, generator=g, dtype=torch.float64)
    d = torch.randn(3, 12, 3, 4, generator=g, dtype=torch.float64)
    results = []
    for device in ("cpu", "cuda"):
        args = [t.to(device).requires_grad_() for t in (x, masks.double(), weight, bias)]
        out = per_gate_input_product(*args, per_sample=per_sample)
        results.append([out, *torch.autograd.grad(out, args, d.to(device))])
    for cpu, cuda in zip(*results):
        assert cuda.device.type == "cuda"
        assert_close(cuda.cpu(), cpu, torch.float64, "per-gate input product")


def test_checkpoint_rng_state_loaded_onto_the_gpu_restores_every_stream():
    """A trainer resuming on a GPU loads its checkpoint with map_location the GPU, which moves the saved generator
    states there; restoring them must still work and give the same draws (CPU, CUDA and a module's own)."""
    import io
    from torchseq.train.checkpoint import rng_state, set_rng_state
    model = nn.Sequential(ts.layers.VariationalDropout(0.5, generator=7)).to("cuda")
    buffer = io.BytesIO()
    torch.save(rng_state(model), buffer)
    draws = [torch.rand(4), torch.rand(4, device="cuda"), torch.rand(4, generator=model[0].generator)]
    buffer.seek(0)
    set_rng_state(model, torch.load(buffer, map_location="cuda", weights_only=False))
    again = [torch.rand(4), torch.rand(4, device="cuda"), torch.rand(4, generator=model[0].generator)]
    for a, b in zip(draws, again):
        assert torch.equal(a, b)
