"""What variational dropout costs: a training step (forward + backward) of a torchseq layer with
``dropout`` and ``recurrent_dropout`` on, against the same layer with them off, in the same run.

Keras turns its cuDNN kernel off as soon as recurrent_dropout > 0; torchseq's target is at
most 1.3x the step without dropout. Per-gate masks (the default) and one shared mask are both timed,
the three variants in turn run by run (round-robin), so machine noise falls on all alike.

    python benchmarks/dropout_overhead.py             # the four standard configurations
    python benchmarks/dropout_overhead.py --quick     # small shapes
"""
from __future__ import annotations

import torch

import torchseq as ts
from timing import bench_main, cell, measured_on, stats, time_modules, total_seconds

CONFIGS = [(100, 64, 512, 512), (100, 64, 64, 128), (500, 32, 32, 32), (1000, 8, 256, 256)]
QUICK_CONFIGS = [(50, 16, 32, 32), (100, 64, 64, 128)]
LAYERS = {"LSTM": lambda C, H, **kw: ts.LSTM(C, H, **kw),
          "GRU": lambda C, H, **kw: ts.GRU(C, H, **kw),
          "GRU reset_after": lambda C, H, **kw: ts.GRU(C, H, reset_after=True, **kw)}
VARIANTS = {"none": {}, "per-gate": {"dropout": 0.25, "recurrent_dropout": 0.25},
            "shared": {"dropout": 0.25, "recurrent_dropout": 0.25, "per_gate_masks": False}}


def run(configs, repeats: int, warmup: int, device: torch.device):
    for (T, N, C, H) in configs:
        for kind, make in LAYERS.items():
            x = torch.randn(N, T, C, device=device, requires_grad=True)            # (N, L, F)
            row = {"kind": kind, "T": T, "N": N, "C": C, "H": H}
            layers = {}
            for name, options in VARIANTS.items():
                torch.manual_seed(0)
                layers[name] = make(C, H, return_sequences=True, **options).to(device).train()
            for name, (fwd, bwd) in time_modules(layers, x, repeats, warmup).items():
                row[name] = stats(total_seconds(fwd, bwd))
            for name in ("per-gate", "shared"):
                row[f"ratio {name}"] = row[name]["median_ms"] / row["none"]["median_ms"]
            print(f"{kind:<16} T={T:<5} N={N:<3} C={C:<4} H={H:<4} none {row['none']['median_ms']:8.2f} ms  "
                  f"per-gate {row['ratio per-gate']:.2f}x  shared {row['ratio shared']:.2f}x", flush=True)
            yield row


def markdown(rows, info: dict, repeats: int) -> str:
    lines = [measured_on(info) + "; "
             f"training step (forward + backward), median (IQR) of {repeats} runs, ms; "
             f"dropout = recurrent_dropout = 0.25.", "",
             "| layer | T | N | C | H | no dropout | per-gate masks | ratio | shared mask | ratio |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        cells = [cell(r[v]) for v in VARIANTS]
        lines.append(f"| {r['kind']} | {r['T']} | {r['N']} | {r['C']} | {r['H']} | {cells[0]} | {cells[1]} | "
                     f"{r['ratio per-gate']:.2f}x | {cells[2]} | {r['ratio shared']:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    bench_main(__doc__, "dropout_overhead", run, markdown, CONFIGS, QUICK_CONFIGS)


if __name__ == "__main__":
    main()
