"""The Trainer under hostile but realistic use: no checkpoint is ever replaced by a diverged or worse-than-reported
state, nothing trains on no data, settings are honoured or refused in words, damaged checkpoints are named."""
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import TensorDataset

from tests.train.test_trainer import forecaster, regression
from torchseq.train import EarlyStopping, ModelCheckpoint, Trainer


def trainer(**options):
    options = {"verbose": 0, "device": "cpu", **options}
    return Trainer(options.pop("model", None) or forecaster(), **options)


class Scripted(nn.Module):
    """A linear model whose validation loss follows a script, and which can be poisoned on one batch."""

    def __init__(self, val_losses=(), poison_batch=None):
        super().__init__()
        self.linear = nn.Linear(8, 1)
        self.val_losses, self.poison_batch, self.calls, self.epoch = list(val_losses), poison_batch, 0, 0

    def forward(self, x):
        out = self.linear(x[..., 0])
        if self.training:
            self.calls += 1
            if self.calls == self.poison_batch:                  # a finite loss whose gradient is NaN
                out.register_hook(lambda grad: grad * math.nan)
            return out
        value = self.val_losses[min(self.epoch, len(self.val_losses) - 1)]
        return out * 0.0 + value                                 # every prediction = the scripted value


class Epochs(EarlyStopping):
    """Advances the scripted model's epoch (a callback whose only job is bookkeeping)."""

    def __init__(self, model):
        super().__init__(patience=100)
        self.model = model

    def on_epoch_end(self, trainer, epoch, logs):
        self.model.epoch = epoch


def _zeros(n=64):
    x = torch.randn(n, 8, 1, generator=torch.Generator().manual_seed(0))
    return TensorDataset(x, torch.zeros(n, 1))


# ---- nothing written earlier is replaced by a worse state ------------------------------------------------------
def test_restored_best_weights_are_what_the_checkpoint_holds_and_resume_replays(tmp_path):
    """--patience's recipe: the summary's best epoch, the model in memory and checkpoint.pt agree, and resuming
    from that file replays the later epochs bit for bit."""
    def run(resume=None):
        torch.manual_seed(0)
        model = forecaster()
        stop = EarlyStopping(patience=2, min_delta=0.0, restore_best_weights=True)
        t = trainer(model=model, optimizer="adam", lr=0.3, seed=3,               # lr 0.3: it overshoots and worsens
                    callbacks=[ModelCheckpoint(tmp_path / "checkpoint.pt"), stop])
        history = t.fit(regression(), regression(64, seed=1), epochs=12, batch_size=32, resume=resume)
        return model, history, stop

    model, history, stop = run()
    best = int(history["val_loss"].idxmin())
    assert stop.restored_epoch == best < history.index[-1]
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert saved["epoch"] == best and len(saved["history"]["loss"]) == best
    for name, value in model.state_dict().items():
        assert torch.equal(saved["model"][name], value), name
    resumed, resumed_history, _ = run(resume=tmp_path / "checkpoint.pt")
    assert resumed_history.drop(columns="seconds").equals(history.drop(columns="seconds"))
    for a, b in zip(resumed.parameters(), model.parameters()):
        assert torch.equal(a, b)


def test_a_non_finite_validation_loss_stops_before_any_checkpoint(tmp_path):
    model = Scripted(val_losses=[1.0, math.nan])
    path = tmp_path / "every.pt"
    t = trainer(model=model, callbacks=[Epochs(model), ModelCheckpoint(path)])
    with pytest.raises(FloatingPointError, match="the validation loss is nan after epoch 2"):
        t.fit(_zeros(), _zeros(16), epochs=3, batch_size=16)
    assert torch.load(path, weights_only=False)["epoch"] == 1


def test_divergence_on_the_last_step_of_an_epoch_writes_nothing(tmp_path):
    """The last batch's loss is finite but its step leaves NaN weights: the epoch's checkpoint is not written."""
    model = Scripted(val_losses=[1.0], poison_batch=8)                          # 4 batches an epoch: epoch 2's last
    path = tmp_path / "every.pt"
    t = trainer(model=model, optimizer="sgd", callbacks=[ModelCheckpoint(path)])
    with pytest.raises(FloatingPointError, match=r"after epoch 2 the model's weights are not finite \(linear\."):
        t.fit(_zeros(), epochs=3, batch_size=16, shuffle=False)
    saved = torch.load(path, weights_only=False)
    assert saved["epoch"] == 1 and all(torch.isfinite(v).all() for v in saved["model"].values())
    with pytest.raises(FloatingPointError, match=f"refusing to write {path}"):
        t.save_checkpoint(path)
    assert torch.load(path, weights_only=False)["epoch"] == 1


