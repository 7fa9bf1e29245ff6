"""Small synthetic stand-ins with the layouts of the real datasets -- Jena's table, IMDB's reviews, a daily-price
CSV -- for the notebooks' quick mode and the reproductions' smoke runs when the real files are absent.

They are generated, not measured: numbers obtained on them say that a pipeline runs and learns something,
never how a model does on the real data. Each is a pure function of its seed.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
import pandas as pd

from .._validate import check_seed, check_size

JENA_COLUMNS = ("p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)", "VPact (mbar)",
                "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)",
                "wd (deg)")
ROWS_PER_DAY = 144                                                                   # one row every 10 minutes


def _ar1(rng: np.random.RandomState, n: int, keep: float, scale: float) -> np.ndarray:
    """x_t = keep * x_{t-1} + scale * e_t, e_t ~ N(0, 1), started from its stationary distribution."""
    noise = rng.randn(n) * scale
    noise[0] /= np.sqrt(1.0 - keep ** 2)
    out = np.empty(n)
    acc = 0.0
    for t in range(n):
        acc = keep * acc + noise[t]
        out[t] = acc
    return out


def _saturation_pressure(celsius: np.ndarray) -> np.ndarray:
    """Magnus formula, hPa: E(T) = 6.1078 exp(17.27 T / (T + 237.3))."""
    return 6.1078 * np.exp(17.27 * celsius / (celsius + 237.3))


def jena_sample(rows: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """A Jena-shaped table: 'Date Time' every 10 minutes from 01.01.2009 and the 14 columns of the real file.

    Temperature is a yearly cycle, a daily cycle and slow AR(1) weather (keep 0.999 per 10 min), plus AR(1)
    fast noise; pressure is its own slow AR(1); the humidity columns follow from temperature and a relative
    humidity that falls when it is warm (Magnus formula: VPmax = E(T), VPact = rh VPmax, Tdew = E^-1(VPact));
    potential temperature is (T + 273.15)(1000 / p)^0.286; wind is a positive AR(1). Same dtypes and column names as :func:`load_jena` returns.
    """
    rows = check_size("rows", rows)
    rng = np.random.RandomState(check_seed("seed", seed))
    t = np.arange(rows)
    day, year = 2 * np.pi * t / ROWS_PER_DAY, 2 * np.pi * t / (365.25 * ROWS_PER_DAY)
    weather = _ar1(rng, rows, 0.999, 0.12)                                           # std ~ 2.7 degC, days long
    temperature = 9.0 - 9.0 * np.cos(year) - 4.0 * np.cos(day - 0.5) + weather + _ar1(rng, rows, 0.9, 0.15)
    pressure = 989.0 + _ar1(rng, rows, 0.9995, 0.25)
    rh = np.clip(75.0 - 2.5 * (temperature - (9.0 - 9.0 * np.cos(year))) + _ar1(rng, rows, 0.99, 1.0), 15.0, 100.0)
    vp_max = _saturation_pressure(temperature)
    vp_act = rh / 100.0 * vp_max
    log_ratio = np.log(vp_act / 6.1078)
    dew = 237.3 * log_ratio / (17.27 - log_ratio)                                    # E^-1(VPact)
    wind = np.abs(1.5 + _ar1(rng, rows, 0.98, 0.3))
    stamps = pd.Timestamp("2009-01-01 00:10:00") + pd.to_timedelta(t * 10, unit="min")
    columns = (pressure, temperature, (temperature + 273.15) * (1000.0 / pressure) ** 0.286, dew, rh, vp_max,
               vp_act, vp_max - vp_act, 622.0 * vp_act / pressure, 1000.0 * vp_act / pressure,
               pressure * 100.0 / (287.05 * (temperature + 273.15)) * 1000.0, wind, 1.6 * wind + 0.3 * rng.rand(rows),
               np.mod(200.0 + np.cumsum(rng.randn(rows) * 5.0), 360.0))
    table = pd.DataFrame({"Date Time": stamps.strftime("%d.%m.%Y %H:%M:%S")})
    for name, values in zip(JENA_COLUMNS, columns):
        table[name] = np.round(values, 2)
    return table


POSITIVE = ("great", "excellent", "wonderful", "superb", "brilliant", "moving", "funny", "beautiful", "best",
            "enjoyable", "perfect", "touching", "gripping", "charming", "masterpiece", "loved")
NEGATIVE = ("awful", "boring", "terrible", "worst", "poor", "dull", "waste", "bad", "stupid", "horrible",
            "mess", "pointless", "predictable", "annoying", "weak", "hated")
NEUTRAL = ("the", "movie", "film", "a", "and", "of", "to", "is", "it", "in", "this", "that", "was", "as", "with",
           "plot", "story", "actors", "acting", "scene", "scenes", "director", "script", "characters", "ending",
           "music", "i", "for", "but", "on", "watch", "saw", "time", "really", "very", "just", "some", "its",
           "cast", "one", "who", "about", "what", "there", "when", "all", "by", "an", "at", "his", "her")


def _review(rng: np.random.RandomState, positive: bool, words: int, opinions: float, agree: float,
            negate: float) -> str:
    out: List[str] = []
    for _ in range(words):
        if rng.rand() >= opinions:
            out.append(NEUTRAL[rng.randint(len(NEUTRAL))])
            continue
        meant_positive = positive if rng.rand() < agree else not positive          # the opinion this phrase carries
        negated = rng.rand() < negate                                              # "not great" means negative
        pool = POSITIVE if meant_positive != negated else NEGATIVE
        out.extend(["not"] if negated else [])
        out.append(pool[rng.randint(len(pool))])
    return " ".join(out)


def review_sample(n_train: int = 1000, n_test: int = 1000, seed: int = 0, min_words: int = 20,
                  max_words: int = 200) -> Dict[str, Tuple[List[str], List[int]]]:
    """IMDB-shaped reviews: {"train": (texts, labels), "test": (texts, labels)}, labels 0 = negative, 1 = positive,
    negatives then positives (the order :func:`load_imdb` gives).

    Each review is min_words..max_words words: mostly neutral movie words, and with probability 0.15 per word
    an opinion phrase that agrees with the label with probability 0.7; a fifth of the opinions are negated
    ("not" + a word of the opposite polarity), so the meaning of a word depends on the one before it.
    """
    n_train, n_test = check_size("n_train", n_train), check_size("n_test", n_test)
    min_words, max_words = check_size("min_words", min_words), check_size("max_words", max_words)
    if max_words < min_words:
        raise ValueError(f"max_words must be >= min_words = {min_words}, got {max_words}")
    rng = np.random.RandomState(check_seed("seed", seed))
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        labels = sorted(int(v) for v in rng.randint(0, 2, n))                        # negatives first
        texts = [_review(rng, bool(label), rng.randint(min_words, max_words + 1), 0.15, 0.7, 0.2) for label in labels]
        out[split] = (texts, labels)
    return out


def price_sample(days: int = 1259, seed: int = 0, ticker: str = "SAMPLE") -> pd.DataFrame:
    """A daily-price table in the layout of Kaggle's S&P 500 'all_stocks_5yr.csv' (date, open, high, low, close,
    volume, Name) for one ticker: business days from 2013-02-08, a geometric random walk (drift 0.03%, volatility
    1.5% a day) for the close, open = previous close times a small gap, high/low beyond both."""
    days = check_size("days", days)
    if not isinstance(ticker, str) or not ticker:
        raise TypeError(f"ticker must be a non-empty str, got {ticker!r}")
    rng = np.random.RandomState(check_seed("seed", seed))
    close = 50.0 * np.exp(np.cumsum(0.0003 + 0.015 * rng.randn(days)))
    open_ = np.concatenate([[50.0], close[:-1]]) * np.exp(0.003 * rng.randn(days))
    high = np.maximum(open_, close) * (1.0 + 0.008 * rng.rand(days))
    low = np.minimum(open_, close) * (1.0 - 0.008 * rng.rand(days))
    dates = pd.bdate_range("2013-02-08", periods=days)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "open": open_.round(4), "high": high.round(4),
                         "low": low.round(4), "close": close.round(4),
                         "volume": rng.randint(1_000_000, 5_000_000, days), "Name": ticker})
