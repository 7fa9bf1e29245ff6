"""One training epoch of Deep Learning with Python's IMDB readers (chapter 6) with torchseq's layers against the
same model on torch.nn's (cuDNN on a GPU), through the same Trainer: what a user of the book's recipe pays per
epoch.

The data has the book's shape -- 20,000 training reviews of 500 word indices below 10,000, batch 128, RMSprop,
binary cross-entropy -- with random words and labels: an epoch's time does not depend on which words they are
(``torchseq reproduce chollet-imdb`` trains on the real archive). Each variant trains a few warm-up batches
first, then the timed epochs; on a GPU each model runs eagerly and with the Trainer's CUDA graphs.

    python benchmarks/imdb_epoch.py --device cuda                 # LSTM and Bidirectional LSTM
    python benchmarks/imdb_epoch.py --quick                       # 512 reviews of 100 words: a check, not a figure
"""
from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Subset, TensorDataset

from timing import machine, measured_on, set_tf32
from torchseq._io import write_atomic
from torchseq.interop import to_torch
from torchseq.models import dlwp
from torchseq.train import Trainer

MODELS = {"lstm": dlwp.imdb_lstm, "bidirectional_lstm": dlwp.imdb_bidirectional_lstm}
FULL = {"reviews": 20_000, "words": 500}
QUICK = {"reviews": 512, "words": 100}
BATCH = 128
WARMUP_BATCHES = 8


class TorchReader(nn.Module):
    """The model with its recurrent layer swapped for the torch.nn module computing the same (to_torch, same
    weights), reading out each direction's final output, h_n, as torchseq's (and Keras') layer does."""

    def __init__(self, model: nn.Sequential):
        super().__init__()
        self.embedding, self.rnn, self.head = model[0], to_torch(model[1]), model[2]

    def forward(self, x):
        _, (h_n, _) = self.rnn(self.embedding(x))                                     # h_n (D, N, H)
        return self.head(h_n.transpose(0, 1).flatten(1))                               # (N, D*H)


def _epoch_seconds(model: nn.Module, data, device: torch.device, graphs: bool, epochs: int) -> list:
    trainer = Trainer(model, optimizer="rmsprop", loss="binary_crossentropy_from_logits", device=device,
                      verbose=0, cuda_graphs=graphs)
    warm = Subset(data, range(min(len(data), WARMUP_BATCHES * BATCH)))
    trainer.fit(warm, epochs=1, batch_size=BATCH)                                     # a capture lands here
    seconds = []
    for _ in range(epochs):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        trainer.fit(data, epochs=trainer.epoch + 1, batch_size=BATCH)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds.append(time.perf_counter() - start)
    return seconds


def run(names, shape: dict, device: torch.device, epochs: int):
    """One row per model: seconds per epoch of each variant, and torchseq's over torch.nn's, eager and graphed."""
    generator = torch.Generator().manual_seed(0)
    words = torch.randint(1, dlwp.MAX_FEATURES, (shape["reviews"], shape["words"]), generator=generator)
    labels = torch.randint(0, 2, (shape["reviews"], 1), generator=generator).float()
    data = TensorDataset(words, labels)
    ways = {"eager": False, "graphed": "auto"} if device.type == "cuda" else {"eager": False}
    for name in names:
        torch.manual_seed(0)
        model = MODELS[name]()
        row = {"model": name, **shape, "batch": BATCH, "epochs": epochs}
        for way, graphs in ways.items():
            for library, make in (("torchseq", lambda: _copy(model)), ("torch.nn", lambda: TorchReader(_copy(model)))):
                seconds = _epoch_seconds(make(), data, device, graphs, epochs)
                row[f"{library} {way}"] = sorted(seconds)[len(seconds) // 2]
            row[f"ratio {way}"] = row[f"torchseq {way}"] / row[f"torch.nn {way}"]
        print(json.dumps(row), flush=True)
        yield row


def _copy(model: nn.Module) -> nn.Module:
    return copy.deepcopy(model)


def markdown(rows, info: dict) -> str:
    ways = [w for w in ("eager", "graphed") if rows and f"ratio {w}" in rows[0]]
    head = ["model", "reviews x words"] + [f"{lib} {w} (s)" for w in ways for lib in ("torchseq", "torch.nn")] + \
        [f"torchseq / torch.nn {w}" for w in ways]
    lines = [f"{measured_on(info)}; one training epoch (median of the timed ones), batch {BATCH}, after "
             f"{WARMUP_BATCHES} warm-up batches; \"graphed\" is the Trainer's CUDA graphs (cuda_graphs=\"auto\").",
             "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r["model"], f"{r['reviews']} x {r['words']}"]
        cells += [f"{r[f'{lib} {w}']:.2f}" for w in ways for lib in ("torchseq", "torch.nn")]
        cells += [f"{r[f'ratio {w}']:.2f}x" for w in ways]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK['reviews']} reviews of {QUICK['words']} words")
    parser.add_argument("--only", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs per variant (the median is reported)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--tf32", choices=["default", "off", "on"], default="default")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    device = torch.device(args.device)
    set_tf32(args.tf32)
    info = machine(device)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"imdb_epoch_{device.type}" + ("_quick" if args.quick else "") + \
        ("" if args.tf32 == "default" else f"_tf32-{args.tf32}")
    rows = []
    for row in run(args.only, QUICK if args.quick else FULL, device, args.epochs):
        rows.append(row)
        write_atomic(args.out / f"{stem}.json", json.dumps({"machine": info, "rows": rows}, indent=1))
        write_atomic(args.out / f"{stem}.md", markdown(rows, info))
    print("\n" + markdown(rows, info))


if __name__ == "__main__":
    main()
