"""One reproduced number, the table they make, and the files a reproduction writes (JSON, markdown, PNG)."""
from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

from .._io import atomic_file, write_atomic
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


def markdown(results: List[Result], title: str, note: str = "") -> str:
    """The table the reproduction prints: model, torchseq, published, ratio, met, epochs, wall time, device."""
    lines = [f"### {title}", ""]
    if note:
        lines += [note, ""]
    lines += ["| model | metric | torchseq | published | ratio | met | epochs | wall time | device |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        met = {None: "—", True: "yes", False: "no"}[r.met]
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


def plot_curves(results: List[Result], path: Path, title: str) -> bool:
    """The validation metric per epoch of every trained model, as a PNG; False where matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in results:
        if r.curve:
            ax.plot(range(1, len(r.curve) + 1), r.curve, marker=".", label=r.model)
        elif r.published is not None or r.epochs == 0:
            ax.axhline(r.value, ls=":", color="grey")                                # untrained yardsticks
    if all(r.value > 0 for r in results) and not any(r.higher_is_better for r in results):
        ax.set_yscale("log")                                                           # errors spanning decades
    ax.set_xlabel("epoch")
    ax.set_ylabel(results[0].metric if results else "")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if any(r.curve for r in results):
        ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_file(path, "wb", suffix=".png") as f:
        fig.savefig(f, dpi=110, format="png")
    plt.close(fig)
    return True


def write(results: List[Result], out: Path, stem: str, title: str, settings: dict, note: str = "") -> str:
    """Write ``stem``.json, .md and .png under ``out`` (atomically) and return the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(results, title, note)
    record = {"title": title, "note": note, "settings": settings,
              "environment": environment(results[0].device if results else "cpu"),
              "results": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in results]}
    write_atomic(out / f"{stem}.json", json.dumps(record, indent=1))
    write_atomic(out / f"{stem}.md", table)
    plot_curves(results, out / f"{stem}.png", title)
    return table