def test_a_killed_write_leaves_a_temporary_file_that_the_next_save_removes(tmp_path):
    t = trainer()
    t.fit(regression(64), epochs=1)
    leftover = tmp_path / ".ckpt.pt.abc123.tmp"                                   # what a kill -9 mid-write leaves
    leftover.write_bytes(b"half a checkpoint")
    t.save_checkpoint(tmp_path / "ckpt.pt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


# ---- damaged and foreign checkpoints --------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["empty", "truncated", "text", "state_dict", "folder", "missing",
                                    "other_model"])
def test_a_damaged_or_foreign_checkpoint_is_named(tmp_path, damage):
    good = tmp_path / "good.pt"
    t = trainer()
    t.fit(regression(64), epochs=1)
    t.save_checkpoint(good)
    path = tmp_path / "resume.pt"
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
    elif damage == "text":
        path.write_text("not a checkpoint")
    elif damage == "state_dict":
        torch.save(forecaster().state_dict(), path)
    elif damage == "folder":
        path.mkdir()
    elif damage == "other_model":
        path, t = good, trainer(model=Scripted())
    expected = {"empty": "the file is empty", "truncated": "torch.load cannot read it",
                "text": "torch.load cannot read it", "state_dict": "it lacks model, optimizer, scaler, epoch",
                "folder": "does not exist \\(it is a folder\\)", "missing": "does not exist",
                "other_model": "holds the state of another model or optimiser"}[damage]
    error = FileNotFoundError if damage in ("folder", "missing") else ValueError
    fresh = trainer() if damage != "other_model" else t
    with pytest.raises(error, match=f"{path}.*{expected}|{expected}.*{path}"):
        fresh.fit(regression(64), epochs=2, resume=path)


def test_resume_honours_an_explicit_lr_and_refuses_fewer_epochs(tmp_path):
    t = trainer(optimizer="adam")
    t.fit(regression(64), epochs=2)
    t.save_checkpoint(tmp_path / "c.pt")
    again = trainer(optimizer="adam", lr=0.05)
    again.fit(regression(64), epochs=3, resume=tmp_path / "c.pt")
    assert again.history["lr"].tolist() == [1e-3, 1e-3, 0.05]
    with pytest.raises(ValueError, match="epochs=1 counts the resumed ones, but .*c.pt was saved after epoch 2"):
        trainer(optimizer="adam").fit(regression(64), epochs=1, resume=tmp_path / "c.pt")


# ---- no training on nothing -----------------------------------------------------------------------------------
def test_empty_and_exhausted_data_are_refused():
    t = trainer()
    empty = TensorDataset(torch.zeros(0, 8, 1), torch.zeros(0, 1))
    with pytest.raises(ValueError, match=r"train holds no samples"):
        t.fit(empty)
    with pytest.raises(ValueError, match=r"valid holds no samples"):
        t.fit(regression(64), empty)
    with pytest.raises(ValueError, match=r"data holds no samples"):
        t.evaluate(empty)
    with pytest.raises(ValueError, match="train gave no batches"):
        t.fit([])
    with pytest.raises(ValueError, match="steps_per_epoch must be an int >= 1, got 0"):
        t.fit(regression(64), steps_per_epoch=0)
    batches = [(x.unsqueeze(0), y.unsqueeze(0)) for x, y in regression(8)]
    one_shot = iter(batches)
    with pytest.raises(ValueError, match="train is a one-shot iterator .* give steps_per_epoch"):
        t.fit(one_shot, epochs=2)
    with pytest.raises(ValueError, match="train ran out after 2 batches, but steps_per_epoch=3"):
        t.fit(iter(batches), epochs=4, steps_per_epoch=3)
    with pytest.raises(ValueError, match="valid is a one-shot iterator .* give validation_steps"):
        t.fit(batches, iter(batches))
    history = trainer().fit(batches, batches, epochs=3)                           # a list is read every epoch
    assert history["loss"].notna().all() and history["val_loss"].notna().all()


