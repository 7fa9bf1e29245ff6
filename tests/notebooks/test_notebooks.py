"""Every notebook runs top to bottom in quick mode (TORCHSEQ_QUICK=1: smaller data, fewer epochs), so a
broken notebook fails the build. Notebooks import torchseq and define no library code."""
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook runner needs the dev extra (nbclient, nbformat)")
nbclient = pytest.importorskip("nbclient", reason="the notebook runner needs the dev extra (nbclient, nbformat)")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_notebooks_exist():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{k:02d}_" for k in range(1, 9)], NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch, tmp_path):
    monkeypatch.setenv("TORCHSEQ_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    assert not any("def " in c.source and "class " in c.source for c in book.cells if c.cell_type == "code")
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
