"""Time torchseq's readable recurrent layers against torch.nn in the same run.

Forward and backward are timed separately (synchronising the device around each), after warm-up, over
``--repeats`` runs taken in turn with torch.nn's (round-robin); the table reports medians and the
interquartile range. torch.nn's module and
torchseq's copy of it (``from_torch``: same weights, same math; the GRU is the reset-after form) see the
same input. Results go to ``--out`` as JSON and a markdown table with the machine and versions.

    python benchmarks/recurrent_baseline.py            # the four configurations of issue 6
    python benchmarks/recurrent_baseline.py --quick    # small shapes, well under a minute on a CPU
"""
from __future__ import annotations

import torch
from torch import nn

from timing import bench_main, cell, measured_on, stats, time_modules
from torchseq.interop import from_torch

# (T, N, C, H): time steps, batch, input features, hidden units.
CONFIGS = [(100, 64, 512, 512), (100, 64, 64, 128), (500, 32, 32, 32), (1000, 8, 256, 256)]
QUICK_CONFIGS = [(50, 16, 32, 32), (100, 64, 64, 128)]
KINDS = {"LSTM": nn.LSTM, "GRU": nn.GRU}


def run(configs, repeats: int, warmup: int, device: torch.device):
    rows = []
    for (T, N, C, H) in configs:
        for kind, cls in KINDS.items():
            torch.manual_seed(0)
            reference = cls(C, H, batch_first=True, device=device)
            ours = from_torch(reference)
            x = torch.randn(N, T, C, device=device, requires_grad=True)     # (N, L, F)
            result = {"kind": kind, "T": T, "N": N, "C": C, "H": H}
            times = time_modules({"torch.nn": reference, "torchseq": ours}, x, repeats, warmup)
            for name, (fwd, bwd) in times.items():
                result[name] = {"forward": stats(fwd), "backward": stats(bwd),
                                "total": stats([f + b for f, b in zip(fwd, bwd)])}
            result["ratio_total"] = result["torchseq"]["total"]["median_ms"] / result["torch.nn"]["total"]["median_ms"]
            rows.append(result)
            print(f"{kind:<5} T={T:<5} N={N:<3} C={C:<4} H={H:<4} torch.nn "
                  f"{result['torch.nn']['total']['median_ms']:9.2f} ms  torchseq "
                  f"{result['torchseq']['total']['median_ms']:9.2f} ms  ratio {result['ratio_total']:.2f}x", flush=True)
    return rows


def markdown(rows, info: dict, repeats: int) -> str:
    lines = [measured_on(info) + f"; forward and backward, median (IQR) of {repeats} runs, ms.",
             "", "| layer | T | N | C | H | torch.nn fwd | torch.nn bwd | torchseq fwd | torchseq bwd | ratio fwd+bwd |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    for r in rows:
        a, b = r["torch.nn"], r["torchseq"]
        lines.append(f"| {r['kind']} | {r['T']} | {r['N']} | {r['C']} | {r['H']} | {cell(a['forward'])} | "
                     f"{cell(a['backward'])} | {cell(b['forward'])} | {cell(b['backward'])} | {r['ratio_total']:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    bench_main(__doc__, "recurrent_baseline", run, markdown, CONFIGS, QUICK_CONFIGS)


if __name__ == "__main__":
    main()