def test_a_stream_with_steps_reads_exactly_that_many_batches_per_epoch():
    seen = []

    def stream():
        k = 0
        while True:
            seen.append(k)
            k += 1
            yield torch.randn(2, 8, 1), torch.zeros(2, 1)

    trainer().fit(stream(), epochs=3, steps_per_epoch=4)
    assert seen == list(range(12))


# ---- settings honoured or refused -----------------------------------------------------------------------------
def test_lr_zero_is_honoured():
    model = forecaster()
    before = [p.detach().clone() for p in model.parameters()]
    trainer(model=model, optimizer="adam", lr=0).fit(regression(64), epochs=1)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    sgd = torch.optim.SGD(model.parameters(), lr=0.5)
    assert trainer(model=model, optimizer=sgd, lr=0.0).optimizer.param_groups[0]["lr"] == 0.0


@pytest.mark.parametrize("options,error,message", [
    ({"lr": -1e-3}, ValueError, "lr must be a finite number >= 0, got -0.001"),
    ({"lr": math.nan}, ValueError, "lr must be a finite number >= 0, got nan"),
    ({"lr": "0.01"}, TypeError, "lr must be a number, got str '0.01'"),
    ({"clip_grad_norm": -1.0}, ValueError, "clip_grad_norm must be a finite number > 0, got -1.0"),
    ({"clip_grad_norm": math.nan}, ValueError, "clip_grad_norm must be a finite number > 0, got nan"),
    ({"seed": 1.5}, TypeError, "seed must be an int >= 0, got float 1.5"),
    ({"verbose": "yes"}, ValueError, "verbose must be 'auto', 0, 1 or 2"),
    ({"device": "gpu"}, ValueError, "device must name a device such as 'cpu'"),
    ({"callbacks": [print]}, TypeError, r"callbacks\[0\] must be a torchseq.train.Callback"),
    ({"metrics": {"m": 3}}, TypeError, r"metrics\['m'\] must be a callable"),
    ({"metrics": [7]}, ValueError, "metrics must be one of .* got 7"),
    ({"metrics": 3}, TypeError, "metrics must be a list of metric names or callables"),
])
def test_trainer_settings_are_refused_in_words(options, error, message):
    with pytest.raises(error, match=message):
        trainer(**options)


