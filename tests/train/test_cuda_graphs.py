"""Trainer(cuda_graphs=...): which shapes are captured and which run eagerly, what turns "auto" off and what
makes True an error -- on any machine, with a stand-in for the capture -- and, on a GPU, training with graphs
against training without them."""
import copy

import pytest
import torch
from torch import nn

import torchseq as ts
from torchseq.train import Trainer
from torchseq.train.cuda_graphs import LIMIT, REPEATS, ShapeGraphs, refusal

CUDA = torch.device("cuda")


class StandIn:
    """A capture that records the shapes it was given and returns the module itself (so a "replay" is an eager
    call that the cache counts as a replay)."""

    def __init__(self, fail=False):
        self.shapes, self.fail = [], fail

    def __call__(self, module, sample_args):
        if self.fail:
            raise RuntimeError("operation not permitted when stream is capturing")
        self.shapes.append(tuple(tuple(t.shape) for t in sample_args))
        return module


def test_a_shape_is_captured_the_second_time_in_a_row_and_replayed_after():
    model = ts.LSTM(3, 4)
    graphs = ShapeGraphs(model, capture=StandIn())
    full, last = torch.randn(8, 5, 3), torch.randn(2, 5, 3)
    outputs = [graphs(full) for _ in range(4)] + [graphs(last)] + [graphs(full) for _ in range(3)]
    assert REPEATS == 2
    assert graphs.capture.shapes == [((8, 5, 3),)]                    # once, at the second full batch
    assert graphs.eager_calls == 2 and graphs.replays == 6             # the first full batch and the partial one
    assert graphs.captured == [((8, 5, 3),)]
    torch.testing.assert_close(outputs[-1], model(full))               # what is returned is the model's output


def test_new_lengths_get_their_own_graphs_up_to_the_limit():
    graphs = ShapeGraphs(ts.GRU(3, 4), capture=StandIn())
    for length in range(1, LIMIT + 3):
        for _ in range(3):
            graphs(torch.randn(4, length, 3))
    assert len(graphs.captured) == LIMIT
    assert graphs.captured == [((4, length, 3),) for length in range(1, LIMIT + 1)]
    assert graphs.eager_calls == LIMIT * 1 + 2 * 3                     # one before each capture, then none kept


def test_inputs_a_graph_cannot_take_run_eagerly():
    graphs = ShapeGraphs(ts.LSTM(3, 4), capture=StandIn())
    x = torch.randn(2, 5, 3, requires_grad=True)
    for _ in range(3):
        graphs(x)
    assert graphs.captured == [] and graphs.eager_calls == 3


def test_a_failed_capture_warns_once_and_runs_eagerly_after():
    graphs = ShapeGraphs(ts.LSTM(3, 4), capture=StandIn(fail=True))
    x = torch.randn(2, 5, 3)
    graphs(x)
    with pytest.warns(RuntimeWarning, match="CUDA graph capture failed .*operation not permitted.* eagerly"):
        graphs(x)
    for _ in range(3):
        graphs(x)
    assert graphs.eager_calls == 5 and "RuntimeError" in graphs.failure
    strict = ShapeGraphs(ts.LSTM(3, 4), capture=StandIn(fail=True), strict=True)
    strict(x)
    with pytest.raises(RuntimeError, match="stream is capturing"):
        strict(x)


@pytest.mark.parametrize("model, amp, world_size, reason", [
    (ts.LSTM(3, 4), None, 2, "DistributedDataParallel communicates"),
    (ts.LSTM(3, 4), "bf16", 1, "autocast caches its casts"),
    (nn.Sequential(nn.BatchNorm1d(3), nn.Flatten()), None, 1, "would move 0's running statistics"),
    (ts.GRU(3, 4, stateful=True), None, 1, "GRU is stateful"),
    (ts.LSTM(3, 4, dropout=0.2, generator=1), None, 1, "LSTM draws its masks from its own generator"),
    (ts.LSTM(3, 4, dropout=0.2), None, 1, None),
])
def test_what_refuses_graphs_and_why(model, amp, world_size, reason):
    found = refusal(model, CUDA, amp, world_size)
    assert found is None if reason is None else reason in found
    assert "CUDA graphs need a CUDA device, the trainer's is cpu" == refusal(model, torch.device("cpu"), amp, 1)


def test_the_trainer_setting():
    model = nn.Sequential(ts.LSTM(3, 4), nn.Linear(4, 1))
    assert Trainer(model, device="cpu").graphs is None
    assert Trainer(model, device="cpu").cuda_graphs_off == "CUDA graphs need a CUDA device, the trainer's is cpu"
    assert Trainer(model, device="cpu", cuda_graphs=False).cuda_graphs_off == "cuda_graphs=False"
    with pytest.raises(ValueError, match="cuda_graphs=True, but CUDA graphs need a CUDA device, the trainer's is cpu"):
        Trainer(model, device="cpu", cuda_graphs=True)
    for bad in ("on", 1, None):
        with pytest.raises(ValueError, match=f"cuda_graphs must be 'auto', True or False, got {bad!r}"):
            Trainer(model, device="cpu", cuda_graphs=bad)


def test_training_goes_through_the_cache(monkeypatch):
    """A trainer whose cache captures (stand-in) trains to the same weights as one without graphs: the cache
    sits in the training step only, and validation runs the model itself."""
    torch.manual_seed(0)
    x, y = torch.randn(20, 6, 3), torch.randn(20, 1)
    data = torch.utils.data.TensorDataset(x, y)
    model = nn.Sequential(ts.LSTM(3, 4), nn.Linear(4, 1))
    twin = copy.deepcopy(model)
    plain = Trainer(twin, device="cpu", seed=1)
    graphed = Trainer(model, device="cpu", seed=1)
    graphed.graphs = ShapeGraphs(graphed.unwrapped, capture=StandIn())
    plain.fit(data, data, epochs=2, batch_size=8)
    graphed.fit(data, data, epochs=2, batch_size=8)
    assert graphed.graphs.captured == [((8, 6, 3),)]
    assert graphed.graphs.replays == 3 and graphed.graphs.eager_calls == 3     # 8, 8, 4 | 8, 8, 4 per epoch
    for a, b in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_a_gpu_graphs_train_as_eager_does():
    """Without dropout the replayed steps compute what the eager ones do: the same weights after two epochs with
    a partial last batch (eager) between the captured full ones."""
    torch.manual_seed(0)
    x, y = torch.randn(40, 12, 3), torch.randn(40, 1)
    data = torch.utils.data.TensorDataset(x, y)
    model = nn.Sequential(ts.LSTM(3, 16), nn.Linear(16, 1))
    twin = copy.deepcopy(model)
    eager = Trainer(twin, device="cuda", seed=1, cuda_graphs=False)
    graphed = Trainer(model, device="cuda", seed=1)
    assert graphed.cuda_graphs_off is None
    eager.fit(data, epochs=2, batch_size=16)
    graphed.fit(data, epochs=2, batch_size=16)
    assert graphed.graphs.captured == [((16, 12, 3),)] and graphed.graphs.replays == 3
    for a, b in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
