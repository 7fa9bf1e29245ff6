"""`torchseq train` and `torchseq bench` on small data the tests make: every dataset recipe runs, writes its
checkpoint, history and summary, and bad flags get argparse errors."""
import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from torchseq.cli import main
from torchseq.train import command
from tests.data.test_loaders import jena_zip, write_reviews


def run_train(tmp_path, *flags):
    out = tmp_path / "run"
    assert main(["train", "--quick", "--quiet", "--overwrite", "--out", str(out), *flags]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (out / "checkpoint.pt").exists() and (out / "history.csv").exists()
    return summary, torch.load(out / "checkpoint.pt", weights_only=False)


def test_synthetic_with_every_option(tmp_path, capsys):
    summary, ckpt = run_train(tmp_path, "--model", "gru", "--layers", "2", "--bidirectional", "--dropout", "0.1",
                              "--recurrent-dropout", "0.1", "--clip", "1.0", "--patience", "3", "--optimizer", "rmsprop")
    assert summary["epochs"] == 2 and summary["quick"] and ckpt["epoch"] == 2
    assert "QUICK (test-sized) run -- gru on synthetic" in capsys.readouterr().out


def test_dense_and_resume(tmp_path):
    run_train(tmp_path, "--model", "dense")
    summary, ckpt = run_train(tmp_path, "--model", "dense", "--resume", str(tmp_path / "run" / "checkpoint.pt"),
                              "--epochs", "3")
    assert ckpt["epoch"] == 2                                                 # quick caps at 2: nothing to add


def test_prices(tmp_path, capsys):
    days = pd.date_range("2013-02-08", periods=200, freq="D")
    table = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "open": 1.0, "high": np.sin(np.arange(200) / 9) + 2,
                          "low": 0.0, "close": 1.0, "volume": 1, "Name": "AAL"})
    table.to_csv(tmp_path / "prices.csv", index=False)
    summary, _ = run_train(tmp_path, "--dataset", "prices", "--data", str(tmp_path / "prices.csv"), "--ticker", "AAL")
    assert "best_val_mae" in summary
    run_train(tmp_path, "--dataset", "prices", "--data", str(tmp_path / "prices.csv"), "--start", "2013-04-01")
    assert main(["train", "--quick", "--dataset", "prices", "--data", str(tmp_path / "prices.csv"), "--start",
                 "2014-01-01", "--out", str(tmp_path / "run")]) == 2
    assert re.search(r"torchseq train: error: no rows of .* between start='2014-01-01'", capsys.readouterr().err)


def test_jena_recipe_on_a_small_table(tmp_path, monkeypatch):
    monkeypatch.setattr(command, "JENA_TRAIN_END", 300)
    monkeypatch.setattr(command, "JENA_VALID", (301, 380))
    monkeypatch.setattr(command, "JENA_LOOKBACK", 60)
    monkeypatch.setattr(command, "JENA_DELAY", 6)
    jena_zip(tmp_path / "j.zip", rows=400)
    summary, _ = run_train(tmp_path, "--dataset", "jena", "--data", str(tmp_path / "j.zip"), "--steps-per-epoch", "3")
    assert summary["dataset"] == "jena"


def test_imdb(tmp_path):
    write_reviews(tmp_path)
    summary, _ = run_train(tmp_path, "--dataset", "imdb", "--data", str(tmp_path / "aclImdb"), "--model", "simple_rnn",
                           "--hidden", "4")
    assert "best_val_accuracy" in summary


def test_bad_flags(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "transformer"])
    assert exit_info.value.code == 2 and "invalid choice: 'transformer'" in capsys.readouterr().err
    assert main(["train", "--dataset", "imdb", "--out", str(tmp_path)]) == 2
    assert "torchseq train: error: --dataset imdb needs --data" in capsys.readouterr().err
    assert main(["train", "--start", "2014-01-01", "--out", str(tmp_path)]) == 2
    assert "--start only apply to --dataset prices, not synthetic" in capsys.readouterr().err
    assert main(["bench", "no_such_bench"]) == 2
    assert "unknown benchmark no_such_bench" in capsys.readouterr().err


def test_bench_runs_a_script(tmp_path):
    assert main(["bench", "--quick", "--out", str(tmp_path), "windows_vs_generator"]) == 0
    assert (tmp_path / "windows_vs_generator_quick.md").read_text().count("|") > 10


def test_bench_gives_device_and_tf32_to_the_scripts_that_take_them(tmp_path):
    """--device and --tf32 reach conv_vs_torch (its files are named by both); windows_vs_generator, which
    takes neither, still runs."""
    assert main(["bench", "--quick", "--device", "cpu", "--tf32", "off", "--out", str(tmp_path),
                 "conv_vs_torch", "windows_vs_generator"]) == 0
    assert "TF32" not in (tmp_path / "conv_vs_torch_cpu_quick_tf32-off.md").read_text()     # a CPU run: no CUDA flags
    assert json.loads((tmp_path / "conv_vs_torch_cpu_quick_tf32-off.json").read_text())["machine"]["device"] == "cpu"
    assert (tmp_path / "windows_vs_generator_quick.md").exists()
