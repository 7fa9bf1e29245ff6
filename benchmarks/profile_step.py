"""Where one training step's time goes: torch.profiler over forward + backward of torchseq's fast path and of
torch.nn (cuDNN on a GPU, oneDNN on a CPU), same weights, same input, after warm-up.

For each layer and configuration it prints the operators that took the most time on the device (self time)
and the number of device kernels launched, and writes the whole tables to <out>/profile_<device>.txt. This is a
study tool for the fast path's remaining gap, not a timing: the profiler's own overhead inflates host time.

    python benchmarks/profile_step.py --device cuda
    python benchmarks/profile_step.py --device cpu --configs 500,32,32,32
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

from torchseq.interop import from_torch

KINDS = {"LSTM": nn.LSTM, "GRU": nn.GRU}


def step(module: nn.Module, x: torch.Tensor) -> None:
    """One forward + backward with the loss on every output."""
    out = module(x)
    (out[0] if isinstance(out, tuple) else out).sum().backward()


def profile_one(module: nn.Module, x: torch.Tensor, warmup: int = 3) -> str:
    """The profiler's table (top 20 by device or CPU self time) and the kernel count for one step."""
    for _ in range(warmup):
        step(module, x)
    cuda = x.device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    if cuda:
        torch.cuda.synchronize(x.device)
    with profile(activities=activities) as prof:
        step(module, x)
        if cuda:
            torch.cuda.synchronize(x.device)
    events = prof.key_averages()
    sort_by = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    kernels = sum(e.count for e in prof.events() if cuda and e.device_type.name == "CUDA")
    return f"device kernels launched: {kernels}\n" + events.table(sort_by=sort_by, row_limit=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--configs", nargs="+", default=["100,64,512,512", "500,32,32,32"],
                        help="T,N,C,H per configuration (default: the fastrnns default and the small long one)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    device = torch.device(args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    report = []
    for text in args.configs:
        T, N, C, H = (int(v) for v in text.split(","))
        x = torch.randn(N, T, C, device=device, requires_grad=True)                  # (N, L, F)
        for kind, cls in KINDS.items():
            torch.manual_seed(0)
            reference = cls(C, H, batch_first=True, device=device)
            for name, module in (("torch.nn", reference), ("torchseq", from_torch(reference))):
                header = f"## {kind} {name} T={T} N={N} C={C} H={H} on {device.type}"
                table = profile_one(module, x)
                print(header + "\n" + "\n".join(table.splitlines()[:14]) + "\n", flush=True)
                report.append(header + "\n" + table)
    (args.out / f"profile_{device.type}.txt").write_text("\n\n".join(report) + "\n")


if __name__ == "__main__":
    main()
