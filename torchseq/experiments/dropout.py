"""Naive per-step dropout against variational dropout in a recurrent forecaster.

The lectures' claim (Gal & Ghahramani 2016): a fresh dropout mask at every time step disrupts what the
network carries through time; one mask per sequence, the same at every step, regularises without that
damage. The task is a noisy forecast: Géron's series (Hands-On ML ch. 15) with ten times the book's noise
as input and the *clean* next value as target, so the validation error measures what was learned about
the signal rather than the noise. Training is small (256 series) against a large model (128 units) so
that it overfits and a regulariser has something to do.

Three models per seed, from the same initial weights, data and batch order: no dropout, naive
(``variational=False``: every mask redrawn at every step) and variational dropout, at the same rates.
The default drops only the recurrent connections: the input has a single feature, and variational input
dropout would blank a gate's whole input sequence for a sample (Gal's input dropout is meant for
embeddings of many features); ``--dropout`` turns it on.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, replace
from typing import Callable, Dict, Optional, Tuple, Union

import torch
from torch import nn
from torch.utils.data import TensorDataset

from .. import layers
from ..data import generate_time_series
from ..models import SeriesForecaster
from ..train import Trainer

VARIANTS = {"no dropout": {}, "naive per-step": {"variational": False}, "variational": {}}
LAYERS = {"LSTM": layers.LSTM, "GRU": layers.GRU, "SimpleRNN": layers.SimpleRNN}


@dataclass(frozen=True)
class DropoutExperiment:
    """The experiment's settings; ``quick()`` is the test-sized version CI runs."""

    layer: str = "LSTM"
    n_train: int = 256
    n_valid: int = 1000
    n_steps: int = 50
    noise: float = 1.0
    hidden: int = 128
    dropout: float = 0.0
    recurrent_dropout: float = 0.3
    epochs: int = 60
    batch_size: int = 32
    lr: float = 3e-3
    seeds: Tuple[int, ...] = (0, 1, 2)

    @classmethod
    def quick(cls) -> "DropoutExperiment":
        return cls(n_train=128, n_valid=64, n_steps=12, hidden=8, epochs=2, seeds=(0,))


def _data(cfg: DropoutExperiment, seed: int):
    noisy, clean = generate_time_series(cfg.n_train + cfg.n_valid, cfg.n_steps + 1, seed=seed,
                                        noise=cfg.noise, return_clean=True)
    x = torch.from_numpy(noisy[:, :cfg.n_steps])                                     # (N, L, 1), noisy past
    y = torch.from_numpy(clean[:, cfg.n_steps])                                      # (N, 1), clean next value
    n = cfg.n_train
    return (x[:n], y[:n]), (x[n:], y[n:])


def _train(model: nn.Module, train, valid, cfg: DropoutExperiment, seed: int, device: torch.device,
           verbose: Union[str, int]) -> Dict[str, list]:
    trainer = Trainer(model, optimizer="adam", lr=cfg.lr, loss="mse", device=device, verbose=verbose, seed=seed)
    history = trainer.fit(TensorDataset(*train), TensorDataset(*valid), epochs=cfg.epochs, batch_size=cfg.batch_size)
    return {"train_mse": history["loss"].tolist(), "valid_mse": history["val_loss"].tolist()}


def run_dropout_experiment(cfg: Optional[DropoutExperiment] = None, device: str = "cpu",
                           verbose: Union[str, int] = 0, log: Optional[Callable[[str], None]] = None) -> dict:
    """Train the three variants for every seed. Returns the settings, per-seed curves, and per variant
    the mean and standard deviation over seeds of the best validation MSE; the naive forecast's
    validation MSE (last noisy value) is a yardstick. ``verbose``: the Trainer's level for every run;
    ``log``: called with a line ``[k/n] ...`` after each run."""
    cfg = cfg or DropoutExperiment()
    if cfg.layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}; got {cfg.layer!r}")
    device = torch.device(device)
    result = {"config": asdict(cfg), "device": str(device), "torch": torch.__version__,
              "naive_forecast_valid_mse": [], "variants": {name: {"runs": []} for name in VARIANTS}}
    rates = {"dropout": cfg.dropout, "recurrent_dropout": cfg.recurrent_dropout}
    total, done = len(cfg.seeds) * len(VARIANTS), 0
    for seed in cfg.seeds:
        train, valid = _data(cfg, seed)
        result["naive_forecast_valid_mse"].append(nn.functional.mse_loss(valid[0][:, -1], valid[1]).item())
        for name, options in VARIANTS.items():
            torch.manual_seed(seed)                                                  # same init for all
            drop = {} if name == "no dropout" else rates
            model = SeriesForecaster(LAYERS[cfg.layer](1, cfg.hidden, generator=seed, **drop, **options)).to(device)
            start = time.perf_counter()
            curves = _train(model, train, valid, cfg, seed, device, verbose)
            seconds = time.perf_counter() - start
            result["variants"][name]["runs"].append({"seed": seed, **curves, "seconds": seconds})
            done += 1
            if log is not None:
                log(f"[{done}/{total}] seed {seed}, {name}: best validation MSE {min(curves['valid_mse']):.5f} "
                    f"in {seconds:.1f} s")
    for v in result["variants"].values():
        best = [min(run["valid_mse"]) for run in v["runs"]]
        v["best_valid_mse_mean"] = statistics.fmean(best)
        v["best_valid_mse_std"] = statistics.stdev(best) if len(best) > 1 else 0.0
        v["final_train_mse_mean"] = statistics.fmean(run["train_mse"][-1] for run in v["runs"])
        v["seconds_mean"] = statistics.fmean(run["seconds"] for run in v["runs"])
    return result


