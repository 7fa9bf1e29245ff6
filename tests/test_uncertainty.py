"""Monte-Carlo dropout prediction: dropout on at test time, everything else in eval mode, mean and spread
over T passes, repeatable with a seed, and the model left as it was."""
import pytest
import torch
from torch import nn

import torchseq as ts


class Net(nn.Module):
    def __init__(self, dropout=0.3):
        super().__init__()
        self.gru = ts.GRU(2, 8, dropout=dropout, recurrent_dropout=dropout)
        self.norm = nn.BatchNorm1d(8)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(8, 1))

    def forward(self, x, lengths=None):
        return self.head(self.norm(self.gru(x, lengths=lengths)))


def test_two_samples_by_hand(gen):
    torch.manual_seed(0)
    model = Net()
    x = torch.randn(5, 7, 2, generator=gen)
    mean, std = ts.mc_dropout_predict(model, x, samples=2, seed=123)
    with torch.random.fork_rng(), torch.no_grad():
        model.eval()
        model.gru.train()
        model.head[0].train()
        torch.manual_seed(123)
        y1, y2 = model(x), model(x)
    assert torch.allclose(mean, (y1 + y2) / 2) and torch.allclose(std, (y1 - y2).abs() / 2)
    assert (std > 0).all()


def test_seeded_repeatable_flags_restored_batchnorm_untouched(gen):
    model = Net()
    model.train()
    stats = model.norm.running_mean.clone()
    x = torch.randn(5, 7, 2, generator=gen)
    a = ts.mc_dropout_predict(model, x, samples=10, seed=7, lengths=[7, 3, 2, 7, 1])
    b = ts.mc_dropout_predict(model, x, samples=10, seed=7, lengths=[7, 3, 2, 7, 1])
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert torch.equal(model.norm.running_mean, stats), "batch norm must run in eval mode"
    assert all(m.training for m in model.modules())


def test_no_dropout_means_no_spread(gen):
    model = Net(dropout=0.0).eval()
    x = torch.randn(5, 7, 2, generator=gen)
    mean, std = ts.mc_dropout_predict(model, x, samples=4)
    assert torch.count_nonzero(std) == 0 and torch.allclose(mean, model(x))
    assert not model.training


def test_bad_arguments():
    with pytest.raises(ValueError, match="samples must be at least 2"):
        ts.mc_dropout_predict(Net(), torch.zeros(2, 3, 2), samples=1)
    with pytest.raises(TypeError, match="model must return one tensor for MC dropout, got tuple"):
        ts.mc_dropout_predict(ts.LSTM(2, 3, dropout=0.1, return_state=True), torch.zeros(2, 3, 2))
