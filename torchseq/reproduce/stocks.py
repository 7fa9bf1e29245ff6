"""The RNN lecture's stock example: one ticker's daily High price, split 70/15/15 in time order, MinMax-scaled
with the training part's range; windows of 7 values -> the value 6 steps after the window; Adam, MAE loss,
batch 64, early stopping with patience 5 restoring the best weights. Reported: the best normalised validation
MAE, and the test MAE in price units (predictions and targets scaled back). The lecture publishes no naive
forecast; the ``naive`` row (each window's last price as the forecast, no training) is the yardstick the books
set beside their other tables."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import pandas as pd
import torch
from torch.utils.data import TensorDataset

from ..data import MinMaxScaler, make_sequences
from ..models import stock_lecture
from ..train import EarlyStopping
from .report import Result, select_rows
from .training import train_model

PUBLISHED = {"naive": None, "lstm": 0.05, "gru": 0.06, "conv1d": 0.11}
PUBLISHED_TEST = {"naive": None, "lstm": 1.87, "gru": 2.10, "conv1d": None}
LABELS = {"naive": "naive: last price of the window", "lstm": "LSTM(32, dropout 0.1/0.1)",
          "gru": "GRU(32, dropout 0.1/0.1)", "conv1d": "Conv1D(64, 5) -> MaxPool(2)"}
BUILD = {"lstm": stock_lecture.stock_lstm, "gru": stock_lecture.stock_gru, "conv1d": stock_lecture.stock_conv1d}
ROWS = tuple(PUBLISHED)


@dataclass
class Stocks:
    epochs: int = 100
    patience: int = 5
    look_back: int = 7
    foresight: int = 6
    batch_size: int = 64
    split: Sequence[float] = (0.7, 0.15)
    seed: int = 0
    quick: bool = False

    @classmethod
    def quick_run(cls, **overrides) -> "Stocks":
        return cls(**{"epochs": 2, "quick": True, **overrides})


def run(series: pd.Series, cfg: Optional[Stocks] = None, only: Optional[Sequence[str]] = None, device: str = "cpu",
        log=print) -> List[Result]:
    """Every model of the lecture (or the ``only`` ones) on ``series`` (one ticker's prices in time order, as
    :func:`torchseq.data.load_prices` returns)."""
    cfg = cfg or Stocks()
    keys = select_rows("stocks", ROWS, only)
    prices = torch.tensor(series.to_numpy(), dtype=torch.float32)
    n_train, n_valid = int(cfg.split[0] * len(prices)), int(cfg.split[1] * len(prices))
    scaler = MinMaxScaler().fit(prices[:n_train])
    scaled = scaler.transform(prices)
    parts = (scaled[:n_train], scaled[n_train:n_train + n_valid], scaled[n_train + n_valid:])
    (xt, yt), (xv, yv), (xs, ys) = (make_sequences(p, cfg.look_back, cfg.foresight) for p in parts)
    train, valid = TensorDataset(xt, yt.unsqueeze(-1)), TensorDataset(xv, yv.unsqueeze(-1))      # (n, 7, 1), (n, 1)
    results = []
    for key in keys:
        if key == "naive":                                                             # x[:, -1, 0]: the window's last price
            value = float((xv[:, -1, 0] - yv).abs().mean())
            test_mae = float((scaler.inverse_transform(xs[:, -1, 0]) - scaler.inverse_transform(ys)).abs().mean())
            results.append(Result(LABELS[key], "val MAE (scaled)", value, None, 0, 0.0, device,
                                  extra={"test MAE (price)": test_mae}))
            log(f"{LABELS[key]}: validation MAE {value:.4f}, test MAE {test_mae:.3f} in price units")
            continue
        stop = EarlyStopping(patience=cfg.patience, restore_best_weights=True)
        trainer, history, seconds = train_model(
            BUILD[key], train, valid, epochs=cfg.epochs, optimizer="adam", loss="mae", batch_size=cfg.batch_size,
            device=device, seed=cfg.seed, callbacks=[stop], label=LABELS[key])
        curve = [float(v) for v in history["val_loss"]]
        predicted = scaler.inverse_transform(trainer.predict(xs)[:, 0])   # price units
        test_mae = float((predicted - scaler.inverse_transform(ys)).abs().mean())
        results.append(Result(LABELS[key], "best val MAE (scaled)", min(curve), PUBLISHED[key], len(curve), seconds,
                              device, curve=curve, extra={"test MAE (price)": test_mae,
                                                          "published test MAE": PUBLISHED_TEST[key]}))
        log(f"{LABELS[key]}: best validation MAE {min(curve):.4f} (published {PUBLISHED[key]}), test MAE "
            f"{test_mae:.3f} in price units, {len(curve)} epochs")
    return results
