"""torchseq.fast.cuda_graphed: the arguments it refuses (any machine), and on a GPU the captured forward and
backward against an eager twin with the same weights -- outputs, input and parameter gradients, new inputs
replayed, training steps, dropout redrawn at each replay, the eager fallback in the other mode."""
import copy
import gc

import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.fast import cuda_graphed
from torchseq.models import handson_ml as book
from tests.tools import assert_close, randomize_

LAYERS = {
    "simple_rnn": lambda: ts.SimpleRNN(5, 8, return_sequences=True),
    "simple_layer_norm": lambda: ts.SimpleRNN(5, 8, layer_norm=True, return_sequences=True),
    "lstm_state": lambda: ts.LSTM(5, 8, return_sequences=True, return_state=True),
    "peephole_lstm": lambda: ts.PeepholeLSTM(5, 8),
    "layer_norm_lstm": lambda: ts.LayerNormLSTM(5, 8, return_sequences=True),
    "gru_reset_before": lambda: ts.GRU(5, 8, return_sequences=True),
    "gru_reset_after": lambda: ts.GRU(5, 8, reset_after=True, return_state=True),
    "bidirectional_lstm": lambda: ts.Bidirectional(ts.LSTM(5, 8, return_sequences=True)),
    "stacked_gru": lambda: ts.Stacked(ts.GRU(5, 8, return_sequences=True), ts.GRU(8, 8, return_sequences=True)),
}


def test_refuses_what_it_cannot_capture():
    x = torch.randn(2, 3, 5)
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got function"):
        cuda_graphed(lambda t: t, x)
    with pytest.raises(TypeError, match="sample_input must be a torch.Tensor, got list"):
        cuda_graphed(ts.LSTM(5, 8), [[0.0]])
    with pytest.raises(ValueError, match="warmup must be a positive int, got 0"):
        cuda_graphed(ts.LSTM(5, 8), x, warmup=0)
    with pytest.raises(ValueError, match="1 is stateful"):
        cuda_graphed(nn.Sequential(ts.LSTM(5, 8, return_sequences=True), ts.GRU(8, 4, stateful=True)), x)
    with pytest.raises(ValueError, match="GRU draws its masks from its own generator"):
        cuda_graphed(ts.GRU(5, 8, dropout=0.2, generator=3), x)
    with pytest.raises(ValueError, match="CUDA graphs need a CUDA device: sample_input is on cpu"):
        cuda_graphed(ts.LSTM(5, 8), x)


def _flat(out):
    """A layer's output (a tensor, or (output, state) with state a tensor or a pair) -> a list of tensors."""
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for part in out for t in _flat(part)]


def _loss(out):
    return sum((t * torch.linspace(-1, 1, t.shape[-1], device=t.device)).square().sum() for t in _flat(out))


def _grads(module, x, out):
    """d loss / d (x, every parameter), for a fixed loss that weights every output element differently."""
    return torch.autograd.grad(_loss(out), [x, *module.parameters()])


@pytest.mark.cuda
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_graphed_equals_eager(kind):
    torch.manual_seed(0)
    eager = randomize_(LAYERS[kind]()).cuda()
    graphed = cuda_graphed(copy.deepcopy(eager), torch.randn(4, 7, 5, device="cuda", requires_grad=True))
    assert gc.isenabled()                                                              # switched off for the capture only
    for trial in range(2):                                                             # a new input each replay
        x = torch.randn(4, 7, 5, device="cuda", requires_grad=True)
        out_e, out_g = eager(x), graphed(x)
        flat_g, flat_e = _flat(out_g), _flat(out_e)
        assert len(flat_g) == len(flat_e)
        for a, b in zip(flat_g, flat_e):
            assert_close(a, b, torch.float32, f"{kind} output, call {trial}")
        for k, (a, b) in enumerate(zip(_grads(graphed, x, out_g), _grads(eager, x, out_e))):
            assert_close(a, b, torch.float32, f"{kind} gradient {k}, call {trial}")


@pytest.mark.cuda
def test_graphed_book_model_trains_like_eager():
    """Five Adam steps of the book's seq-to-seq LSTM: the graphed copy ends with the eager copy's weights."""
    torch.manual_seed(0)
    eager = book.seq_to_seq("LSTM").cuda()
    graphed = cuda_graphed(copy.deepcopy(eager), torch.randn(16, 30, 1, device="cuda"))
    optimisers = [torch.optim.Adam(m.parameters(), lr=1e-2) for m in (eager, graphed)]
    for _ in range(5):
        x, y = torch.randn(16, 30, 1, device="cuda"), torch.randn(16, 30, 10, device="cuda")
        for model, opt in zip((eager, graphed), optimisers):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    for (name, a), b in zip(graphed.named_parameters(), eager.parameters()):
        assert_close(a, b, torch.float32, name)


@pytest.mark.cuda
def test_graphed_dropout_is_redrawn_and_eval_runs_eager():
    torch.manual_seed(0)
    layer = ts.LSTM(5, 8, return_sequences=True, dropout=0.3, recurrent_dropout=0.3).cuda()
    twin = copy.deepcopy(layer).eval()
    graphed = cuda_graphed(layer, torch.randn(4, 7, 5, device="cuda"))
    x = torch.randn(4, 7, 5, device="cuda")
    first, second = graphed(x).clone(), graphed(x).clone()
    assert not torch.equal(first, second), "the masks were not redrawn between replays"
    graphed.eval()
    plain = graphed(x)
    assert_close(plain, twin(x), torch.float32, "eval call (eager, no dropout)")
    assert not torch.equal(plain, first)
