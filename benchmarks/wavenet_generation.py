"""WaveNet generation: fast (Paine et al.'s partial sums, O(layers) per sample) against slow (the whole
network rerun over everything generated so far), for 2 stacks of 4 .. 10 layers, in the same run.

Both generate the same number of samples from the same model and sampler seed; the table gives wall time,
milliseconds per sample, the speed-up, and whether the two produced the same samples (float32: an exact
tie in the sampler's cumulative sum could in principle split them; float64 equality is a test).

    python benchmarks/wavenet_generation.py                  # 4,096 samples, depths 4 6 8 10, batch 1
    python benchmarks/wavenet_generation.py --quick          # 256 samples, depths 2 4
    python benchmarks/wavenet_generation.py --batch 4 --samples 1024 --depths 10
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from timing import machine, measured_on
from torchseq._io import write_atomic
from torchseq.models import WaveNet


def timed_generate(model: WaveNet, samples: int, batch: int, fast: bool, device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = model.generate(samples, batch_size=batch, generator=0, fast=fast)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depths", type=int, nargs="+", default=[4, 6, 8, 10], help="layers per stack")
    parser.add_argument("--stacks", type=int, default=2)
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="256 samples, depths 2 and 4")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    if args.quick:
        args.depths, args.samples = [2, 4], 256
    device = torch.device(args.device)
    info = machine(device)
    rows = []
    for depth in args.depths:
        torch.manual_seed(0)
        model = WaveNet(layers_per_stack=depth, stacks=args.stacks, device=device).eval()
        model.generate(8, batch_size=args.batch, generator=0)                       # warm-up
        fast, t_fast = timed_generate(model, args.samples, args.batch, True, device)
        slow, t_slow = timed_generate(model, args.samples, args.batch, False, device)
        row = {"layers_per_stack": depth, "stacks": args.stacks, "receptive_field": model.receptive_field,
               "samples": args.samples, "batch": args.batch, "fast_s": t_fast, "slow_s": t_slow,
               "speedup": t_slow / t_fast, "same_samples": bool(torch.equal(fast, slow)),
               "agreement": (fast == slow).float().mean().item()}
        rows.append(row)
        print(f"{args.stacks} x {depth:>2} layers (RF {row['receptive_field']:>5}): fast {t_fast:7.2f} s, "
              f"slow {t_slow:8.2f} s, speed-up {row['speedup']:6.1f}x, same samples: {row['same_samples']}", flush=True)
    lines = [measured_on(info) + f"; WaveNet(residual 32, gate 32, skip 128, Q 256), {args.samples} samples, "
             f"batch {args.batch}, one run each.", "",
             "| stacks x layers | receptive field | fast (s) | fast (ms/sample) | slow (s) | slow (ms/sample) | speed-up | same samples |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        same = "yes" if r["same_samples"] else f"{100 * r['agreement']:.1f}%"
        lines.append(f"| {r['stacks']} x {r['layers_per_stack']} | {r['receptive_field']} | {r['fast_s']:.2f} | "
                     f"{1e3 * r['fast_s'] / r['samples']:.3f} | {r['slow_s']:.2f} | {1e3 * r['slow_s'] / r['samples']:.2f} | "
                     f"{r['speedup']:.1f}x | {same} |")
    table = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"wavenet_generation_{device.type}_batch{args.batch}" + ("_quick" if args.quick else "")
    write_atomic(args.out / f"{stem}.json", json.dumps({"machine": info, "rows": rows}, indent=1))
    write_atomic(args.out / f"{stem}.md", table)
    print("\n" + table)


if __name__ == "__main__":
    main()
