"""Execute the notebooks and save them with their outputs and figures, as they are committed.

    python notebooks/refresh.py                 # every notebook, each in its committed mode
    python notebooks/refresh.py 02 07           # only these (by number or name)
    python notebooks/refresh.py --quick 07      # force quick mode (TORCHSEQ_QUICK=1)
    python notebooks/refresh.py --check         # execute into memory only: fail on an error, write nothing

Notebooks whose full run takes many minutes on a CPU (the dropout experiment, the forecasting recipes) are
committed in quick mode, which their figures stamp and their text says; notebook 08 is committed in full
on the generated review sample (10 epochs, a few minutes), since on the real aclImdb archive it takes hours;
the others run in full. Needs the dev extra (nbclient, nbformat, ipykernel, matplotlib).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Optional

FOLDER = Path(__file__).resolve().parent
QUICK = ("04", "07")                  # committed in quick mode: their full runs take many minutes on 2 CPUs
# Committed settings beyond the mode: 08 reads no archive (the generated sample), so its full run stays minutes.
ENVIRONMENT = {"08": {"TORCHSEQ_IMDB": str(FOLDER / "no-archive-here")}}


def execute(path: Path, quick: bool, timeout: int = 900, extra: Optional[dict] = None):
    """The notebook at ``path`` executed top to bottom in its folder; errors raise (nbclient's CellExecutionError)."""
    import nbclient
    import nbformat

    book = nbformat.read(path, as_version=4)
    environment = dict(os.environ, TORCHSEQ_QUICK="1" if quick else "0", **(extra or {}))
    environment.pop("MPLBACKEND", None)                                     # the kernel's inline backend: PNG outputs
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)                                          # the kernel inherits this environment
    try:
        client = nbclient.NotebookClient(book, timeout=timeout, kernel_name="python3", record_timing=False,
                                         resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return book


def chosen(names):
    books = sorted(FOLDER.glob("*.ipynb"))
    if not names:
        return books
    picked = [b for b in books if any(b.name.startswith(n) or b.stem == n for n in names)]
    unknown = [n for n in names if not any(b.name.startswith(n) or b.stem == n for b in books)]
    if unknown:
        raise SystemExit(f"refresh.py: no notebook {', '.join(unknown)} in {FOLDER}")
    return picked


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks by number (02) or name (default: all)")
    parser.add_argument("--quick", action="store_true", help="run every chosen notebook in quick mode")
    parser.add_argument("--check", action="store_true", help="execute only; write nothing")
    args = parser.parse_args(argv)
    import nbformat

    for path in chosen(args.names):
        quick = args.quick or path.name[:2] in QUICK
        start = time.perf_counter()
        book = execute(path, quick, extra=ENVIRONMENT.get(path.name[:2]))
        if not args.check:
            nbformat.write(book, path)
        print(f"{path.name}: {'quick' if quick else 'full'} mode, {time.perf_counter() - start:.0f} s"
              + ("" if args.check else ", saved with its outputs"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
