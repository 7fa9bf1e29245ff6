"""Time torchseq's readable recurrent layers against torch.nn in the same run.

Forward and backward are timed separately (synchronising the device around each), after warm-up, over
``--repeats`` runs; the table reports medians and the interquartile range. torch.nn's module and
torchseq's copy of it (``from_torch``: same weights, same math; the GRU is the reset-after form) see the
same input. Results go to ``--out`` as JSON and a markdown table with the machine and versions.

    python benchmarks/recurrent_baseline.py            # the four configurations of issue 6
    python benchmarks/recurrent_baseline.py --quick    # small shapes, well under a minute on a CPU
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from torchseq.interop import from_torch

# (T, N, C, H): time steps, batch, input features, hidden units.
CONFIGS = [(100, 64, 512, 512), (100, 64, 64, 128), (500, 32, 32, 32), (1000, 8, 256, 256)]
QUICK_CONFIGS = [(50, 16, 32, 32), (100, 64, 64, 128)]
KINDS = {"LSTM": nn.LSTM, "GRU": nn.GRU}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_module(module: nn.Module, x: torch.Tensor, repeats: int, warmup: int):
    """Per-run (forward seconds, backward seconds) of loss = output.sum()."""
    fwd, bwd = [], []
    for k in range(warmup + repeats):
        module.zero_grad(set_to_none=True)
        _sync(x.device)
        t0 = time.perf_counter()
        out = module(x)
        out = out[0] if isinstance(out, tuple) else out
        _sync(x.device)
        t1 = time.perf_counter()
        out.sum().backward()
        _sync(x.device)
        t2 = time.perf_counter()
        if k >= warmup:
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
    return fwd, bwd


def stats(seconds):
    q = statistics.quantiles(seconds, n=4)
    return {"median_ms": 1e3 * statistics.median(seconds), "iqr_ms": 1e3 * (q[2] - q[0])}


def machine(device: torch.device) -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "device": str(device), "date": time.strftime("%Y-%m-%d")}
    if device.type == "cuda":
        info.update(gpu=torch.cuda.get_device_name(device), cudnn=torch.backends.cudnn.version())
    return info


def run(configs, repeats: int, warmup: int, device: torch.device):
    rows = []
    for (T, N, C, H) in configs:
        for kind, cls in KINDS.items():
            torch.manual_seed(0)
            reference = cls(C, H, batch_first=True, device=device)
            ours = from_torch(reference)
            x = torch.randn(N, T, C, device=device, requires_grad=True)     # (N, L, F)
            result = {"kind": kind, "T": T, "N": N, "C": C, "H": H}
            for name, module in (("torch.nn", reference), ("torchseq", ours)):
                fwd, bwd = time_module(module, x, repeats, warmup)
                result[name] = {"forward": stats(fwd), "backward": stats(bwd),
                                "total": stats([f + b for f, b in zip(fwd, bwd)])}
            result["ratio_total"] = result["torchseq"]["total"]["median_ms"] / result["torch.nn"]["total"]["median_ms"]
            rows.append(result)
            print(f"{kind:<5} T={T:<5} N={N:<3} C={C:<4} H={H:<4} torch.nn "
                  f"{result['torch.nn']['total']['median_ms']:9.2f} ms  torchseq "
                  f"{result['torchseq']['total']['median_ms']:9.2f} ms  ratio {result['ratio_total']:.2f}x", flush=True)
    return rows


def markdown(rows, info: dict, repeats: int) -> str:
    lines = [f"Measured {info['date']} on {info['device']} ({info.get('gpu', info['processor'])}, "
             f"{info['cpu_count']} CPUs, {info['torch_threads']} torch threads), torch {info['torch']}"
             + (f", cuDNN {info['cudnn']}" if "cudnn" in info else "") + f"; median (IQR) of {repeats} runs, ms.",
             "", "| layer | T | N | C | H | torch.nn fwd | torch.nn bwd | torchseq fwd | torchseq bwd | ratio fwd+bwd |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def cell(s: dict) -> str:
        return f"{s['median_ms']:.2f} ({s['iqr_ms']:.2f})"

    for r in rows:
        a, b = r["torch.nn"], r["torchseq"]
        lines.append(f"| {r['kind']} | {r['T']} | {r['N']} | {r['C']} | {r['H']} | {cell(a['forward'])} | "
                     f"{cell(a['backward'])} | {cell(b['forward'])} | {cell(b['backward'])} | {r['ratio_total']:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    if args.repeats < 4:
        parser.error("--repeats must be at least 4 (the IQR needs quartiles)")
    device = torch.device(args.device)
    info = machine(device)
    rows = run(QUICK_CONFIGS if args.quick else CONFIGS, args.repeats, args.warmup, device)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"recurrent_baseline_{device.type}" + ("_quick" if args.quick else "")
    (args.out / f"{stem}.json").write_text(json.dumps({"machine": info, "repeats": args.repeats, "rows": rows}, indent=1))
    table = markdown(rows, info, args.repeats)
    (args.out / f"{stem}.md").write_text(table)
    print("\n" + table)


if __name__ == "__main__":
    main()
