"""On a real daily-price file: the MSFT history (Kaggle's "Price, volume data for all US stocks & ETFs") that
the PyPI wheel pmdarima 2.1.1 ships, extracted as docs/RESULTS.md shows and named by $TORCHSEQ_PRICES
(skipped where it is not set). Pins the loader and the stock reproduction's naive row to the numbers
docs/RESULTS.md reports."""
import os
from pathlib import Path

import pytest

from torchseq.data import load_prices
from torchseq.reproduce import stocks

PRICES = Path(os.environ.get("TORCHSEQ_PRICES", "/nonexistent/msft.csv"))
pytestmark = [pytest.mark.data, pytest.mark.skipif(not PRICES.exists(), reason="$TORCHSEQ_PRICES is not set")]


def test_msft_file_and_the_naive_rows():
    series = load_prices(PRICES)
    assert len(series) == 7983 and str(series.index[0].date()) == "1986-03-13"
    assert str(series.index[-1].date()) == "2017-11-10" and series.index.is_monotonic_increasing
    span = load_prices(PRICES, start="2014-03-13")
    assert len(span) == 926 and int(0.7 * len(span)) == 648                      # the lecture's 648 training days
    for prices, valid, test in ((series, 0.01567, 1.142), (span, 0.04102, 1.627)):
        (naive,) = stocks.run(prices, only=["naive"], log=lambda *_: None)
        assert naive.value == pytest.approx(valid, abs=5e-6)
        assert naive.extra["test MAE (price)"] == pytest.approx(test, abs=5e-4)
