"""Bidirectional layers: torchseq's two halves in one step loop (the fast path's default on a GPU) against the
same halves run one loop after the other (the default on a CPU), and against torch.nn's ``bidirectional=True``
(cuDNN on a GPU, oneDNN on a CPU), all with the same weights, in the same run.

Forward and backward timed separately after warm-up, round-robin over ``--repeats`` runs; medians and
interquartile ranges; loss on the outputs at every step (``return_sequences``). Configurations: the four of
the four standard configurations and the IMDB reader of Deep Learning with Python (T = 500, N = 128, C = 128, H = 32).

    python benchmarks/bidirectional_vs_torch.py            # all configurations
    python benchmarks/bidirectional_vs_torch.py --quick    # small shapes
"""
from __future__ import annotations

import torch
from torch import nn

from timing import bench_main, cell, measured_on, median_ratio, pass_stats, time_modules
from torchseq.fast import dispatch
from torchseq.interop import from_torch

# (T, N, C, H): time steps, batch, input features, hidden units.
CONFIGS = [(100, 64, 512, 512), (100, 64, 64, 128), (500, 32, 32, 32), (1000, 8, 256, 256), (500, 128, 128, 32)]
QUICK_CONFIGS = [(50, 16, 32, 32), (100, 32, 64, 64)]
KINDS = {"LSTM": nn.LSTM, "GRU": nn.GRU}


class Directions(nn.Module):
    """The wrapped Bidirectional layer with its halves in one loop (``joined``) or one loop each, whatever
    the default for the device (torchseq.fast.dispatch.JOINED_DIRECTION_DEVICES)."""

    def __init__(self, layer: nn.Module, joined: bool):
        super().__init__()
        self.layer, self.joined = layer, joined

    def forward(self, x):
        default = dispatch.JOINED_DIRECTION_DEVICES
        dispatch.JOINED_DIRECTION_DEVICES = ({x.device.type} | default) if self.joined else (default - {x.device.type})
        try:
            return self.layer(x)
        finally:
            dispatch.JOINED_DIRECTION_DEVICES = default


def run(configs, repeats: int, warmup: int, device: torch.device):
    torch.set_flush_denormal(True)                                  # every module on normal numbers (see recurrent_vs_torch)
    for (T, N, C, H) in configs:
        x = torch.randn(N, T, C, device=device, requires_grad=True)  # (N, L, F)
        for kind, cls in KINDS.items():
            torch.manual_seed(0)
            reference = cls(C, H, batch_first=True, bidirectional=True, device=device)
            ours = from_torch(reference)                            # Bidirectional(LSTM | GRU), every step out
            modules = {"torch.nn": reference, "one loop": Directions(ours, True),
                       "one loop per direction": Directions(ours, False)}
            times = time_modules(modules, x, repeats, warmup)
            row = {"kind": kind, "T": T, "N": N, "C": C, "H": H,
                   "default": "one loop" if device.type in dispatch.JOINED_DIRECTION_DEVICES else "one loop per direction"}
            for name, (fwd, bwd) in times.items():
                row[name] = pass_stats(fwd, bwd)
            row["ratio"] = median_ratio(times, "one loop", "torch.nn")
            row["ratio_separate"] = median_ratio(times, "one loop per direction", "torch.nn")
            row["speedup_joined"] = median_ratio(times, "one loop per direction", "one loop")
            print(f"Bidirectional {kind:<4} T={T:<5} N={N:<3} C={C:<4} H={H:<4} torch.nn "
                  f"{row['torch.nn']['total']['median_ms']:9.2f} ms  one loop {row['ratio']:.2f}x  "
                  f"per direction {row['ratio_separate']:.2f}x", flush=True)
            yield row


def markdown(rows, info: dict, repeats: int) -> str:
    default = rows[0]["default"]
    lines = [measured_on(info) + f"; forward and backward, median (IQR) of {repeats} runs, ms. Ratios are "
             "fwd+bwd medians against torch.nn's bidirectional layer with the same weights. The fast path's "
             f"default on this device: {default} (in bold).", "",
             "| layer | T | N | C | H | torch.nn fwd | torch.nn bwd | one loop fwd | one loop bwd | one loop / torch.nn "
             "| one loop per direction / torch.nn | per direction / one loop |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    joined = default == "one loop"
    for r in rows:
        a, b = r["torch.nn"], r["one loop"]
        lines.append(f"| Bidirectional {r['kind']} | {r['T']} | {r['N']} | {r['C']} | {r['H']} | {cell(a['forward'])} | "
                     f"{cell(a['backward'])} | {cell(b['forward'])} | {cell(b['backward'])} | {bold(r['ratio'], joined)} | "
                     f"{bold(r['ratio_separate'], not joined)} | {r['speedup_joined']:.2f}x |")
    return "\n".join(lines) + "\n"


def bold(ratio: float, on: bool) -> str:
    return f"**{ratio:.2f}x**" if on else f"{ratio:.2f}x"


def main() -> None:
    bench_main(__doc__, "bidirectional_vs_torch", run, markdown, CONFIGS, QUICK_CONFIGS)


if __name__ == "__main__":
    main()
