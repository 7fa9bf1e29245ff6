"""The docs stay whole: every relative link of the README and the guide points at a file that exists, the
README stays a short guide, the API reference lists every public module, the script that draws the guide's
pictures runs, and the write-your-own-cell page's code runs as written."""
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    missing = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+://", target) or target.startswith("#"):
            continue
        if not (page.parent / target.split("#")[0]).exists():
            missing.append(target)
    assert not missing, f"{page.name} links to missing files: {missing}"


def test_readme_is_a_short_guide():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 250
    assert not [n for n, line in enumerate(lines, 1) if re.search(r"\bissue \d", line)], "issue numbers in README"


def test_the_pictures_script_draws_every_picture(tmp_path):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "make_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    drawn = sorted(p.name for p in tmp_path.glob("*.png"))
    assert drawn == sorted(f"{draw.__name__}.png" for draw in module.PICTURES)
    assert all((tmp_path / name).stat().st_size > 5000 for name in drawn)
    assert set(drawn) <= {p.name for p in (ROOT / "docs" / "images").glob("*.png")}, "commit the new pictures"


def test_every_public_module_is_in_the_api_reference():
    """A new module gets its page section: every torchseq module but the private ones (a leading underscore),
    the package itself (docs/api/toplevel.rst lists its names) and the command line's (``torchseq --help``)."""
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for p in (ROOT / "torchseq").rglob("*.py")}
    public = {m for m in modules if not any(part.startswith("_") for part in m.split("."))}
    listed = set(re.findall(r"automodule:: (\S+)", " ".join(p.read_text() for p in (ROOT / "docs" / "api").glob("*.rst"))))
    assert sorted(public - listed - {"torchseq", "torchseq.cli", "torchseq.demo"}) == []


def test_the_your_own_cell_page_runs_as_written(monkeypatch):
    """Its code blocks, in order, in one namespace: the cell, its check (which raises on a failing clause), its
    use in every wrapper with a trace and its plot, and the variant's excerpt."""
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    text = (ROOT / "docs" / "your-own-cell.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 4
    namespace = {}
    for block in blocks:
        exec(compile(block, "your-own-cell.md", "exec"), namespace)
    assert namespace["internals"]["f"].shape == (8, 20, 32)
    assert namespace["deep"](namespace["x"]).shape == (8, 32)
    assert namespace["CoupledGateLSTMCell"](3, 4).gates == ("i", "g", "o")
