"""Jena-sized windows: the vectorised ``window_batches`` against Deep Learning with Python's Python generator
(section 6.3.2, transcribed), per batch, in the same run: 420,551 x 14 float32, lookback 1440, step 6,
delay 144, batch 128 -- shuffled (training) and chronological (validation) batches.

Shuffled batches are one gather of 128 windows (a copy of 128 x 240 x 14 values, the memory-bound floor);
chronological batches are consecutive rows, so their windows are views of the series and cost no copy.

    python benchmarks/windows_vs_generator.py [--batches 50] [--quick]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from timing import machine, measured_on
from torchseq._io import write_atomic
from torchseq.data import window_batches
from torchseq.data.lecture import lecture_generator


def per_batch(stream, batches: int):
    """Seconds for each of ``batches`` draws from the stream (after one warm-up draw)."""
    next(stream)
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        next(stream)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="10 batches")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    batches = 10 if args.quick else args.batches
    data = np.random.default_rng(0).standard_normal((420_551, 14)).astype(np.float32)
    settings = dict(lookback=1440, delay=144, min_index=0, max_index=200_000, batch_size=128, step=6)
    rows = []
    for shuffle in (True, False):
        np.random.seed(0)
        theirs = per_batch(lecture_generator(data, shuffle=shuffle, **settings), batches)
        ours = per_batch(window_batches(data, shuffle=shuffle, rng=np.random.RandomState(0), **settings), batches)
        row = {"mode": "shuffled" if shuffle else "chronological", "lecture_ms": 1e3 * statistics.median(theirs),
               "torchseq_ms": 1e3 * statistics.median(ours)}
        row["speedup"] = row["lecture_ms"] / row["torchseq_ms"]
        rows.append(row)
        print(f"{row['mode']:<14} lecture {row['lecture_ms']:8.3f} ms  torchseq {row['torchseq_ms']:8.4f} ms  "
              f"speed-up {row['speedup']:8.1f}x", flush=True)
    info = machine(torch.device("cpu"))
    lines = [measured_on(info) + f"; 420,551 x 14 float32, lookback 1440, step 6, delay 144, batch 128; median of "
             f"{batches} batches.", "", "| batches | lecture generator (ms) | torchseq window_batches (ms) | speed-up |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {r['mode']} | {r['lecture_ms']:.3f} | {r['torchseq_ms']:.4f} | {r['speedup']:.1f}x |" for r in rows]
    table = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "windows_vs_generator" + ("_quick" if args.quick else "")
    write_atomic(args.out / f"{stem}.json", json.dumps({"machine": info, "rows": rows}, indent=1))
    write_atomic(args.out / f"{stem}.md", table)
    print("\n" + table)


if __name__ == "__main__":
    main()
