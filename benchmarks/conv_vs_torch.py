"""Conv1D (hand-written tap sum with its written-out backward) against nn.Conv1d (oneDNN on CPU, cuDNN on
GPU), forward and backward timed separately, round-robin in the same run. Each takes its own layout:
torchseq (N, L, C), torch.nn (N, C, L); a third column times nn.Conv1d as a channels-last user would call
it, with the two transposes.

    python benchmarks/conv_vs_torch.py            # the seeds' shapes
    python benchmarks/conv_vs_torch.py --quick    # two small shapes
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from timing import bench_main, cell, measured_on, pass_stats, time_modules
from torchseq import Conv1D

# (name, N, L, C, O, K, dilation, padding)
CONFIGS = [("IMDB Conv1D(32, 7) on 128", 128, 500, 128, 32, 7, 1, "valid"),
           ("Jena Conv1D(32, 5) on 14", 128, 240, 14, 32, 5, 1, "valid"),
           ("WaveNet dilated, d=16", 8, 4096, 32, 64, 2, 16, "causal"),
           ("wide, same", 64, 100, 512, 512, 3, 1, "same"),
           ("Geron WaveNet layer", 32, 50, 20, 20, 2, 4, "causal")]
QUICK_CONFIGS = [CONFIGS[1], CONFIGS[4]]


class TorchConv(nn.Module):
    """nn.Conv1d with the same padding as the torchseq layer; ``channels_last`` adds the transposes."""

    def __init__(self, ours: Conv1D, channels_last: bool):
        super().__init__()
        self.conv = nn.Conv1d(ours.in_channels, ours.filters, ours.kernel_size, dilation=ours.dilation_rate,
                              padding="same" if ours.padding == "same" else 0, device=ours.weight.device)
        self.causal = ours.span - 1 if ours.padding == "causal" else 0
        self.channels_last = channels_last

    def forward(self, x):
        x = x.transpose(1, 2) if self.channels_last else x                          # (N, C, L)
        y = self.conv(F.pad(x, (self.causal, 0)) if self.causal else x)
        return y.transpose(1, 2) if self.channels_last else y


def run(configs, repeats: int, warmup: int, device: torch.device):
    for (name, N, L, C, O, K, d, padding) in configs:
        torch.manual_seed(0)
        ours = Conv1D(C, O, K, dilation_rate=d, padding=padding, device=device)
        x = torch.randn(N, L, C, device=device, requires_grad=True)                  # (N, L, C)
        xt = x.detach().transpose(1, 2).contiguous().requires_grad_()                 # (N, C, L)
        modules = {"torchseq": ours, "nn.Conv1d": TorchConv(ours, False), "nn.Conv1d + transposes": TorchConv(ours, True)}
        inputs = {"torchseq": x, "nn.Conv1d": xt, "nn.Conv1d + transposes": x}
        row = {"name": name, "shape": [N, L, C, O, K, d, padding]}
        for key, (fwd, bwd) in time_modules(modules, inputs, repeats, warmup).items():
            row[key] = pass_stats(fwd, bwd)
        row["ratio"] = row["torchseq"]["total"]["median_ms"] / row["nn.Conv1d"]["total"]["median_ms"]
        row["ratio_transposed"] = row["torchseq"]["total"]["median_ms"] / row["nn.Conv1d + transposes"]["total"]["median_ms"]
        print(f"{name:<28} torchseq {row['torchseq']['total']['median_ms']:8.2f} ms  nn.Conv1d "
              f"{row['nn.Conv1d']['total']['median_ms']:8.2f} ms  ratio {row['ratio']:.2f}x "
              f"(vs transposed {row['ratio_transposed']:.2f}x)", flush=True)
        yield row


def markdown(rows, info: dict, repeats: int) -> str:
    lines = [measured_on(info) + f"; forward and backward, median (IQR) of {repeats} runs, ms.", "",
             "| layer | N, L, C, O, K, d, padding | torchseq fwd | torchseq bwd | nn.Conv1d fwd | nn.Conv1d bwd | "
             "ratio fwd+bwd | ratio vs nn.Conv1d + transposes |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]

    for r in rows:
        a, b = r["torchseq"], r["nn.Conv1d"]
        shape = ", ".join(map(str, r["shape"]))
        lines.append(f"| {r['name']} | {shape} | {cell(a['forward'])} | {cell(a['backward'])} | {cell(b['forward'])} | "
                     f"{cell(b['backward'])} | {r['ratio']:.2f}x | {r['ratio_transposed']:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    bench_main(__doc__, "conv_vs_torch", run, markdown, CONFIGS, QUICK_CONFIGS)


if __name__ == "__main__":
    main()
