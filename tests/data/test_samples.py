"""The synthetic stand-ins have the real datasets' layouts (the loaders and pipelines read them), are pure
functions of their seed, and carry the structure they claim (cycles, physics, learnable sentiment)."""
import numpy as np
import pandas as pd
import pytest

from torchseq.data import jena_sample, load_jena, load_prices, price_sample, review_sample
from torchseq.data.samples import JENA_COLUMNS, NEGATIVE, POSITIVE


def test_jena_sample_layout_and_loader(tmp_path):
    table = jena_sample(300, seed=1)
    assert list(table.columns) == ["Date Time", *JENA_COLUMNS] and table.shape == (300, 15)
    stamps = pd.to_datetime(table["Date Time"], format="%d.%m.%Y %H:%M:%S")
    assert (stamps.diff().dropna() == pd.Timedelta(minutes=10)).all() and str(stamps[0]) == "2009-01-01 00:10:00"
    table.to_csv(tmp_path / "jena.csv", index=False)
    loaded = load_jena(tmp_path / "jena.csv", check_rows=False)
    assert np.allclose(loaded.iloc[:, 1:].to_numpy(), table.iloc[:, 1:].to_numpy())
    assert jena_sample(300, seed=1).equals(table) and not jena_sample(300, seed=2).equals(table)


def test_jena_sample_cycles_and_physics():
    table = jena_sample(60_000, seed=0)                                            # 417 days
    hour = pd.to_datetime(table["Date Time"], format="%d.%m.%Y %H:%M:%S").dt
    temperature = table["T (degC)"]
    assert temperature[hour.hour == 14].mean() > temperature[hour.hour == 2].mean() + 5          # daily cycle
    assert temperature[hour.month == 7].mean() > temperature[hour.month == 1].mean() + 12        # yearly cycle
    gap = table["VPmax (mbar)"] - table["VPact (mbar)"] - table["VPdef (mbar)"]
    assert gap.abs().max() <= 0.011                                                # VPdef = VPmax - VPact
    assert (table["Tdew (degC)"] <= temperature + 0.011).all() and table["rh (%)"].between(0, 100).all()
    lag = lambda k: np.corrcoef(temperature[:-k], temperature[k:])[0, 1]           # noqa: E731
    assert lag(144) > lag(72)                                                      # one day ago is more alike


def opinion_score(text):
    """Count opinions, reading "not" + word as the opposite: the rule the generator writes by."""
    words, score = text.split(), 0
    for k, w in enumerate(words):
        sign = 1 if w in POSITIVE else -1 if w in NEGATIVE else 0
        score += -sign if k and words[k - 1] == "not" else sign
    return score


def test_review_sample_layout_and_signal():
    reviews = review_sample(400, 300, seed=3, min_words=30, max_words=80)
    for split, n in (("train", 400), ("test", 300)):
        texts, labels = reviews[split]
        assert len(texts) == len(labels) == n and labels == sorted(labels) and 0 < sum(labels) < n
        assert all(30 <= len(t.split()) - t.split().count("not") <= 80 for t in texts)
    texts, labels = reviews["test"]
    with_negation = np.mean([(opinion_score(t) > 0) == bool(y) for t, y in zip(texts, labels) if opinion_score(t)])
    naive = np.mean([(sum((w in POSITIVE) - (w in NEGATIVE) for w in t.split()) > 0) == bool(y)
                     for t, y in zip(texts, labels)])
    assert with_negation > 0.85 and naive < with_negation - 0.05                   # word order matters
    assert review_sample(400, 300, seed=3, min_words=30, max_words=80) == reviews
    with pytest.raises(ValueError, match="max_words must be >= min_words = 30, got 10"):
        review_sample(min_words=30, max_words=10)
    with pytest.raises(TypeError, match="n_train must be a positive int, got float 1.5"):
        review_sample(1.5)


def test_price_sample_layout_and_loader(tmp_path):
    table = price_sample(300, seed=4, ticker="XYZ")
    assert list(table.columns) == ["date", "open", "high", "low", "close", "volume", "Name"]
    assert (table["high"] >= table[["open", "close"]].max(axis=1)).all()
    assert (table["low"] <= table[["open", "close"]].min(axis=1)).all()
    assert (pd.to_datetime(table["date"]).dt.day_of_week < 5).all()
    table.to_csv(tmp_path / "prices.csv", index=False)
    series = load_prices(tmp_path / "prices.csv", "XYZ")
    assert len(series) == 300 and np.allclose(series.to_numpy(), table["high"].to_numpy())
    with pytest.raises(TypeError, match="ticker must be a non-empty str, got ''"):
        price_sample(ticker="")
    with pytest.raises(ValueError, match="days must be a positive int, got 0"):
        price_sample(0)
