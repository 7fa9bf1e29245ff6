"""Timing helpers shared by the benchmark scripts: synchronised wall-clock timing of forward and
backward separately, medians with interquartile ranges, and a description of the machine."""
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

from torchseq._io import write_atomic
from torchseq._machine import cpu_model


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed_step(module: nn.Module, x: torch.Tensor):
    """(forward seconds, backward seconds) of one training step with loss = output.sum()."""
    module.zero_grad(set_to_none=True)
    _sync(x.device)
    t0 = time.perf_counter()
    out = module(x)
    out = out[0] if isinstance(out, tuple) else out
    _sync(x.device)
    t1 = time.perf_counter()
    out.sum().backward()
    _sync(x.device)
    return t1 - t0, time.perf_counter() - t1


def time_modules(modules: dict, x, repeats: int, warmup: int) -> dict:
    """{name: (forward seconds list, backward seconds list)} for modules timed round-robin, one run of
    each in turn, so that a slow spell of a shared machine falls on all of them alike. ``x`` is the
    input of every module, or a dict giving each its own."""
    times = {name: ([], []) for name in modules}
    for k in range(warmup + repeats):
        for name, module in modules.items():
            f, b = _timed_step(module, x[name] if isinstance(x, dict) else x)
            if k >= warmup:
                times[name][0].append(f)
                times[name][1].append(b)
    return times


def stats(seconds):
    q = statistics.quantiles(seconds, n=4)
    return {"median_ms": 1e3 * statistics.median(seconds), "iqr_ms": 1e3 * (q[2] - q[0])}


def total_seconds(fwd, bwd):
    """Per-run forward + backward seconds."""
    return [f + b for f, b in zip(fwd, bwd)]


def median_ratio(times: dict, a: str, b: str) -> float:
    """Median forward + backward time of ``a`` over that of ``b``, from :func:`time_modules`' result."""
    return stats(total_seconds(*times[a]))["median_ms"] / stats(total_seconds(*times[b]))["median_ms"]


def pass_stats(fwd, bwd) -> dict:
    """{"forward", "backward", "total"}: the stats of each pass and of their per-run sum."""
    return {"forward": stats(fwd), "backward": stats(bwd), "total": stats(total_seconds(fwd, bwd))}


def machine(device: torch.device) -> dict:
    info = {"platform": platform.platform(), "processor": cpu_model(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "device": str(device), "date": time.strftime("%Y-%m-%d")}
    if device.type == "cuda":
        info.update(gpu=torch.cuda.get_device_name(device), cudnn=torch.backends.cudnn.version(),
                    cudnn_tf32=torch.backends.cudnn.allow_tf32, matmul_tf32=torch.backends.cuda.matmul.allow_tf32)
    return info


def set_tf32(choice: str) -> None:
    """TF32 (10-bit-mantissa tensor-core products for float32 inputs) on CUDA. "default" keeps PyTorch's own
    defaults, under which cuDNN's RNNs use TF32 and plain matrix products (torchseq's) do not; "off" makes both
    strict float32, "on" lets both use TF32 -- the two like-for-like comparisons."""
    if choice not in ("default", "off", "on"):
        raise ValueError(f"tf32 must be 'default', 'off' or 'on', got {choice!r}")
    if choice != "default":
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = choice == "on"


def cell(s: dict) -> str:
    """'median (IQR)' in milliseconds, for a table."""
    return f"{s['median_ms']:.2f} ({s['iqr_ms']:.2f})"


def measured_on(info: dict) -> str:
    """'Measured <date> on <device> (<GPU or CPU>, <n> CPUs, <k> torch threads), torch <v>[, cuDNN <v>]'."""
    return (f"Measured {info['date']} on {info['device']} ({info.get('gpu', info['processor'])}, "
            f"{info['cpu_count']} CPUs, {info['torch_threads']} torch threads), torch {info['torch']}"
            + (f", cuDNN {info['cudnn']}" if "cudnn" in info else "")
            + (f"; TF32 in cuDNN {'on' if info['cudnn_tf32'] else 'off'}, in matrix products "
               f"{'on' if info['matmul_tf32'] else 'off'}" if "cudnn_tf32" in info else ""))


def bench_main(description: str, name: str, run, markdown, configs, quick_configs, plot=None) -> None:
    """The command line every benchmark script shares: --quick, --only, --repeats, --warmup, --device, --out.

    ``run(configs, repeats, warmup, device)`` yields one result row at a time; after each row the JSON and the
    markdown table so far are rewritten (atomically) to <out>/<name>_<device>[_quick][_only-i-j].json and .md,
    so a run stopped by a time limit keeps every finished row. The PNG (``plot(rows, path)``, when given and
    matplotlib is installed) and the printed table come at the end."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    parser.add_argument("--only", type=int, nargs="+", metavar="INDEX",
                        help="run only these configurations, by position (from 0) in the list: "
                             + "; ".join(f"{k}: {c}" for k, c in enumerate(configs)))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--tf32", choices=["default", "off", "on"], default="default",
                        help="TF32 on CUDA: PyTorch's defaults (cuDNN on, matrix products off), both off, or both on")
    args = parser.parse_args()
    if args.repeats < 4:
        parser.error("--repeats must be at least 4 (the IQR needs quartiles)")
    chosen = quick_configs if args.quick else configs
    if args.only is not None:
        wrong = [k for k in args.only if not 0 <= k < len(chosen)]
        if wrong:
            parser.error(f"--only takes positions 0..{len(chosen) - 1} of the configurations; got {wrong}")
        chosen = [chosen[k] for k in args.only]
    device = torch.device(args.device)
    set_tf32(args.tf32)
    info = machine(device)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = (f"{name}_{device.type}" + ("_quick" if args.quick else "")
            + ("" if args.only is None else "_only-" + "-".join(map(str, args.only)))
            + ("" if args.tf32 == "default" else f"_tf32-{args.tf32}"))
    rows = []
    for row in run(chosen, args.repeats, args.warmup, device):
        rows.append(row)
        write_atomic(args.out / f"{stem}.json",
                     json.dumps({"machine": info, "repeats": args.repeats, "rows": rows}, indent=1))
        write_atomic(args.out / f"{stem}.md", markdown(rows, info, args.repeats))
    if plot is not None and rows and not plot(rows, args.out / f"{stem}.png"):
        print("(no PNG: matplotlib is not installed)")
    print("\n" + markdown(rows, info, args.repeats) if rows else "no configuration ran")


def plot_ratios(path, labels, series: dict, title: str) -> bool:
    """Grouped bars of ratios (one group per label, one bar per series) with a line at 1; False without
    matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(labels)), 4))
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        ax.bar([i + k * width for i in range(len(labels))], values, width, label=name)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels, fontsize=8)
    ax.set_ylabel("time ratio (lower is faster)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
