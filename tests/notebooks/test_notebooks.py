"""Every notebook runs top to bottom in quick mode (TORCHSEQ_QUICK=1: smaller data, fewer epochs), so a
broken notebook fails the build; and every committed notebook carries the outputs of one clean run
(notebooks/refresh.py), with each figure followed by the paragraph that says what to see in it.
Notebooks import torchseq and define no library code, except 09, whose subject is writing a cell."""
import base64
import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook runner needs the dev extra (nbclient, nbformat)")
nbclient = pytest.importorskip("nbclient", reason="the notebook runner needs the dev extra (nbclient, nbformat)")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
WRITES_A_CELL = "09_"                   # the notebook whose subject is writing a cell of your own


def test_notebooks_exist():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{k:02d}_" for k in range(1, 10)], NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch, tmp_path):
    monkeypatch.setenv("TORCHSEQ_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    if not path.name.startswith(WRITES_A_CELL):                                  # the others define no library code
        assert not any("def " in c.source and "class " in c.source for c in book.cells if c.cell_type == "code")
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


DRAWS = re.compile(r"(plot_\w+\(|plt\.|subplots\(|\.figure\()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_carries_its_outputs_and_explains_its_figures(path):
    check_committed(path, json.loads(path.read_text())["cells"])


def test_the_check_catches_missing_outputs_errors_and_unexplained_figures():
    path = NOTEBOOKS[0]
    pristine = json.loads(path.read_text())["cells"]
    stripped = json.loads(json.dumps(pristine))
    for c in stripped:
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None
    with pytest.raises(AssertionError, match="not saved from one clean run"):
        check_committed(path, stripped)
    figure = next(k for k, c in enumerate(pristine) if c["cell_type"] == "code" and DRAWS.search("".join(c["source"])))
    no_image = json.loads(json.dumps(pristine))
    no_image[figure]["outputs"] = [o for o in no_image[figure]["outputs"] if "image/png" not in o.get("data", {})]
    with pytest.raises(AssertionError, match="draws a figure but its output holds none"):
        check_committed(path, no_image)
    unexplained = json.loads(json.dumps(pristine))
    del unexplained[figure + 1]
    with pytest.raises(AssertionError, match="must be followed by its 'What to see' paragraph"):
        check_committed(path, unexplained)
    failed = json.loads(json.dumps(pristine))
    failed[figure]["outputs"].append({"output_type": "error", "ename": "E", "evalue": "", "traceback": []})
    with pytest.raises(AssertionError, match="saved an error"):
        check_committed(path, failed)


def check_committed(path, cells):
    code = [c for c in cells if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), \
        f"{path.name} is not saved from one clean run: python notebooks/refresh.py {path.name[:2]}"
    for k, c in enumerate(cells):
        if c["cell_type"] != "code":
            continue
        source, outputs = "".join(c["source"]), c["outputs"]
        assert not [o for o in outputs if o["output_type"] == "error"], f"{path.name} cell {k} saved an error"
        stderr = "".join("".join(o["text"]) for o in outputs if o.get("name") == "stderr")
        assert "Warning" not in stderr and "Traceback" not in stderr, f"{path.name} cell {k}: {stderr[:200]}"
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        if DRAWS.search(source):
            assert images, f"{path.name} cell {k} draws a figure but its output holds none"
        for image in images:
            assert base64.b64decode(image["data"]["image/png"])[:4] == b"\x89PNG"
        if images:
            after = cells[k + 1] if k + 1 < len(cells) else None
            assert after is not None and after["cell_type"] == "markdown" and \
                "".join(after["source"]).startswith("**What to see.**"), \
                f"{path.name} cell {k}: a figure must be followed by its 'What to see' paragraph"
