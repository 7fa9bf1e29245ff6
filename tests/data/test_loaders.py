"""Dataset loaders on fixtures the tests build (never the network): Jena from a zip -- also "downloaded"
from a file:// URL, atomically --, IMDB from a folder and a .tar.gz, daily prices, the synthetic series."""
import io
import os
import tarfile
import urllib.request
import zipfile

import numpy as np
import pandas as pd
import pytest

from torchseq.data import cache_dir, load_imdb, load_jena, load_prices
from torchseq.data import download as dl
from torchseq.data import jena


def jena_zip(path, rows=50):
    table = pd.DataFrame({"Date Time": [f"01.01.2009 00:{i:02d}:00" for i in range(rows)],
                          **{f"col{k}": np.arange(rows) * (k + 1.0) for k in range(14)}})
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(jena.CSV, table.to_csv(index=False))
    return table


def test_jena_from_zip_csv_and_cache(tmp_path, monkeypatch):
    table = jena_zip(tmp_path / "j.zip")
    loaded = load_jena(tmp_path / "j.zip", check_rows=False)
    assert loaded.shape == (50, 15) and np.allclose(loaded.iloc[:, 1:].to_numpy(), table.iloc[:, 1:].to_numpy())
    with pytest.raises(ValueError, match="holds a 50 x 15 table, expected 420551 x 15"):
        load_jena(tmp_path / "j.zip")
    monkeypatch.setenv("TORCHSEQ_CACHE", str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache"
    with pytest.raises(FileNotFoundError, match="jena_climate_2009_2016.csv .* is not in .*cache; put it there"):
        load_jena(download=False)


def test_download_is_atomic_and_checked(tmp_path, monkeypatch):
    jena_zip(tmp_path / "good.zip")
    monkeypatch.setattr(jena, "URLS", ((tmp_path / "good.zip").as_uri(),))
    loaded = load_jena(cache=tmp_path / "cache", check_rows=False)           # fetched through file://
    assert loaded.shape == (50, 15) and (tmp_path / "cache" / jena.ARCHIVE).exists()
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(jena, "URLS", ((tmp_path / "corrupt.zip").as_uri(),))
    with pytest.raises(OSError, match="could not download .* place it at .*jena_climate_2009_2016.csv.zip"):
        load_jena(cache=tmp_path / "cache2")
    assert os.listdir(tmp_path / "cache2") == []                              # nothing that looks valid

    class Broken(io.RawIOBase):
        def __init__(self):
            self.sent = False

        def read(self, n=-1):
            if self.sent:
                raise ConnectionResetError("connection dropped")
            self.sent = True
            return b"PK\x03\x04partial"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    with pytest.raises(OSError, match="connection dropped"):
        dl.fetch("https://example.invalid/x.zip", tmp_path / "cache2" / "x.zip", jena.check_archive,
                 opener=lambda url: Broken())
    assert os.listdir(tmp_path / "cache2") == []
    with pytest.raises(OSError, match="SHA-256 .* differs from the expected 00"):
        dl.fetch((tmp_path / "good.zip").as_uri(), tmp_path / "cache2" / "y.zip", jena.check_archive,
                 expected_sha256="00", opener=urllib.request.urlopen)


def test_download_falls_back_to_the_next_address(tmp_path, monkeypatch):
    table = jena_zip(tmp_path / "good.zip")
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 not really a zip")
    missing, corrupt, good = (tmp_path / name for name in ("missing.zip", "corrupt.zip", "good.zip"))
    monkeypatch.setattr(jena, "URLS", (missing.as_uri(), corrupt.as_uri(), good.as_uri()))
    loaded = load_jena(cache=tmp_path / "cache", check_rows=False)
    assert np.array_equal(loaded.iloc[:, 1:].to_numpy(), table.iloc[:, 1:].to_numpy())
    assert os.listdir(tmp_path / "cache") == [jena.ARCHIVE]
    monkeypatch.setattr(jena, "URLS", (missing.as_uri(), corrupt.as_uri()))
    with pytest.raises(OSError, match="no address delivered") as error:
        load_jena(cache=tmp_path / "cache2")
    assert "missing.zip" in str(error.value) and "corrupt.zip" in str(error.value)
    assert os.listdir(tmp_path / "cache2") == []


def write_reviews(root):
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            os.makedirs(root / "aclImdb" / split / label)
            for i in range(3):
                (root / "aclImdb" / split / label / f"{i}_{7 if label == 'pos' else 2}.txt").write_text(
                    f"{split} {label} review {i}")
    os.makedirs(root / "aclImdb" / "train" / "unsup")
    (root / "aclImdb" / "train" / "unsup" / "0_0.txt").write_text("unlabelled")


def test_imdb_folder_and_archive(tmp_path):
    write_reviews(tmp_path)
    from_folder = load_imdb(tmp_path / "aclImdb")
    with tarfile.open(tmp_path / "a.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "aclImdb", arcname="aclImdb")
    from_tar = load_imdb(tmp_path / "a.tar.gz")
    assert from_folder == from_tar
    texts, labels = from_tar["train"]
    assert labels == [0, 0, 0, 1, 1, 1] and texts[0] == "train neg review 0" and "unlabelled" not in texts
    with pytest.raises(FileNotFoundError, match="pass path= .* or download=True"):
        load_imdb(cache=tmp_path / "empty")


def test_prices(tmp_path):
    csv = tmp_path / "all_stocks.csv"
    pd.DataFrame({"date": ["2013-02-11", "2013-02-08", "2013-02-08"], "open": [1.0, 2.0, 3.0],
                  "high": [15.0, 14.0, 99.0], "low": [0, 0, 0], "close": [0, 0, 0], "volume": [1, 1, 1],
                  "Name": ["AAL", "AAL", "AAPL"]}).to_csv(csv, index=False)
    series = load_prices(csv, "AAL")
    assert series.tolist() == [14.0, 15.0] and str(series.index[0].date()) == "2013-02-08"
    with pytest.raises(ValueError, match="holds 2 tickers .* pass ticker="):
        load_prices(csv)
    with pytest.raises(ValueError, match="ticker 'MSFT' is not in"):
        load_prices(csv, "MSFT")
    with pytest.raises(ValueError, match="has no 'adj close' column"):
        load_prices(csv, "AAL", column="Adj Close")


def test_prices_one_ticker_file_and_a_span_of_dates(tmp_path):
    # The per-ticker layout of Kaggle's "Price, volume data for all US stocks & ETFs" (no Name column).
    csv = tmp_path / "msft.csv"
    dates = ["2014-03-10", "2014-03-11", "2014-03-12", "2014-03-13", "2014-03-14"]
    pd.DataFrame({"Date": dates, "Open": 1.0, "High": [10.0, 11.0, 12.0, 13.0, 14.0], "Low": 0.0, "Close": 0.0,
                  "Volume": 1, "OpenInt": 0}).to_csv(csv, index=False)
    assert load_prices(csv).tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]
    assert load_prices(csv, start="2014-03-11", end="2014-03-13").tolist() == [11.0, 12.0, 13.0]   # both included
    assert load_prices(csv, start="2014-03-13").tolist() == [13.0, 14.0]
    assert load_prices(csv, end="2014-03-10").tolist() == [10.0]
    with pytest.raises(ValueError, match=r"no rows of .* between start='2015-01-01' and end=None \(the file covers "
                                         r"2014-03-10 to 2014-03-14\)"):
        load_prices(csv, start="2015-01-01")
    with pytest.raises(ValueError, match="start must be a date such as '2014-03-12', got 'March'"):
        load_prices(csv, start="March")
    with pytest.raises(ValueError, match="has no Name column to select ticker 'AAL'"):
        load_prices(csv, "AAL")
