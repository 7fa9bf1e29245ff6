"""Hands-On ML (2nd ed.), chapter 15: every row of the forecasting table on the book's synthetic series.

Data: ``generate_time_series(10000, 51)`` with NumPy's seed 42 split 7000/2000/1000, target the last value;
for the ten-step rows the same seed with 60 steps, targets the last ten (and, for the sequence-to-sequence
models, the next ten values at every step t: Y[:, t, k] = x_{t+1+k}). Adam (lr 1e-3; SimpleRNN(1) 5e-3,
the sequence-to-sequence SimpleRNN 1e-2), MSE loss, batch 32, 20 epochs, Keras' initialisation. The value
reported is the last epoch's validation MSE (the book's ``model.evaluate``); sequence-to-sequence models are
scored on their last step (the book's ``last_time_step_mse``). The best epoch's value is listed after the table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import TensorDataset

from ..data import load_synthetic, naive_last_value, naive_repeat
from ..models import handson_ml as book
from .report import Result, select_rows
from .training import train_model

PUBLISHED = {"naive": 0.020211, "linear": 0.00417, "simple_rnn": 0.0109, "deep_rnn": 0.00291,
             "deep_rnn_dense": 0.00262, "iterative10": 0.0275, "naive10": 0.2570, "linear10": 0.0187,
             "seq_to_vector10": 0.0085, "seq_to_seq": 0.0096, "ln_rnn": 0.0121, "lstm": 0.00856, "gru": 0.0103,
             "conv_gru": 0.0080, "wavenet": 0.0072}
LABELS = {"naive": "naive: last value", "linear": "linear: Flatten -> Dense(1)", "simple_rnn": "SimpleRNN(1)",
          "deep_rnn": "deep RNN 20-20-1", "deep_rnn_dense": "deep RNN 20-20 -> Dense(1)",
          "iterative10": "10 steps: deep RNN iterated", "naive10": "10 steps: naive (repeat)",
          "linear10": "10 steps: linear Dense(10)", "seq_to_vector10": "10 steps: RNN 20-20 -> Dense(10)",
          "seq_to_seq": "seq-to-seq RNN 20-20 -> TD Dense(10)", "ln_rnn": "seq-to-seq LN SimpleRNN x2",
          "lstm": "seq-to-seq LSTM 20-20", "gru": "seq-to-seq GRU 20-20", "conv_gru": "Conv1D + GRU 20-20",
          "wavenet": "WaveNet (1,2,4,8)x2"}
ROWS = tuple(PUBLISHED)
LEARNING_RATE = {"simple_rnn": 5e-3, "seq_to_seq": 1e-2}


@dataclass
class Geron15:
    """Settings; the defaults are the book's. ``quick()`` keeps the data and cuts the epochs to 2."""
    epochs: int = 20
    n_series: int = 10_000
    split: Tuple[int, int, int] = (7000, 2000, 1000)
    batch_size: int = 32
    data_seed: int = 42
    seed: int = 0
    quick: bool = False

    @classmethod
    def quick_run(cls, **overrides) -> "Geron15":
        return cls(**{"epochs": 2, "quick": True, **overrides})


def last_time_step_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The book's metric for sequence-to-sequence forecasts: the MSE of the last step's ten values."""
    return ((pred[:, -1] - target[:, -1]) ** 2).mean()


def sequence_targets(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Y[:, t, k] = x_{t+1+k}, the next ten values at every step: X (N, 50, 1), Y (N, 10) -> (N, 50, 10)."""
    series = torch.cat([X[..., 0], Y], dim=1)                                          # (N, 60)
    return series[:, 1:].unfold(1, Y.shape[1], 1).contiguous()                         # (N, 59 - 9, 10) = (N, 50, 10)


def metric_of(key: str, sequence: bool = False) -> str:
    """The book's three measures, named apart: the next value's MSE, the next ten values' MSE, and the MSE
    of the last step's ten values of a sequence-to-sequence model."""
    if sequence:
        return "val last-step MSE, 10 ahead"
    return "val MSE, 10 ahead" if key.endswith("10") else "val MSE, next value"


