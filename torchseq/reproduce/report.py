"""One reproduced number, the table they make, and the files a reproduction writes (JSON, markdown, PNG)."""
from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

from .._io import write_atomic
from .._machine import cpu_model


@dataclass
class Result:
    """A row of a reproduced table: ``value`` of ``metric`` for ``model``, beside the book's ``published``.

    ``higher_is_better`` for accuracies; ``curve`` is the validation metric per epoch (for the PNG);
    ``extra`` holds further numbers (test accuracy, best epoch ...), shown after the table.
    """
    model: str
    metric: str
    value: float
    published: Optional[float]
    epochs: int
    seconds: float
    device: str
    higher_is_better: bool = False
    curve: List[float] = field(default_factory=list)
    extra: Dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> Optional[float]:
        return None if not self.published else self.value / self.published

    @property
    def met(self) -> Optional[bool]:
        """At or below the published error (at or above the published accuracy) at the precision the book prints
        (0.010908 meets a printed 0.0109); None without a published value."""
        if self.published is None:
            return None
        value = float(f"{self.value:.{significant_digits(self.published)}g}")
        return value >= self.published if self.higher_is_better else value <= self.published


def select_rows(name: str, rows: Sequence[str], only: Optional[Sequence[str]]) -> List[str]:
    """The row keys a run trains: ``only`` (checked against ``rows``) or every row, in the table's order."""
    keys = list(rows) if not only else list(only)
    unknown = [k for k in keys if k not in rows]
    if unknown:
        raise ValueError(f"unknown {name} model(s) {', '.join(unknown)}; choose from {', '.join(rows)}")
    return keys


def significant_digits(x: float) -> int:
    """Significant digits of a number as written: 0.0109 -> 3, 0.020211 -> 5, 0.29 -> 2."""
    digits = repr(float(x)).lower().split("e")[0].replace("-", "").replace(".", "").lstrip("0")
    return max(len(digits), 1)


def _number(v: Optional[float]) -> str:
    return "—" if v is None else f"{v:.4g}"


def from_json(record: dict) -> List[Result]:
    """The Result rows of a written JSON record (to re-tabulate a finished run)."""
    names = {f.name for f in fields(Result)}
    return [Result(**{k: v for k, v in row.items() if k in names}) for row in record["results"]]


def markdown(results: List[Result], title: str, note: str = "", quick: bool = False) -> str:
    """The table the reproduction prints: model, torchseq, published, ratio, met, epochs, wall time, device.
    A smoke run (``quick``) is not meant to meet anything: its "met" column says "n/a (quick)"."""
    lines = [f"### {title}", ""]
    if note:
        lines += [note, ""]
    lines += ["| model | metric | torchseq | published | ratio | met | epochs | wall time | device |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        met = "n/a (quick)" if quick else {None: "—", True: "yes", False: "no"}[r.met]
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}"
        digits = max(4, significant_digits(r.published)) if r.published else 4            # as precise as the book
        published = "—" if r.published is None else f"{r.published:g}"
        lines.append(f"| {r.model} | {r.metric} | {r.value:.{digits}g} | {published} | {ratio} | {met} | "
                     f"{r.epochs} | {r.seconds:.0f} s | {r.device} |")
    extras = [f"- {r.model}: " + ", ".join(f"{k} {_number(v)}" for k, v in r.extra.items()) for r in results if r.extra]
    if extras:
        lines += ["", *extras]
    return "\n".join(lines) + "\n"


def environment(device: str) -> dict:
    """Where and with what a run happened: date, machine, versions (and the GPU and cuDNN on CUDA)."""
    info = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.machine(), "processor": cpu_model(),
            "cpus": torch.get_num_threads(), "python": platform.python_version(), "torch": torch.__version__,
            "device": device}
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
        info["cudnn"] = torch.backends.cudnn.version()
    return info


def plot_curves(results: List[Result], path: Path, title: str, quick: bool = False) -> bool:
    """The validation metric per epoch of every trained model, one panel per metric (models measured alike
    share a panel), untrained yardsticks as labelled horizontal lines, as a PNG; ``quick`` stamps it as a
    smoke run. False where matplotlib is missing."""
    from .. import plotting
    if not plotting.available():
        return False
    plotting.save(curves_figure(results, title, quick), path)
    return True


def curves_figure(results: List[Result], title: str, quick: bool = False):
    """The figure :func:`plot_curves` saves (a matplotlib Figure, not shown)."""
    from .. import plotting
    metrics = list(dict.fromkeys(r.metric for r in results)) or [""]
    fig, axes = plotting.new_figure(len(metrics), 1, panel=(9.0, 3.4))
    for ax, metric in zip(axes[:, 0], metrics):
        rows = [r for r in results if r.metric == metric]
        trained = [r for r in rows if r.curve]
        for k, r in enumerate(trained):
            ax.plot(range(1, len(r.curve) + 1), r.curve, label=r.model, **plotting.line_style(k))
        for k, r in enumerate(r for r in rows if not r.curve):
            plotting.baseline(ax, r.value, f"{r.model} ({'no training' if r.epochs == 0 else 'final value'})", k)
        if rows and all(r.value > 0 for r in rows) and not any(r.higher_is_better for r in rows):
            ax.set_yscale("log")                                                       # errors spanning decades
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        plotting.integer_ticks(ax)
        ax.grid(alpha=0.3)
        if rows:
            plotting.legend_outside(ax)
    fig.suptitle(title, fontsize=11)
    if quick:
        plotting.mark_quick(fig)
    return fig


def write(results: List[Result], out: Path, stem: str, title: str, settings: dict, note: str = "",
          quick: bool = False) -> str:
    """Write ``stem``.json, .md and .png under ``out`` (atomically) and return the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(results, title, note, quick)
    record = {"title": title, "note": note, "settings": settings,
              "environment": environment(results[0].device if results else "cpu"),
              "quick": quick, "results": [{**asdict(r), "ratio": r.ratio, "met": None if quick else r.met} for r in results]}
    write_atomic(out / f"{stem}.json", json.dumps(record, indent=1))
    write_atomic(out / f"{stem}.md", table)
    plot_curves(results, out / f"{stem}.png", title, quick)
    return table
