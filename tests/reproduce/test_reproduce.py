"""The reproductions on tiny data (CI's smoke runs): every row runs and lands in the table, the untrained rows
and the data preparation equal independent computations, and the files and the command line work."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from torchseq import data as D
from torchseq._machine import cpu_model
from torchseq.cli import main
from torchseq.reproduce import chollet_imdb, chollet_jena, geron15, stocks
from torchseq.reproduce import command as reproduce_command
from torchseq.reproduce.report import Result, from_json, markdown, significant_digits, write

TINY_GERON = geron15.Geron15(epochs=1, n_series=120, split=(60, 40, 20))


def test_geron15_every_row_on_tiny_data():
    results = geron15.run(TINY_GERON, log=lambda *_: None)
    assert [r.model for r in results] == [geron15.LABELS[k] for k in geron15.ROWS]
    assert all(np.isfinite(r.value) and r.value > 0 for r in results)
    trained = [r for r in results if r.curve]
    assert len(trained) == 12 and all(len(r.curve) == 1 for r in trained)
    with pytest.raises(ValueError, match="unknown geron15 model.*choose from naive, linear"):
        geron15.run(TINY_GERON, only=["rnn"])


def test_geron15_yardsticks_are_the_books():
    naive, naive10 = geron15.run(only=["naive", "naive10"], log=lambda *_: None)       # the book's full data
    assert f"{naive.value:.5g}" == "0.020211" and naive.met
    assert f"{naive10.value:.4f}" == "0.2570" and naive10.met


def test_sequence_targets_match_the_books_loop():
    series = D.generate_time_series(5, 60, seed=1)                                    # (5, 60, 1)
    X, Y = torch.from_numpy(series[:, :50]), torch.from_numpy(series[:, 50:, 0])
    expected = np.empty((5, 50, 10), dtype=np.float32)
    for step_ahead in range(1, 11):                                                    # Hands-On ML's loop
        expected[..., step_ahead - 1] = series[..., step_ahead:step_ahead + 50, 0]
    assert torch.equal(geron15.sequence_targets(X, Y), torch.from_numpy(expected))
    pred, target = torch.randn(4, 7, 10), torch.randn(4, 7, 10)
    assert float(geron15.last_time_step_mse(pred, target)) == pytest.approx(float(((pred[:, 6] - target[:, 6]) ** 2).mean()))


def test_imdb_preparation_and_smoke():
    reviews = D.review_sample(100, 60, seed=2)
    cfg = chollet_imdb.CholletImdb(epochs=1, maxlen=60, num_words=200)
    train, valid, test = chollet_imdb.prepare(reviews, cfg)
    assert (len(train), len(valid), len(test)) == (80, 20, 60)
    x, y = train.tensors
    assert x.shape == (80, 60) and x.dtype == torch.int64 and int(x.max()) < 200 and set(y.unique().tolist()) <= {0.0, 1.0}
    short = int((x != 0).sum(1).argmin())
    assert (x[short, :(x[short] == 0).sum()] == 0).all()                               # zeros in front ("pre")
    results = chollet_imdb.run(reviews, cfg, only=["conv1d", "lstm"], log=lambda *_: None)
    assert [r.model for r in results] == [chollet_imdb.LABELS["conv1d"], chollet_imdb.LABELS["lstm"]]
    for r in results:
        assert r.higher_is_better and 0 <= r.value <= 1 and 0 <= r.extra["test accuracy"] <= 1


def test_jena_naive_is_the_books_evaluate_naive_method():
    table = D.jena_sample(6400, seed=3)
    cfg = chollet_jena.CholletJena.quick_run(6400)
    results = chollet_jena.run(table, cfg, only=["naive", "dense", "conv_gru"], log=lambda *_: None)
    values = table.iloc[:, 1:].to_numpy(np.float32)
    mean, std = values[:cfg.train_end].mean(0), values[:cfg.train_end].std(0)
    values = (values - mean) / std
    rows = range(cfg.train_end + 1 + cfg.lookback, cfg.valid_end)                      # every validation row
    last = cfg.step * ((cfg.lookback - 1) // cfg.step) - cfg.lookback                # the window's last row: r - 6
    naive = np.mean([abs(values[r + last, 1] - values[r + cfg.delay, 1]) for r in rows])   # temperature then vs 24 h later
    assert results[0].value == pytest.approx(naive, rel=1e-5)
    for r in results:                                                                   # 1 unit = std of T in degC
        assert r.extra[chollet_jena.DEGREES] == pytest.approx(r.value * std[1], rel=1e-6)
    assert all(np.isfinite(r.value) for r in results) and results[2].epochs == 1


def test_stocks_smoke_and_price_units():
    frame = D.price_sample(200, seed=4)
    series = frame.set_index("date")["high"]
    results = stocks.run(series, stocks.Stocks.quick_run(epochs=1), log=lambda *_: None)
    assert len(results) == 4 and all(np.isfinite(r.value) for r in results)
    assert all(0 < r.extra["test MAE (price)"] < float(series.max()) for r in results)
    # The naive row, computed here in NumPy: 140 / 30 / 30 days; a window's last day i + 6, its target i + 13.
    prices = series.to_numpy()
    low, high = prices[:140].min(), prices[:140].max()
    valid, test = prices[140:170], prices[170:]
    naive_valid = np.abs(valid[6:30 - 7] - valid[13:]).mean() / (high - low)
    naive_test = np.abs(test[6:30 - 7] - test[13:]).mean()
    assert results[0].model == "naive: last price of the window" and results[0].epochs == 0
    assert results[0].value == pytest.approx(naive_valid, rel=1e-5)
    assert results[0].extra["test MAE (price)"] == pytest.approx(naive_test, rel=1e-5)


def test_result_rows_and_files(tmp_path):
    assert [significant_digits(v) for v in (0.0109, 0.020211, 0.29, 0.2570, 1.87)] == [3, 5, 2, 3, 3]
    rows = [Result("a", "val MSE", 0.010908, 0.0109, 3, 1.0, "cpu", curve=[0.02, 0.015, 0.010908]),
            Result("b", "val MSE", 0.01096, 0.0109, 3, 1.0, "cpu", curve=[0.03, 0.02, 0.01096]),
            Result("c", "val accuracy", 0.9, 0.893, 2, 1.0, "cpu", higher_is_better=True, extra={"test accuracy": 0.88}),
            Result("d", "val MSE", 0.5, None, 0, 0.0, "cpu")]
    assert [r.met for r in rows] == [True, False, True, None]
    table = markdown(rows, "T", "a note")
    assert "| a | val MSE | 0.01091 | 0.0109 | 1.00 | yes | 3 | 1 s | cpu |" in table
    assert "| n | val MSE | 0.020211 | 0.020211 | 1.00 | yes |" in markdown([Result("n", "val MSE", 0.0202114, 0.020211,
                                                                                       0, 0.0, "cpu")], "T")
    assert "| d | val MSE | 0.5 | — | — | — | 0 | 0 s | cpu |" in table and "- c: test accuracy 0.88" in table
    write(rows, tmp_path, "t", "T", {"epochs": 3})
    record = json.loads((tmp_path / "t.json").read_text())
    assert from_json(record) == rows
    assert record["settings"] == {"epochs": 3} and [r["met"] for r in record["results"]] == [True, False, True, None]
    assert record["environment"]["processor"] == cpu_model()
    assert record["environment"]["torch"] == torch.__version__ and (tmp_path / "t.md").read_text() == markdown(rows, "T")
    pytest.importorskip("matplotlib")
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*"))                                               # no temporary files left


def test_command_line(tmp_path, monkeypatch, capsys):
    runs = iter(range(100))

    def fresh():
        return str(tmp_path / f"run{next(runs)}")
    assert main(["reproduce", "geron15", "--quick", "--only", "naive", "linear", "--epochs", "1",
                 "--out", fresh()]) == 0
    out = capsys.readouterr().out
    assert "QUICK (smoke) run" in out and "epochs overridden: 1" in out and "| naive: last value |" in out
    assert json.loads((tmp_path / "run0" / "geron15_quick.json").read_text())["settings"]["epochs"] == 1
    monkeypatch.setattr(reproduce_command, "CHECKOUT_ARCHIVE", tmp_path / "absent.tar.gz")
    monkeypatch.delenv("TORCHSEQ_IMDB", raising=False)
    monkeypatch.setenv("TORCHSEQ_CACHE", str(tmp_path / "cache"))
    assert main(["reproduce", "chollet-imdb", "--quick", "--only", "conv1d", "--out", fresh()]) == 0
    assert "generated stand-in" in capsys.readouterr().out
    assert main(["reproduce", "chollet-imdb", "--out", fresh()]) == 2
    assert "needs the aclImdb archive: pass --data" in capsys.readouterr().err
    assert main(["reproduce", "stocks", "--out", fresh()]) == 2
    assert main(["reproduce", "chollet-jena", "--quick", "--only", "naive", "--out", fresh()]) == 0
    assert main(["reproduce", "geron15", "--only", "nope", "--out", fresh()]) == 2
    assert "unknown geron15 model(s) nope" in capsys.readouterr().err
    prices = tmp_path / "p.csv"
    D.price_sample(120).to_csv(prices, index=False)
    assert main(["reproduce", "stocks", "--data", str(prices), "--epochs", "1", "--out", fresh()]) == 0
    assert pd.read_json(tmp_path / "run6" / "stocks.json", typ="series")["settings"]["epochs"] == 1
    capsys.readouterr()
    assert main(["reproduce", "stocks", "--data", str(prices), "--start", "2013-02-12", "--end", "2013-07-24",
                 "--epochs", "1", "--only", "conv1d", "--out", fresh()]) == 0
    assert "2013-02-12 to 2013-07-24, 117 days" in capsys.readouterr().out
    assert "2013-02-12 to 2013-07-24, 117 days" in json.loads((tmp_path / "run7" / "stocks.json").read_text())["note"]
    assert main(["reproduce", "geron15", "--ticker", "AAL", "--out", fresh()]) == 2
    assert "--ticker only apply to stocks, not geron15" in capsys.readouterr().err
    assert main(["reproduce", "stocks", "--quick", "--start", "2013-03-01", "--out", fresh()]) == 2
    assert "pass --data too" in capsys.readouterr().err


def test_every_reproduction_name_has_one_runner():
    from torchseq.reproduce import NAMES
    from torchseq.reproduce.command import RUNNERS, TITLES
    assert tuple(RUNNERS) == NAMES and tuple(TITLES) == NAMES
