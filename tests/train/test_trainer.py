"""The training loop: it learns, names mean what the lectures mean, resume is exact, failures are loud."""
import importlib.util
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import torchseq as ts
from torchseq.train import EarlyStopping, LearningRateScheduler, ModelCheckpoint, Trainer, plot_history
from torchseq.train.registry import binary_crossentropy


def regression(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, 1, generator=g)
    return TensorDataset(x, x[:, -3:, 0].mean(dim=1, keepdim=True))


def forecaster(**layer_options):
    torch.manual_seed(0)
    return ts.models.SeriesForecaster(ts.LSTM(1, 8, **layer_options))


def test_fit_learns_and_reports_history():
    trainer = Trainer(forecaster(), optimizer="adam", lr=0.01, loss="mse", metrics=["mae"], verbose=0, device="cpu")
    history = trainer.fit(regression(), regression(64, seed=1), epochs=6, batch_size=32)
    assert list(history.columns) == ["loss", "mae", "val_loss", "val_mae", "lr", "seconds"]
    assert list(history.index) == [1, 2, 3, 4, 5, 6]
    assert history["loss"].iloc[-1] < 0.5 * history["loss"].iloc[0]
    assert trainer.evaluate(regression(64, seed=1))["loss"] == pytest.approx(history["val_loss"].iloc[-1], rel=1e-6)
    assert trainer.predict(regression(10).tensors[0]).shape == (10, 1)


def test_names_use_keras_defaults():
    model = forecaster()
    rms = ts.train.make_optimizer("rmsprop", model.parameters())
    assert rms.defaults["lr"] == 1e-3 and rms.defaults["alpha"] == 0.9 and rms.defaults["eps"] == 1e-7
    assert ts.train.make_optimizer("adam", model.parameters(), lr=5e-3).defaults["eps"] == 1e-7
    p, y = torch.tensor([[0.0], [0.3], [1.0]]), torch.tensor([0.0, 1.0, 1.0])
    expected = -(torch.log(torch.tensor(1 - 1e-7)) + torch.log(torch.tensor(0.3)) + torch.log(torch.tensor(1 - 1e-7))) / 3
    assert binary_crossentropy(p, y).item() == pytest.approx(expected.item(), rel=1e-5)
    assert ts.train.METRICS["accuracy"](torch.tensor([[0.2], [0.7], [0.9]]), torch.tensor([0.0, 0.0, 1.0])).item() == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="loss must be one of 'mse', 'mae', .* or a callable; got 'huber'"):
        Trainer(model, loss="huber")
    with pytest.raises(ValueError, match="optimizer must be one of 'rmsprop', 'adam', 'sgd'"):
        Trainer(model, optimizer="adagrad")
    with pytest.raises(ValueError, match="amp must be one of None, 'bf16', 'fp16'; got 'fp8'"):
        Trainer(model, amp="fp8")


def run(tmp_path, epochs, resume=None, path="ckpt.pt"):
    """Dropout (global RNG), a layer's own generator, shuffling, a step schedule (decay after epoch 3) and an
    early stop whose patience runs out at epoch 4 (min_delta 1.0: nothing after epoch 1 counts as better)."""
    model = forecaster(dropout=0.2, recurrent_dropout=0.2, generator=7)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-3)
    schedule = LearningRateScheduler(torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.7))
    stop = EarlyStopping(patience=3, min_delta=1.0)
    trainer = Trainer(model, optimizer=optimizer, metrics=["mae"], verbose=0, device="cpu", seed=5,
                      callbacks=[ModelCheckpoint(tmp_path / path), stop, schedule])
    torch.manual_seed(123)
    history = trainer.fit(regression(), regression(64, seed=1), epochs=epochs, batch_size=32, resume=resume)
    return model, history


def test_resume_finishes_with_the_same_weights(tmp_path):
    """Interrupted after epoch 2 and resumed, the run matches the uninterrupted one bit for bit: weights,
    losses, learning rates and the epoch at which early stopping ends it."""
    straight, h_straight = run(tmp_path, 6, path="a.pt")
    run(tmp_path, 2, path="b.pt")                                           # "interrupted" after epoch 2
    resumed, h_resumed = run(tmp_path, 6, resume=tmp_path / "b.pt", path="b.pt")
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert h_straight.index.tolist() == h_resumed.index.tolist() == [1, 2, 3, 4]
    assert np.array_equal(h_straight["loss"].to_numpy(), h_resumed["loss"].to_numpy())
    assert h_resumed["lr"].tolist() == pytest.approx([3e-3, 3e-3, 3e-3, 2.1e-3])