@pytest.mark.parametrize("options,error,message", [
    ({"epochs": 2.5}, TypeError, "epochs must be an int >= 1, got float 2.5"),
    ({"epochs": -1}, ValueError, "epochs must be an int >= 1, got -1"),
    ({"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
    ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
    ({"batch_size": True}, TypeError, "batch_size must be an int >= 1, got bool"),
    ({"shuffle": 1}, TypeError, "shuffle must be True or False"),
    ({"validation_steps": -2}, ValueError, "validation_steps must be an int >= 1, got -2"),
])
def test_fit_arguments_are_refused_in_words(options, error, message):
    with pytest.raises(error, match=message):
        trainer().fit(regression(64), **options)


def test_numpy_integers_are_sizes_like_ints():
    history = trainer().fit(regression(64), epochs=np.int64(2), batch_size=np.int32(16), steps_per_epoch=np.int64(2))
    assert list(history.index) == [1, 2]


def test_targets_of_the_wrong_shape_and_bad_batches_are_named():
    x = torch.randn(32, 8, 1)
    with pytest.raises(ValueError, match=r"mse needs one target per output: the model returned \(16, 1\) but the "
                                         r"targets are \(16, 3\)"):
        trainer().fit(TensorDataset(x, torch.zeros(32, 3)), batch_size=16)
    with pytest.raises(ValueError, match=r"batch 1 of train: inputs \(16, 8, 1\) and targets \(8, 1\) must have the "
                                         r"same number of samples"):
        trainer().fit([(x[:16], torch.zeros(8, 1))])
    with pytest.raises(ValueError, match=r"batch 1 of train must be a pair \(inputs, targets\), got a tuple of 3"):
        trainer().fit([(x, x, x)])
    with pytest.raises(ValueError, match="train is an array of inputs, so give its targets as the next argument"):
        trainer().fit(x)
    with pytest.raises(ValueError, match=r"classes must lie in \[0, 1\)"):
        trainer(loss="sparse_categorical_crossentropy").fit([(x[:4], torch.tensor([0, 1, 2, 0]))])


def test_checkpoint_paths_with_braces():
    with pytest.raises(ValueError, match=r"path 'runs/\{name\}/c.pt' may hold the field \{epoch\} and nothing else"):
        ModelCheckpoint("runs/{name}/c.pt")
    assert ModelCheckpoint("runs/{{name}}/c-{epoch}.pt").path.format(epoch=3) == "runs/{name}/c-3.pt"


def test_predict_refuses_what_is_not_samples():
    with pytest.raises(TypeError, match="x must be a tensor or a NumPy array of samples"):
        trainer().predict([1, 2, 3])
    with pytest.raises(ValueError, match=r"x must hold at least one sample, got shape \(0, 8, 1\)"):
        trainer().predict(torch.zeros(0, 8, 1))


def test_a_process_killed_while_writing_a_checkpoint_loses_nothing(tmp_path):
    """kill -9 in the middle of torch.save: the previous checkpoint is intact byte for byte, the half-written
    temporary file is left beside it, and the next save removes it."""
    t = trainer()
    t.fit(regression(64), epochs=1)
    path = tmp_path / "ckpt.pt"
    t.save_checkpoint(path)
    before = path.read_bytes()
    script = f"""
import os, signal, torch
from torchseq.train.checkpoint import save_atomic
def half_then_die(obj, f, *args, **kwargs):
    f.write(b"PK half a checkpoint")
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
torch.save = half_then_die
save_atomic({{"model": {{}}}}, {str(path)!r})
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2])
    assert done.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert len(list(tmp_path.glob(".ckpt.pt.*.tmp"))) == 1
    t.fit(regression(64), epochs=2, resume=path)
    t.save_checkpoint(path)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


def test_refusals_name_the_data_also_with_metrics():
    """The pass's label survives the metrics loop: the second batch's refusal still names train."""
    x = torch.randn(4, 8, 1)
    batches = [(x, torch.zeros(4, 1)), (x, x, x)]
    with pytest.raises(ValueError, match=r"batch 2 of train must be a pair"):
        trainer(metrics=["mae", "mse"]).fit(batches)
    with pytest.raises(ValueError, match=r"valid ran out after 1 batches, but validation_steps=2"):
        trainer(metrics=["mae"]).fit(batches[:1], iter(batches[:1]), validation_steps=2)


@pytest.fixture(scope="module")
def saved_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    t = trainer()
    t.fit(regression(64), epochs=1)
    t.save_checkpoint(folder / "c.pt")
    return (folder / "c.pt").read_bytes(), {k: v.clone() for k, v in t.unwrapped.state_dict().items()}


@settings(max_examples=40, deadline=None)
@given(position=st.floats(0.0, 0.9999), bit=st.integers(0, 7), cut=st.booleans())
def test_a_damaged_checkpoint_is_refused_or_loads_unchanged(tmp_path_factory, saved_checkpoint, position, bit, cut):
    """A truncation or a flipped bit anywhere: refused naming the file (torch.load alone would load most flips in
    a tensor as silently different weights), or -- a flip in a byte nothing reads -- the very same state."""
    data, weights = saved_checkpoint
    index = int(position * len(data))
    damaged = bytearray(data[:index] if cut else data)
    if not cut:
        damaged[index] ^= 1 << bit
    path = tmp_path_factory.mktemp("damaged") / "c.pt"
    path.write_bytes(bytes(damaged))
    fresh = trainer()
    try:
        fresh.load_checkpoint(path)
    except ValueError as error:
        assert str(path) in str(error)
        return
    assert not cut or index == len(data)
    for name, value in fresh.unwrapped.state_dict().items():
        assert torch.equal(value, weights[name]), name


@pytest.mark.parametrize("field,offset,value,message", [
    ("external attributes: the folder flag", 38, 0x10, "is marked as a folder"),
    ("compression method: deflate", 10, 8, "the file is damaged"),
])
def test_zip_fields_outside_the_checksums_are_checked(tmp_path, saved_checkpoint, field, offset, value, message):
    """Found by flipping every bit of a checkpoint's zip headers: torch.load reads a tensor member flagged as a
    folder as empty (silently different weights), and a member claimed to be deflated breaks zlib."""
    data, _ = saved_checkpoint
    central = data.index(b"PK\x01\x02")                                             # the central directory
    record = data.index(b"PK\x01\x02", data.index(b"archive/data/0", central) - 46)  # tensor 0's record there
    damaged = bytearray(data)
    damaged[record + offset] |= value
    path = tmp_path / "c.pt"
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match=f"{path}.*{message}"):
        trainer().load_checkpoint(path)
