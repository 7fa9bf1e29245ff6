"""The Jena climate series (Max Planck Institute for Biogeochemistry, 2009-2016), as Deep Learning with
Python uses it: 420,551 rows every 10 minutes, a 'Date Time' column and 14 measurements."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Optional, Sequence, Union

import pandas as pd

from .._validate import check_path
from .download import cache_dir, fetch
from .tables import numeric_column, read_csv

URLS = ("https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip",          # the book's address
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip")  # TF's copy
ARCHIVE = "jena_climate_2009_2016.csv.zip"
CSV = "jena_climate_2009_2016.csv"
ROWS, COLUMNS = 420_551, 15


def check_archive(path: Path) -> None:
    """A zip holding the CSV whose members pass their CRC-32 checksums (no published SHA-256 exists)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            bad = archive.testzip()                                                  # CRC-32 of every member
    except Exception as error:                                                      # noqa: BLE001 -- any fault
        # reading the archive (bad headers, an unknown compression, a broken deflate stream) means damage
        raise ValueError(f"{path.name} is not a valid zip archive ({type(error).__name__}: {error})") from error
    if CSV not in names:
        raise ValueError(f"{path.name} does not contain {CSV}")
    if bad is not None:
        raise ValueError(f"{path.name}: member {bad} fails its CRC-32 checksum")


def _fetch_first(urls: Sequence[str], path: Path, sha256: Optional[str]) -> None:
    """Fetch from the first address that delivers a valid archive; an OSError naming every failure otherwise."""
    failures = []
    for url in urls:
        try:
            fetch(url, path, check_archive, sha256)
            return
        except OSError as error:
            failures.append(str(error))
    raise OSError("no address delivered a valid archive:\n" + "\n".join(failures))


def load_jena(path: Optional[Union[str, Path]] = None, cache: Optional[Union[str, Path]] = None,
              download: bool = True, sha256: Optional[str] = None, check_rows: bool = True) -> pd.DataFrame:
    """The Jena table as a DataFrame (a 'Date Time' column and 14 float columns).

    Args:
        path: the CSV or the zip archive, if you have it; otherwise it is looked up in (and, with
            ``download``, fetched into) the cache directory (``cache``, $TORCHSEQ_CACHE, ~/.cache/torchseq),
            from the book's address or, when that fails, from TensorFlow's copy (:data:`URLS`).
        sha256: the archive's expected SHA-256, checked on download when given.
        check_rows: refuse a table that is not 420,551 x 15 (a truncated file).

    ``data = load_jena().iloc[:, 1:].to_numpy()`` is the book's ``float_data`` (temperature is column 1).
    A malformed file, or a missing or unparsable measurement, is an error naming the file, column and line.
    """
    if path is None:
        folder = cache_dir(cache)
        path = folder / CSV if (folder / CSV).exists() else folder / ARCHIVE
        if not path.exists():
            if not download:
                raise FileNotFoundError(f"{CSV} (or {ARCHIVE}) is not in {folder}; put it there, pass path=..., "
                                        f"or call load_jena(download=True)")
            _fetch_first(URLS, path, sha256)
    path = check_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist" + (" (it is a folder)" if path.is_dir() else ""))
    if path.suffix == ".zip":
        check_archive(path)
        with zipfile.ZipFile(path) as archive, archive.open(CSV) as f:
            table = read_csv(f, path)
    else:
        table = read_csv(path, path)
    if check_rows and table.shape != (ROWS, COLUMNS):
        raise ValueError(f"{path} holds a {table.shape[0]} x {table.shape[1]} table, expected {ROWS} x {COLUMNS} "
                         f"(a truncated or different file?); pass check_rows=False to read it anyway")
    if table.shape[1] < 2:
        raise ValueError(f"{path} holds {table.shape[1]} column(s); expected 'Date Time' and the measurements")
    for column in table.columns[1:]:                                                 # every measurement a number
        table[column] = numeric_column(table, column, path)
    return table