class _Run:
    def __init__(self, cfg: Geron15, device: str):
        self.cfg, self.device = cfg, device
        kw = dict(n_series=cfg.n_series, seed=cfg.data_seed, split=cfg.split)
        (self.X, self.y), (self.Xv, self.yv), _ = load_synthetic(n_steps=50, ahead=1, **kw)
        (self.X10, self.Y10), (self.Xv10, self.Yv10), _ = load_synthetic(n_steps=50, ahead=10, **kw)
        self.Ys, self.Ysv = sequence_targets(self.X10, self.Y10), sequence_targets(self.Xv10, self.Yv10)
        self.trained: Dict[str, torch.nn.Module] = {}

    def fit(self, key: str, build, train: Tuple, valid: Tuple, sequence: bool = False) -> Result:
        metrics = {"last_time_step_mse": last_time_step_mse} if sequence else {}
        trainer, history, seconds = train_model(
            build, TensorDataset(*train), TensorDataset(*valid), epochs=self.cfg.epochs, optimizer="adam",
            lr=LEARNING_RATE.get(key, 1e-3), loss="mse", metrics=metrics, batch_size=self.cfg.batch_size,
            device=self.device, seed=self.cfg.seed, label=LABELS[key])
        self.trained[key] = trainer.unwrapped
        column = "val_last_time_step_mse" if sequence else "val_loss"
        curve = [float(v) for v in history[column]]
        return Result(LABELS[key], metric_of(key, sequence), curve[-1], PUBLISHED[key],
                      len(curve), seconds, self.device, curve=curve,
                      extra={"best value": float(min(curve)), "best epoch": float(curve.index(min(curve)) + 1)})

    def row(self, key: str) -> Result:
        X, y, Xv, yv = self.X, self.y, self.Xv, self.yv
        X10, Y10, Xv10, Yv10 = self.X10, self.Y10, self.Xv10, self.Yv10
        if key == "naive":
            return Result(LABELS[key], metric_of(key), naive_last_value(Xv, yv), PUBLISHED[key], 0, 0.0, "cpu")
        if key == "naive10":
            return Result(LABELS[key], metric_of(key), naive_repeat(Xv10, Yv10), PUBLISHED[key], 0, 0.0, "cpu")
        if key == "linear":
            return self.fit(key, book.linear_model, (X, y), (Xv, yv))
        if key == "simple_rnn":
            return self.fit(key, book.simple_rnn, (X, y), (Xv, yv))
        if key == "deep_rnn":
            return self.fit(key, book.deep_rnn, (X, y), (Xv, yv))
        if key == "deep_rnn_dense":
            return self.fit(key, lambda: book.deep_rnn(dense_output=True), (X, y), (Xv, yv))
        if key == "iterative10":
            return self.iterate()
        if key == "linear10":
            return self.fit(key, lambda: book.linear_model(outputs=10), (X10, Y10), (Xv10, Yv10))
        if key == "seq_to_vector10":
            return self.fit(key, lambda: book.deep_rnn(dense_output=True, outputs=10), (X10, Y10), (Xv10, Yv10))
        Ys, Ysv = self.Ys, self.Ysv                                                    # (N, 50, 10) each
        if key == "conv_gru":
            return self.fit(key, book.conv_gru, (X10, Ys[:, 3::2]), (Xv10, Ysv[:, 3::2]), sequence=True)
        if key == "wavenet":
            return self.fit(key, book.wavenet, (X10, Ys), (Xv10, Ysv), sequence=True)
        kind = {"seq_to_seq": "SimpleRNN", "ln_rnn": "LNSimpleRNN", "lstm": "LSTM", "gru": "GRU"}[key]
        return self.fit(key, lambda: book.seq_to_seq(kind), (X10, Ys), (Xv10, Ysv), sequence=True)

    def iterate(self) -> Result:
        """The next-value deep RNN fed its own predictions ten times (trained here if this run has not)."""
        if "deep_rnn_dense" not in self.trained:
            self.row("deep_rnn_dense")
        model = self.trained["deep_rnn_dense"].eval()
        window = self.Xv10.to(next(model.parameters()).device)
        with torch.no_grad():
            for _ in range(self.Yv10.shape[1]):
                window = torch.cat([window, model(window).unsqueeze(-1)], dim=1)      # (N, 50 + k, 1)
        forecast = window[:, 50:, 0].cpu()                                             # (N, 10)
        value = float(((forecast - self.Yv10) ** 2).mean())
        return Result(LABELS["iterative10"], metric_of("iterative10"), value, PUBLISHED["iterative10"], self.cfg.epochs, 0.0,
                      self.device)


def run(cfg: Optional[Geron15] = None, only: Optional[Sequence[str]] = None, device: str = "cpu",
        log=print) -> List[Result]:
    """Every row of the table (or the ``only`` ones, keys of :data:`ROWS`) in the table's order."""
    cfg = cfg or Geron15()
    keys = select_rows("geron15", ROWS, only)
    state = _Run(cfg, device)
    results = []
    for key in keys:
        result = state.row(key)
        results.append(result)
        log(f"{result.model}: {result.metric} {result.value:.5g} (published {result.published}) "
            f"in {result.seconds:.0f} s")
    return results
