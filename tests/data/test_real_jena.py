"""On the real Jena file (`jena_climate_2009_2016.csv` or its zip, named by $TORCHSEQ_JENA; skipped where it is
not set -- the project's machines do not have it): the loader's checks, the real header, and the naive row of
`torchseq reproduce chollet-jena` against the book's 0.29 (= 2.57 degrees C), Deep Learning with Python 6.3."""
import os
from pathlib import Path

import pytest

from torchseq.data import load_jena
from torchseq.data.samples import JENA_COLUMNS
from torchseq.reproduce import chollet_jena

JENA = Path(os.environ.get("TORCHSEQ_JENA", "/nonexistent/jena_climate_2009_2016.csv"))
pytestmark = [pytest.mark.data, pytest.mark.skipif(not JENA.exists(), reason="$TORCHSEQ_JENA is not set")]


def test_jena_file_and_the_books_naive_row():
    table = load_jena(JENA)                                                  # refuses anything but 420,551 x 15
    assert list(table.columns) == ["Date Time", *JENA_COLUMNS]
    assert table["Date Time"].iloc[0] == "01.01.2009 00:10:00"
    (naive,) = chollet_jena.run(table, only=["naive"], log=lambda *_: None)
    assert naive.value == pytest.approx(0.29, abs=0.005)
    assert naive.extra[chollet_jena.DEGREES] == pytest.approx(2.57, abs=0.05)
