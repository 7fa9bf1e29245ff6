"""The one small style every torchseq figure shares, so that a figure can be read before its caption.

- ``line_style(k)``: the k-th curve's colour and line style; colours (the 10 of matplotlib's tab10) and
  dashes (4) cycle together, so 20 curves in a row all differ, and two curves that overlap stay visible;
- ``legend_outside(ax)``: the legend right of the axes, never over the curves;
- ``integer_ticks(ax)``: epochs and time steps are counted, so their ticks are whole numbers;
- ``baseline(ax, y, label)``: a labelled horizontal yardstick (it appears in the legend);
- ``mark_quick(fig)``: the red "QUICK -- smoke run" stamp on a figure from a test-sized run (``is_quick``);
- ``new_figure(...)``: a Figure with constrained layout (labels are never clipped when saved), made without
  pyplot when it is only saved (no global state, no change of backend: safe inside a notebook);
- ``save(fig, path)``: written atomically as PNG.

matplotlib is optional (``pip install torchseq[plots]``); :func:`available` says whether it is installed.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Union

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf")                                                           # matplotlib's tab10
DASHES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
QUICK_STAMP = "QUICK -- smoke run, not a result"


def available() -> bool:
    """Whether matplotlib is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def line_style(k: int) -> dict:
    """Keyword arguments of ``ax.plot`` for the k-th curve: a colour, a line style and a marker, unique for
    k < 20 in colour and dash together (40 with the marker)."""
    return {"color": COLORS[k % len(COLORS)], "linestyle": DASHES[k % len(DASHES)],
            "marker": MARKERS[k % len(MARKERS)], "markersize": 3.5}


def new_figure(nrows: int = 1, ncols: int = 1, panel=(6.0, 3.2), shown: bool = False, **options):
    """(figure, 2-D array of axes) with constrained layout; ``shown``: made through pyplot, so a notebook
    displays it; otherwise a bare Figure for saving only."""
    size = (panel[0] * ncols, panel[1] * nrows)
    if shown:
        import matplotlib.pyplot as plt
        return plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained", **options)
    from matplotlib.figure import Figure
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False, **options)


def legend_outside(ax, **options) -> None:
    """The axes' legend to their right, outside the plotted area."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, frameon=False, **options)


def integer_ticks(ax, axis: str = "x") -> None:
    """Whole-number ticks on ``axis`` ("x", "y" or "both"): for epochs, steps, units."""
    from matplotlib.ticker import MaxNLocator
    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"{name}axis").set_major_locator(MaxNLocator(integer=True))


def baseline(ax, y: float, label: str, k: int = 0) -> None:
    """A labelled horizontal yardstick (grey, dotted or dash-dotted by ``k``), part of the legend."""
    ax.axhline(y, color=("0.35", "0.6")[k % 2], linestyle=(":", "-.")[(k // 2) % 2], linewidth=1.2, label=label)


def mark_quick(fig) -> None:
    """Stamp a figure of a test-sized run in red below its panels (the figure's ``supxlabel``, which constrained
    layout makes room for), so that it is never taken for a result."""
    fig.supxlabel(QUICK_STAMP, color="#c00000", fontsize=9, fontweight="bold").set_gid("quick-stamp")


def is_quick(fig) -> bool:
    """Whether ``fig`` carries the QUICK stamp."""
    return bool(fig.findobj(lambda artist: artist.get_gid() == "quick-stamp"))


def save(fig, path: Union[str, Path], dpi: int = 110) -> None:
    """Write ``fig`` to ``path`` as PNG, atomically (no half-written file is ever left under the name)."""
    from ._io import atomic_file
    with atomic_file(Path(path), "wb", suffix=".png") as f:
        fig.savefig(f, dpi=dpi, format="png")