def with_options(cfg: DropoutExperiment, **options) -> DropoutExperiment:
    """cfg with the given fields replaced, ignoring those left at None (command-line defaults)."""
    return replace(cfg, **{k: v for k, v in options.items() if v is not None})


def markdown(result: dict) -> str:
    cfg = result["config"]
    naive = statistics.fmean(result["naive_forecast_valid_mse"])
    lines = [f"{cfg['layer']}({cfg['hidden']}) -> Dense(1); {cfg['n_train']} training / {cfg['n_valid']} validation "
             f"series of {cfg['n_steps']} steps, noise {cfg['noise']}; dropout {cfg['dropout']}, recurrent_dropout "
             f"{cfg['recurrent_dropout']}; {cfg['epochs']} epochs, Adam lr {cfg['lr']}, batch {cfg['batch_size']}; "
             f"seeds {list(cfg['seeds'])}; {result['device']}, torch {result['torch']}. Naive forecast (last noisy "
             f"value): validation MSE {naive:.4f}.", "",
             "| model | best validation MSE, mean ± std over seeds | final training MSE (mean) | seconds per run |",
             "| --- | --- | --- | --- |"]
    for name, v in result["variants"].items():
        lines.append(f"| {name} | {v['best_valid_mse_mean']:.5f} ± {v['best_valid_mse_std']:.5f} | "
                     f"{v['final_train_mse_mean']:.5f} | {v['seconds_mean']:.1f} |")
    return "\n".join(lines) + "\n"


def plot(result: dict, path, quick: bool = False) -> bool:
    """Training and validation curves side by side (mean over seeds, band = min..max) as a PNG, each variant
    in its own colour, dash and marker (curves that coincide stay visible), the naive forecast as a labelled
    yardstick; ``quick`` stamps it as a smoke run. False (nothing written) where matplotlib is missing."""
    from .. import plotting
    if not plotting.available():
        return False
    plotting.save(figure(result, quick), path)
    return True


def figure(result: dict, quick: bool = False):
    """The figure :func:`plot` saves (a matplotlib Figure, not shown)."""
    from .. import plotting
    cfg = result["config"]
    fig, axes = plotting.new_figure(1, 2, panel=(5.2, 3.8), sharey=True)
    for k, (name, v) in enumerate(result["variants"].items()):
        for ax, key in zip(axes[0], ("train_mse", "valid_mse")):
            runs = torch.tensor([run[key] for run in v["runs"]])                     # (seeds, epochs)
            epochs = range(1, runs.shape[1] + 1)
            ax.plot(epochs, runs.mean(0), label=name, **plotting.line_style(k))
            ax.fill_between(epochs, runs.min(0).values, runs.max(0).values, color=plotting.COLORS[k], alpha=0.15)
    titles = ("training MSE (noisy inputs, dropout on)", "validation MSE (clean target, dropout off)")
    for ax, title in zip(axes[0], titles):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        plotting.integer_ticks(ax)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("MSE")
    plotting.baseline(axes[0, 1], statistics.fmean(result["naive_forecast_valid_mse"]), "naive forecast (last value)")
    plotting.legend_outside(axes[0, 1])
    fig.suptitle(f"{cfg['layer']}({cfg['hidden']}) on the noisy series: no dropout vs naive per-step vs variational "
                 f"(recurrent_dropout {cfg['recurrent_dropout']}, seeds {list(cfg['seeds'])})", fontsize=10)
    if quick:
        plotting.mark_quick(fig)
    return fig
