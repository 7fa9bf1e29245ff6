"""CSV files read with every problem named by file, column and line: pandas' parser errors, empty files,
text that is not UTF-8, and missing or unparsable values (which would otherwise become NaN and spread
through a scaler into a whole column)."""
from __future__ import annotations

from pathlib import Path
from typing import IO, Union

import numpy as np
import pandas as pd


def read_csv(source: Union[Path, IO], path: Path) -> pd.DataFrame:
    """``pd.read_csv(source)``; ValueError naming ``path`` when it is empty, malformed or not UTF-8."""
    try:
        return pd.read_csv(source)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: expected a CSV table with a header line") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path} is not a well-formed CSV table: {error}") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text ({error})") from None


def _first_bad(table: pd.DataFrame, column: str, bad: pd.Series, path: Path, what: str) -> ValueError:
    position = int(np.flatnonzero(bad.to_numpy())[0])
    label = table.index[position]
    line = f"line {label + 2}" if isinstance(label, (int, np.integer)) else f"row {label!r}"   # 1 = the header
    raw = table[column].iloc[position]
    shown = "an empty cell" if pd.isna(raw) else repr(raw.item() if isinstance(raw, np.generic) else raw)
    return ValueError(f"{path}, {line}: column {column!r} holds {shown}, not {what} "
                      f"({int(bad.sum())} such rows in all); fill or drop them first")


def numeric_column(table: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """``table[column]`` as finite floats; ValueError naming the line of the first missing or unparsable value."""
    values = pd.to_numeric(table[column], errors="coerce").astype(float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise _first_bad(table, column, bad, path, "a finite number")
    return values


def date_column(table: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """``table[column]`` as timestamps; ValueError naming the line of the first missing or unparsable date."""
    dates = pd.to_datetime(table[column], errors="coerce")
    bad = dates.isna()
    if bad.any():
        raise _first_bad(table, column, bad, path, "a date")
    return dates
