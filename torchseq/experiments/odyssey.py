"""A small "LSTM: A Search Space Odyssey": the vanilla LSTM and its eight variants under one budget.

Greff, Srivastava, Koutník, Steunebrink & Schmidhuber (IEEE TNNLS 2017) trained the vanilla LSTM (with forget gate
and peepholes) and eight variants, each changing one part (:mod:`torchseq.cells.variants`), on speech (TIMIT),
handwriting (IAM Online) and music (JSB Chorales) with random hyperparameter search, 5,400 runs in all. They
found that none of the variants improves much on the vanilla LSTM; that coupling the input and forget gates
(CIFG) or removing the peepholes (NP) costs little; that the forget gate (NFG) and the output activation
(NOAF) are the critical parts, their removal hurting on all three datasets; that removing the input gate (NIG),
the output gate (NOG) or the input activation (NIAF) hurt on speech and handwriting but not on music; and that
full gate recurrence (FGR) did not help (worse on music).

This experiment asks the same question at a size a 2-core CPU answers in minutes, with fixed hyperparameters
(one budget for all, no search) and a few seeds:

- ``adding``: the adding problem, 30 steps (Hochreiter & Schmidhuber 1997; :func:`torchseq.data.tasks.adding_problem`);
  final validation MSE, predicting 1 scores 1/6.
- ``recall``: 3 symbols of 8 kinds to recall after 10 blank steps (:func:`torchseq.data.tasks.recall_task`); final
  validation accuracy per symbol, chance 1/8.
- ``digits``: scikit-learn's handwritten digits read pixel by pixel, 64 steps (Alpaydin & Kaynak 1998;
  :func:`torchseq.data.digits.sequential_digits`); final validation accuracy, chance 1/10. Needs scikit-learn.

Each run: ``RNN(variant cell, H)`` -> a dense read-out of the last output, Adam, gradient norm clipped at 1, the
same seed giving every variant the same data order (and the same initial weights for the blocks they share).
A variant counts as worse or better than vanilla on a task when its mean is more than two standard errors of the
difference away from vanilla's (over seeds), otherwise as no clear difference.
"""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass, replace
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import nn

from ..cells.variants import VARIANTS
from ..data.digits import CITATION as DIGITS_CITATION, sequential_digits
from ..data.tasks import adding_problem, recall_task
from ..layers import RNN
from ..train import Trainer

TASKS = ("adding", "recall", "digits")

# The paper's verdict per variant and dataset (speech, handwriting, music), its Fig. 3: "worse" where the variant
# was significantly worse than vanilla, "same" where not.
PAPER = {"NIG": "worse on speech and handwriting, not on music", "NFG": "worse on all three",
         "NOG": "worse on speech and handwriting, not on music", "NIAF": "worse on speech and handwriting, not on music",
         "NOAF": "worse on all three", "CIFG": "no significant difference", "NP": "no significant difference",
         "FGR": "no significant difference on speech and handwriting, worse on music"}


@dataclass(frozen=True)
class OdysseyExperiment:
    """The experiment's settings; ``quick()`` is the test-sized version CI runs."""

    variants: Tuple[str, ...] = tuple(VARIANTS)
    tasks: Tuple[str, ...] = TASKS
    hidden: int = 32
    n_train: int = 2000
    n_valid: int = 500
    adding_length: int = 30
    recall_delay: int = 10
    digits_by: str = "pixel"
    epochs: int = 12
    batch_size: int = 64
    lr: float = 1e-2
    seeds: Tuple[int, ...] = (0, 1, 2)

    @classmethod
    def quick(cls) -> "OdysseyExperiment":
        return cls(hidden=8, n_train=128, n_valid=64, adding_length=10, recall_delay=4, digits_by="row", epochs=2,
                   seeds=(0, 1))


@dataclass
class Task:
    train: Tuple[torch.Tensor, torch.Tensor]
    valid: Tuple[torch.Tensor, torch.Tensor]
    features: int
    head: Callable[[int], nn.Module]
    loss: str
    metric: str                  # "mse" (lower is better) or "accuracy" (higher is better)
    chance: float
    chance_label: str