def test_non_finite_loss_stops_with_epoch_and_batch_and_keeps_checkpoints(tmp_path):
    class Poisoned(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner, self.calls = forecaster(), 0

        def forward(self, x):
            self.calls += 1
            out = self.inner(x)
            return out * math.inf if self.calls == 8 + 3 + 5 else out       # 8 train + 3 val batches per epoch

    trainer = Trainer(Poisoned(), verbose=0, device="cpu", callbacks=[ModelCheckpoint(tmp_path / "last.pt")])
    with pytest.raises(FloatingPointError, match="the loss is (inf|nan) at epoch 2, batch 5"):
        trainer.fit(regression(), regression(96, seed=1), epochs=3, batch_size=32)
    saved = torch.load(tmp_path / "last.pt", weights_only=False)
    assert saved["epoch"] == 1 and all(torch.isfinite(v).all() for v in saved["model"].values())


def test_early_stopping_restores_best_weights():
    stop = EarlyStopping(patience=2, min_delta=0.01, restore_best_weights=True)

    class Fake:
        unwrapped = nn.Linear(1, 1)
        stop_training = False
        epoch = 0

        def state(self):
            return {"model": self.unwrapped.state_dict(), "callbacks": [stop.state_dict()]}

    trainer = Fake()
    for epoch, value in enumerate([1.0, 0.5, 0.495, 0.6], start=1):          # 0.495 is not better by 0.01
        with torch.no_grad():
            trainer.unwrapped.weight.fill_(epoch)
        trainer.epoch = epoch
        stop.on_epoch_end(trainer, epoch, {"val_loss": value})
        stop.on_epoch_finished(trainer, epoch)
    assert trainer.stop_training and stop.best_epoch == 2 and stop.stopped_epoch == 4
    assert stop.best_state["callbacks"][0]["best_state"] == "this checkpoint"  # no copy of the previous best
    stop.on_train_end(trainer)
    assert trainer.unwrapped.weight.item() == 2.0 and stop.restored_epoch == 2
    with pytest.raises(KeyError, match="monitors 'val_loss', which the logs lack"):
        EarlyStopping().on_epoch_end(trainer, 1, {"loss": 1.0})


def test_save_best_only_and_epoch_names(tmp_path):
    trainer = Trainer(forecaster(), verbose=0, device="cpu",
                      callbacks=[ModelCheckpoint(tmp_path / "best.pt", save_best_only=True),
                                 ModelCheckpoint(tmp_path / "epoch{epoch}.pt")])
    trainer.fit(regression(), regression(64, seed=1), epochs=3, batch_size=32)
    assert {p.name for p in tmp_path.iterdir()} == {"best.pt", "epoch1.pt", "epoch2.pt", "epoch3.pt"}
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_streams_clipping_amp_and_schedules():
    data = ts.data.window_batches(np.random.default_rng(0).standard_normal((2000, 2)).astype(np.float32),
                                  lookback=60, delay=6, step=6, batch_size=16, shuffle=True,
                                  rng=np.random.RandomState(0))
    torch.manual_seed(0)
    model = ts.models.SeriesForecaster(ts.GRU(2, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    schedule = LearningRateScheduler(torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5), monitor="loss")
    trainer = Trainer(model, optimizer=optimizer, loss="mae", verbose=0, device="cpu", amp="bf16",
                      clip_grad_norm=1e-8, callbacks=[schedule])
    before = [p.detach().clone() for p in model.parameters()]
    history = trainer.fit(data, epochs=3, steps_per_epoch=5)
    assert history["lr"].tolist() == [0.1, 0.05, 0.025] and history["loss"].notna().all()
    moved = max((p - q).abs().max().item() for p, q in zip(model.parameters(), before))
    assert 0 < moved <= 3 * 5 * 0.1 * 1e-8 * 1.01                             # steps x lr x clipped norm
    with pytest.raises(TypeError, match="train must be a Dataset or an iterable"):
        trainer.fit(42, epochs=4)


def test_history_plot(tmp_path):
    trainer = Trainer(forecaster(), verbose=0, device="cpu")
    history = trainer.fit(regression(64), regression(32, seed=1), epochs=2, batch_size=32)
    drawn = plot_history(history, tmp_path / "h.png")
    if importlib.util.find_spec("matplotlib") is not None:
        assert drawn and (tmp_path / "h.png").stat().st_size > 1000
    else:
        assert not drawn and not (tmp_path / "h.png").exists()
