"""Daily price files like the stock lecture's (Kaggle's S&P 500 'all_stocks_5yr.csv': date, open, high, low,
close, volume, Name -- column names matched case-insensitively)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from .._validate import check_path
from .tables import date_column, numeric_column, read_csv


def load_prices(path: Union[str, Path], ticker: Optional[str] = None, column: str = "High",
                start: Optional[str] = None, end: Optional[str] = None) -> pd.Series:
    """One ticker's ``column`` as a Series indexed by date, oldest first.

    ``ticker`` selects rows by the Name column; it may be omitted when the file holds one ticker only.
    ``start`` and ``end`` (ISO dates, "2014-03-12", both included) keep a span of the file; a span with no
    rows is an error naming the file's own first and last dates. A missing or unparsable date or price is
    an error naming the file, the column and the line.
    """
    path = check_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist" + (" (it is a folder)" if path.is_dir() else ""))
    for name, value in (("ticker", ticker), ("start", start), ("end", end)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}")
    if not isinstance(column, str):
        raise TypeError(f"column must be a column name (str), got {type(column).__name__} {column!r}")
    table = read_csv(path, path)
    by_lower = {c.lower(): c for c in table.columns}
    for needed in ("date", column.lower()):
        if needed not in by_lower:
            raise ValueError(f"{path} has no {needed!r} column (columns: {', '.join(table.columns)})")
    if "name" in by_lower:
        names = table[by_lower["name"]].unique()
        if ticker is None and len(names) > 1:
            raise ValueError(f"{path} holds {len(names)} tickers ({', '.join(map(str, names[:5]))}, ...); pass ticker=")
        if ticker is not None:
            table = table[table[by_lower["name"]] == ticker]
            if table.empty:
                raise ValueError(f"ticker {ticker!r} is not in {path} (e.g. {', '.join(map(str, names[:5]))})")
    elif ticker is not None:
        raise ValueError(f"{path} has no Name column to select ticker {ticker!r} from")
    values = numeric_column(table, by_lower[column.lower()], path)
    series = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(date_column(table, by_lower["date"], path)),
                       name=by_lower[column.lower()]).sort_index(kind="stable")
    series.index.name = "date"
    return _between(series, start, end, path)


def _between(series: pd.Series, start: Optional[str], end: Optional[str], path) -> pd.Series:
    """The rows of ``series`` (date index, sorted) dated from ``start`` to ``end``, both included."""
    bounds = {}
    for name, value in (("start", start), ("end", end)):
        if value is None:
            continue
        try:
            bounds[name] = pd.Timestamp(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a date such as '2014-03-12', got {value!r}") from None
    kept = series.loc[bounds.get("start"):bounds.get("end")]
    if kept.empty:
        span = f"{series.index[0]:%Y-%m-%d} to {series.index[-1]:%Y-%m-%d}" if len(series) else "no rows"
        raise ValueError(f"no rows of {path} between start={start!r} and end={end!r} (the file covers {span})")
    return kept
