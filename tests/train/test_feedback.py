"""What the Trainer shows while it works (Keras' verbose 0/1/2, "auto"), and Keras' fit(x, y) form."""
import io
import re

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

import torchseq as ts
from torchseq.train import Trainer
from torchseq.train.progress import duration, epoch_line, resolve_verbose


def arrays(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, 1, generator=g)
    return x, x[:, -3:, 0].mean(dim=1, keepdim=True)


def trainer(**options):
    torch.manual_seed(0)
    return Trainer(ts.models.SeriesForecaster(ts.GRU(1, 8)), optimizer="adam", lr=0.01, metrics=["mae"],
                   device="cpu", **options)


def captured(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    return out, err


LINE = re.compile(r"^epoch (\d+)/3 - loss [\d.e+-]+ - mae [\d.e+-]+ - val_loss [\d.e+-]+ - val_mae [\d.e+-]+ - "
                  r"[\d.]+ s - ETA [\d.]+ s$")


def test_auto_off_a_terminal_prints_one_line_per_epoch(monkeypatch):
    out, err = captured(monkeypatch)
    x, y = arrays()
    history = trainer().fit(x, y, epochs=3, batch_size=32, validation_split=0.25)
    lines = out.getvalue().splitlines()
    assert [int(LINE.match(line).group(1)) for line in lines] == [1, 2, 3], lines
    assert err.getvalue() == ""                                                   # no bar text in a log
    assert f"loss {history['loss'].iloc[-1]:.4g}" in lines[-1]
    assert lines[-1].endswith("ETA 0.0 s")


def test_verbose_1_draws_bars_and_0_is_silent(monkeypatch):
    out, err = captured(monkeypatch)
    x, y = arrays()
    t = trainer(verbose=1)
    t.fit(x, y, epochs=2, batch_size=32)
    assert "training" in err.getvalue() and "epoch 2" in err.getvalue() and out.getvalue() == ""
    t.evaluate(x, y, verbose=1)
    t.predict(x, batch_size=16, verbose=1)
    assert "validation" in err.getvalue() and "predict" in err.getvalue()
    out, err = captured(monkeypatch)
    quiet = trainer(verbose=0)
    quiet.fit(x, y, epochs=2, batch_size=32, validation_data=arrays(32, 1))
    quiet.evaluate(x, y)
    quiet.predict(x)
    assert out.getvalue() == "" and err.getvalue() == ""
    quiet.fit(x, y, epochs=3, verbose=2)                                          # a call overrides the trainer
    assert out.getvalue().startswith("epoch 3/3 - loss")


def test_auto_on_a_terminal_means_bars(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    monkeypatch.setattr("sys.stderr", Terminal())
    assert resolve_verbose("auto") == 1
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert resolve_verbose("auto") == 2


@pytest.mark.parametrize("value", ["yes", 3, -1, True, 1.0, None])
def test_verbose_refuses_what_keras_does_not_know(value):
    with pytest.raises(ValueError, match="verbose must be 'auto', 0, 1 or 2"):
        resolve_verbose(value)


def test_epoch_line_and_durations():
    assert duration(3.21) == "3.2 s" and duration(245) == "4 min 05 s" and duration(7380) == "2 h 03 min"
    line = epoch_line(2, 10, {"loss": 0.012341, "val_loss": 0.5, "lr": 1e-3, "seconds": 2.0}, 3.0)
    assert line == "epoch 2/10 - loss 0.01234 - val_loss 0.5 - 2.0 s - ETA 24.0 s"


def test_fit_x_y_equals_fit_on_the_dataset():
    x, y = arrays()
    keras_form = trainer(verbose=0).fit(x, y, epochs=2, batch_size=16, validation_data=arrays(32, 1))
    dataset_form = trainer(verbose=0).fit(TensorDataset(x, y), TensorDataset(*arrays(32, 1)), epochs=2, batch_size=16)
    assert np.array_equal(keras_form.drop(columns="seconds").to_numpy(), dataset_form.drop(columns="seconds").to_numpy())


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = arrays(100)
    split = trainer(verbose=0).fit(x, y, epochs=1, validation_split=0.2, shuffle=False)
    explicit = trainer(verbose=0).fit(x[:80], y[:80], epochs=1, validation_data=(x[80:], y[80:]), shuffle=False)
    assert split["val_loss"].iloc[0] == explicit["val_loss"].iloc[0]
    assert split["loss"].iloc[0] == explicit["loss"].iloc[0]


def test_numpy_arrays_are_accepted_and_floats_become_float32():
    x, y = arrays()
    t = trainer(verbose=0)
    history = t.fit(x.double().numpy(), y.double().numpy(), epochs=1, validation_split=0.5)
    assert np.isfinite(history["val_loss"]).all()
    assert t.evaluate(x.numpy(), y.numpy())["loss"] > 0
    assert t.predict(x.numpy()).shape == (96, 1)


@pytest.mark.parametrize("call,error,message", [
    (lambda t, x, y: t.fit(x, epochs=1), ValueError, r"train is an array of inputs, so give its targets as the next argument"),
    (lambda t, x, y: t.fit(x, y[:10]), ValueError, r"train holds 96 samples and valid \(the targets y\) 10"),
    (lambda t, x, y: t.fit(x, y, validation_split=1.0), ValueError, r"validation_split must be a fraction in \(0, 1\)"),
    (lambda t, x, y: t.fit(x, y, validation_split="0.2"), TypeError, "validation_split must be a fraction"),
    (lambda t, x, y: t.fit(x[:3], y[:3], validation_split=0.1), ValueError, "leaves 3 for training and 0 for validation"),
    (lambda t, x, y: t.fit(x, y, validation_split=0.2, validation_data=(x, y)), ValueError,
     "validation_data or validation_split, not both"),
    (lambda t, x, y: t.fit(TensorDataset(x, y), validation_split=0.2), ValueError, "with a Dataset as train, pass the validation"),
    (lambda t, x, y: t.fit(TensorDataset(x, y), TensorDataset(x, y), validation_data=TensorDataset(x, y)), ValueError,
     "give the validation data once"),
    (lambda t, x, y: t.fit(x, y, validation_data=(x, y[:5])), ValueError, r"validation_data\[0\] holds 96 samples"),
    (lambda t, x, y: t.fit(np.array(["a"] * 96), y), TypeError, "train must be a numeric array"),
    (lambda t, x, y: t.predict([1, 2]), TypeError, "x must be a tensor or a NumPy array"),
    (lambda t, x, y: t.evaluate(TensorDataset(x, y), 512), TypeError, r"y \(targets\) goes with an array of inputs"),
    (lambda t, x, y: t.evaluate(x), ValueError, "data is an array of inputs, so give its targets"),
])
def test_keras_form_refusals_name_the_argument(call, error, message):
    x, y = arrays()
    with pytest.raises(error, match=message):
        call(trainer(verbose=0), x, y)
