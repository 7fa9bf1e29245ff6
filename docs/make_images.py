"""Draw the pictures of the docs into docs/images/ with torchseq's own study tools.

    python docs/make_images.py            # needs matplotlib (pip install -e ".[plots]")

Every figure is computed here from seeded models and data, on the CPU, in a few seconds; rerun it after a
change to the study tools or the cells and commit the PNGs.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot  # noqa: E402

import torch  # noqa: E402

import torchseq as ts  # noqa: E402
from torchseq import study  # noqa: E402

IMAGES = Path(__file__).resolve().parent / "images"


def sine_batch(n: int = 4, steps: int = 60) -> torch.Tensor:
    """Sine waves of different phases, (N, L, 1)."""
    t = torch.arange(steps, dtype=torch.float32)
    phases = torch.linspace(0, math.pi, n).unsqueeze(1)
    return torch.sin(0.2 * t + phases).unsqueeze(-1)


def lstm_trace(folder: Path) -> None:
    torch.manual_seed(0)
    lstm = ts.LSTM(1, 16, return_sequences=True)
    _, inner = ts.trace(lstm, sine_batch())
    fig = study.plot_trace(inner, ["i", "f", "o", "c", "h"])
    fig.suptitle("LSTM(1 -> 16), Keras initialisation, reading a sine wave: gates and states of sample 0", y=1.0)
    fig.savefig(folder / "lstm_trace.png", dpi=90, bbox_inches="tight")


def gradient_norms(folder: Path) -> None:
    torch.manual_seed(0)
    x = torch.randn(16, 60, 1)
    norms = {}
    for rho in (0.5, 1.0):
        layer = ts.SimpleRNN(1, 32)
        with torch.no_grad():
            w = layer.cell.weight_hh
            w.mul_(rho / study.spectral_radius(layer.cell)["h"])                       # rescale to rho(W_h) = rho
        norms[f"SimpleRNN, rho(W_h) = {rho}"] = study.gradient_norms(layer, x)
    norms["LSTM (forget bias 1)"] = study.gradient_norms(ts.LSTM(1, 32), x)
    norms["GRU (reset before)"] = study.gradient_norms(ts.GRU(1, 32), x)
    fig = study.plot_gradient_norms(norms)
    fig.axes[0].set_title("||dL/dh_t|| with the loss on the last output (untrained layers, 60 steps)")
    fig.savefig(folder / "gradient_norms.png", dpi=90, bbox_inches="tight")


def receptive_field(folder: Path) -> None:
    levels = study.receptive_field_map(ts.models.SimpleWaveNet(), 40, 1)
    fig = study.plot_receptive_field(levels)
    fig.savefig(folder / "receptive_field.png", dpi=90, bbox_inches="tight")


def dropout_masks(folder: Path) -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 30, 4)
    variational = ts.LSTM(4, 12, recurrent_dropout=0.5, generator=1)
    naive = ts.LSTM(4, 12, recurrent_dropout=0.5, variational=False, generator=1)
    fig = study.plot_masks({"variational": study.masks_over_time(variational, x),
                            "per step": study.masks_over_time(naive, x)})
    fig.suptitle("recurrent keep-masks of gate i, sample 0", y=1.02)
    fig.savefig(folder / "dropout_masks.png", dpi=90, bbox_inches="tight")


def quick_start(folder: Path) -> None:
    """Run the README's quick start as it is written (in a scratch folder) and keep the picture it saves."""
    import os
    import tempfile
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split(QUICK_START_MARK, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            exec(compile(block, "README.md quick start", "exec"), {})
            (Path(scratch) / "gru_trace.png").replace(folder / "quick_start.png")
        finally:
            os.chdir(here)


QUICK_START_MARK = "<!-- quick start: docs/make_images.py runs this block and draws its picture -->"
PICTURES = (lstm_trace, gradient_norms, receptive_field, dropout_masks, quick_start)


def main(folder: Path = IMAGES) -> None:
    folder.mkdir(exist_ok=True)
    for draw in PICTURES:
        draw(folder)
        matplotlib.pyplot.close("all")
        print(f"drew {folder / draw.__name__}.png")


if __name__ == "__main__":
    main()