def make_task(name: str, cfg: OdysseyExperiment) -> Task:
    """The data (the same for every seed and variant) and read-out of one task."""
    if name == "adding":
        x, y = adding_problem(cfg.n_train + cfg.n_valid, cfg.adding_length, seed=1234)
        n = cfg.n_train
        return Task((x[:n], y[:n]), (x[n:], y[n:]), 2, lambda H: nn.Linear(H, 1), "mse", "mse", 1 / 6,
                    "predict 1 (MSE 1/6)")
    if name == "recall":
        symbols, classes = 3, 8
        x, y = recall_task(cfg.n_train + cfg.n_valid, symbols, classes, cfg.recall_delay, seed=1234)
        n = cfg.n_train
        return Task((x[:n], y[:n]), (x[n:], y[n:]), classes + 2,
                    lambda H: nn.Sequential(nn.Linear(H, symbols * classes), nn.Unflatten(-1, (symbols, classes))),
                    "sparse_categorical_crossentropy", "accuracy", 1 / classes, "chance (1/8)")
    if name == "digits":
        train, valid = sequential_digits(cfg.digits_by, n_valid=497, seed=1234)
        return Task(train, valid, train[0].shape[2], lambda H: nn.Linear(H, 10), "sparse_categorical_crossentropy",
                    "accuracy", 0.1, "chance (1/10)")
    raise ValueError(f"task must be one of {', '.join(TASKS)}; got {name!r}")


def train_one(variant: str, task: Task, cfg: OdysseyExperiment, seed: int, device: torch.device) -> Dict[str, list]:
    """One run: the validation metric after each epoch."""
    torch.manual_seed(seed)
    model = nn.Sequential(RNN(VARIANTS[variant](task.features, cfg.hidden)), task.head(cfg.hidden)).to(device)
    metrics = [] if task.metric == "mse" else ["accuracy"]
    trainer = Trainer(model, optimizer="adam", lr=cfg.lr, loss=task.loss, metrics=metrics, clip_grad_norm=1.0,
                      device=device, verbose=0, seed=seed)
    history = trainer.fit(*task.train, validation_data=task.valid, epochs=cfg.epochs, batch_size=cfg.batch_size)
    key = "val_loss" if task.metric == "mse" else "val_accuracy"
    return {"valid": [float(v) for v in history[key]]}


def run_odyssey(cfg: Optional[OdysseyExperiment] = None, device: str = "cpu",
                log: Optional[Callable[[str], None]] = None) -> dict:
    """Train every variant on every task for every seed. Returns the settings, the per-run curves and per task
    and variant the mean and standard deviation over seeds of the final validation metric, with the verdict
    against vanilla. ``log`` gets a line ``[k/n] task, variant, seed: metric in s`` after each run."""
    cfg = cfg or OdysseyExperiment()
    unknown = [v for v in cfg.variants if v not in VARIANTS]
    if unknown or "V" not in cfg.variants:
        raise ValueError(f"variants must include V and name only {', '.join(VARIANTS)}; got {list(cfg.variants)}")
    device = torch.device(device)
    result = {"config": asdict(cfg), "device": str(device), "torch": torch.__version__, "tasks": {},
              "digits_source": DIGITS_CITATION}
    total, done = len(cfg.tasks) * len(cfg.variants) * len(cfg.seeds), 0
    for name in cfg.tasks:
        task = make_task(name, cfg)
        entry = {"metric": task.metric, "chance": task.chance, "chance_label": task.chance_label, "variants": {}}
        for variant in cfg.variants:
            runs = []
            for seed in cfg.seeds:
                start = time.perf_counter()
                run = train_one(variant, task, cfg, seed, device)
                run.update(seed=seed, seconds=time.perf_counter() - start)
                runs.append(run)
                done += 1
                if log is not None:
                    log(f"[{done}/{total}] {name}, {variant}, seed {seed}: final validation {task.metric} "
                        f"{run['valid'][-1]:.4f} in {run['seconds']:.1f} s")
            finals = [run["valid"][-1] for run in runs]
            entry["variants"][variant] = {"runs": runs, "mean": statistics.fmean(finals),
                                          "std": statistics.stdev(finals) if len(finals) > 1 else 0.0,
                                          "seconds": statistics.fmean(run["seconds"] for run in runs)}
        for variant, v in entry["variants"].items():
            v["verdict"] = verdict(v, entry["variants"]["V"], task.metric, len(cfg.seeds))
        result["tasks"][name] = entry
    return result


def verdict(v: dict, vanilla: dict, metric: str, n: int) -> str:
    """"worse", "better" or "same" against vanilla: a mean more than two standard errors of the difference away."""
    if v is vanilla:
        return "-"
    error = math.sqrt((v["std"] ** 2 + vanilla["std"] ** 2) / n)
    gap = v["mean"] - vanilla["mean"]
    if abs(gap) <= 2 * error:
        return "same"
    better = gap < 0 if metric == "mse" else gap > 0
    return "better" if better else "worse"


def with_options(cfg: OdysseyExperiment, **options) -> OdysseyExperiment:
    """cfg with the given fields replaced, ignoring those left at None (command-line defaults)."""
    return replace(cfg, **{k: v for k, v in options.items() if v is not None})


def markdown(result: dict) -> str:
    cfg = result["config"]
    tasks = list(result["tasks"])
    header = (f"RNN(variant, {cfg['hidden']}) -> dense read-out; {cfg['epochs']} epochs, Adam lr {cfg['lr']}, batch "
              f"{cfg['batch_size']}, gradient norm clipped at 1; seeds {list(cfg['seeds'])}; {result['device']}, "
              f"torch {result['torch']}. adding: {cfg['adding_length']} steps, {cfg['n_train']} / {cfg['n_valid']} "
              f"sequences; recall: 3 of 8 symbols after {cfg['recall_delay']} blanks, {cfg['n_train']} / "
              f"{cfg['n_valid']}; digits: read by {cfg['digits_by']}, 1300 / 497 images ({result['digits_source']}).")
    names = {"adding": "adding, val MSE (lower better)", "recall": "recall, val accuracy",
             "digits": "digits, val accuracy"}
    lines = [header, "", "| variant | " + " | ".join(names[t] for t in tasks) + " | the paper (speech, handwriting, "
             "music) |", "| --- |" + " --- |" * (len(tasks) + 1)]
    for variant in cfg["variants"]:
        cells = []
        for t in tasks:
            v = result["tasks"][t]["variants"][variant]
            mark = "" if v["verdict"] in ("-", "same") else f" **{v['verdict']}**"
            cells.append(f"{v['mean']:.4f} ± {v['std']:.4f}{mark}")
        lines.append(f"| {variant} | " + " | ".join(cells) + f" | {PAPER.get(variant, 'the reference')} |")
    chance = " · ".join(f"{t}: {result['tasks'][t]['chance_label']}" for t in tasks)
    lines += ["", f"Final validation metric, mean ± standard deviation over seeds; **worse**/**better**: more than two "
                  f"standard errors from vanilla (V). Yardsticks: {chance}."]
    return "\n".join(lines) + "\n"


def plot(result: dict, path, quick: bool = False) -> bool:
    """:func:`figure` as a PNG; False (nothing written) where matplotlib is missing."""
    from .. import plotting
    if not plotting.available():
        return False
    plotting.save(figure(result, quick), path)
    return True


def figure(result: dict, quick: bool = False):
    """One panel per task: each variant's final validation metric, every seed a dot and the mean a bar (the
    spread is in the table), vanilla's mean and the yardstick as labelled lines; MSE on a log scale."""
    from .. import plotting
    tasks = list(result["tasks"])
    variants = list(result["config"]["variants"])
    fig, axes = plotting.new_figure(1, len(tasks), panel=(4.4, 3.4))
    for ax, name in zip(axes[0], tasks):
        entry = result["tasks"][name]
        for k, variant in enumerate(variants):
            v = entry["variants"][variant]
            finals = [run["valid"][-1] for run in v["runs"]]
            ax.plot([k], [v["mean"]], "_", color=plotting.COLORS[0], markersize=18, markeredgewidth=2,
                    label="mean over seeds" if k == 0 else None)
            ax.plot([k] * len(finals), finals, "o", color=plotting.COLORS[1], markersize=4, alpha=0.7,
                    label="one seed" if k == 0 else None)
        ax.axhline(entry["variants"]["V"]["mean"], color=plotting.COLORS[0], lw=0.8, ls=":", label="vanilla mean")
        plotting.baseline(ax, entry["chance"], entry["chance_label"], k=2)
        if entry["metric"] == "mse":
            ax.set_yscale("log")
        ax.set_xticks(range(len(variants)), variants, rotation=45, fontsize=8)
        ax.set_title(f"{name}: final validation {entry['metric']}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"LSTM variants (Greff et al. 2017) under one budget: {result['config']['epochs']} epochs, "
                 f"{len(result['config']['seeds'])} seeds", fontsize=10)
    if quick:
        plotting.mark_quick(fig)
    return fig
