"""Deep Learning with Python (1st ed.), section 6.3: the Jena temperature table.

The 14 columns normalised with the first 200,000 rows' mean and standard deviation; training windows from rows
0-200,000 drawn at random (the book's generator), validation windows ending in rows 200,001-300,000 (each row
once, where the book's generator walks the same rows in batches); lookback 1440 (10 days), one row in 6
(hourly), target the temperature 144 rows (24 h) later; batch 128, 500 steps per epoch, RMSprop, MAE. The
Conv1D + GRU row uses lookback 720 and step 3, as the book. The value is the best validation MAE over the
epochs (the book's curves), in normalised units; times the training rows' temperature standard deviation it is
degrees C (the book: 0.29 = 2.57 degrees C), which each row also reports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import pandas as pd

from ..data import StandardScaler, WindowDataset, naive_windows, window_batches
from ..models import dlwp
from .report import Result, select_rows
from .training import train_model

PUBLISHED = {"naive": 0.29, "dense": 0.2994, "gru": 0.2644, "gru_dropout": 0.2619, "stacked_gru": 0.2633,
             "reversed_gru": 0.3990, "bidirectional_gru": 0.2615, "conv1d": 0.4521, "conv_gru": 0.2730}
BOOK_EPOCHS = {"dense": 20, "gru": 20, "gru_dropout": 40, "stacked_gru": 40, "reversed_gru": 20,
               "bidirectional_gru": 40, "conv1d": 20, "conv_gru": 20}
LABELS = {"naive": "naive: temperature now", "dense": "Flatten -> Dense(32) -> Dense(1)", "gru": "GRU(32)",
          "gru_dropout": "GRU(32, dropout 0.2/0.2)", "stacked_gru": "GRU(32) -> GRU(64), dropout 0.1/0.5",
          "reversed_gru": "GRU(32) on reversed sequences", "bidirectional_gru": "Bidirectional(GRU(32))",
          "conv1d": "Conv1D x3 -> GlobalMaxPool", "conv_gru": "Conv1D x2 -> GRU(32), step 3"}
BUILD = {"dense": lambda steps: dlwp.jena_dense(steps), "gru": lambda steps: dlwp.jena_gru(),
         "gru_dropout": lambda steps: dlwp.jena_gru(dropout=0.2, recurrent_dropout=0.2),
         "stacked_gru": lambda steps: dlwp.jena_stacked_gru(),
         "reversed_gru": lambda steps: dlwp.jena_gru(go_backwards=True),
         "bidirectional_gru": lambda steps: dlwp.jena_bidirectional_gru(),
         "conv1d": lambda steps: dlwp.jena_conv1d(), "conv_gru": lambda steps: dlwp.jena_conv_gru()}
ROWS = tuple(PUBLISHED)
DEGREES = "val MAE in degrees C"


@dataclass
class CholletJena:
    """Settings; the defaults are the book's. ``epochs`` overrides every row's book budget when given."""
    epochs: Optional[int] = None
    train_end: int = 200_000
    valid_end: int = 300_000
    lookback: int = 1440
    step: int = 6
    delay: int = 144
    batch_size: int = 128
    steps_per_epoch: int = 500
    validation_steps: Optional[int] = None
    seed: int = 0
    quick: bool = False

    @classmethod
    def quick_run(cls, rows: int, **overrides) -> "CholletJena":
        """A smoke run on a small table of ``rows`` rows: split 50/25/25, 1 epoch of 5 steps, 3 validation batches."""
        return cls(**{"epochs": 1, "train_end": rows // 2, "valid_end": 3 * rows // 4, "steps_per_epoch": 5,
                      "validation_steps": 3, "quick": True, **overrides})


def run(table: pd.DataFrame, cfg: Optional[CholletJena] = None, only: Optional[Sequence[str]] = None,
        device: str = "cpu", log=print) -> List[Result]:
    """Every row of the table (or the ``only`` ones) on ``table`` (a 'Date Time' column and 14 measurements,
    as :func:`torchseq.data.load_jena` returns)."""
    cfg = cfg or CholletJena()
    keys = select_rows("chollet-jena", ROWS, only)
    values = table.iloc[:, 1:].to_numpy(dtype=np.float32)
    scaler = StandardScaler().fit(values[:cfg.train_end])                             # training rows' statistics
    values, celsius = scaler.transform(values), float(scaler.scale[1])              # 1 normalised unit of T in degC
    results = []
    for key in keys:
        lookback, step = (720, 3) if key == "conv_gru" else (cfg.lookback, cfg.step)
        valid = WindowDataset(values, lookback, cfg.delay, cfg.train_end + 1, cfg.valid_end, step=step)
        if key == "naive":
            value = naive_windows(valid, metric="mae", column=1)
            results.append(Result(LABELS[key], "val MAE", value, PUBLISHED[key], 0, 0.0, "cpu",
                                  extra={DEGREES: value * celsius}))
            log(f"{LABELS[key]}: validation MAE {value:.4f} = {value * celsius:.2f} degC (published {PUBLISHED[key]})")
            continue
        train = window_batches(values, lookback, cfg.delay, 0, cfg.train_end, shuffle=True,
                               batch_size=cfg.batch_size, step=step, rng=np.random.RandomState(cfg.seed))
        epochs = cfg.epochs or BOOK_EPOCHS[key]
        trainer, history, seconds = train_model(
            lambda: BUILD[key](-(-lookback // step)), train, valid, epochs=epochs, optimizer="rmsprop", loss="mae",
            batch_size=cfg.batch_size, device=device, seed=cfg.seed, steps_per_epoch=cfg.steps_per_epoch,
            validation_steps=cfg.validation_steps, label=LABELS[key])
        curve = [float(v) for v in history["val_loss"]]
        results.append(Result(LABELS[key], "best val MAE", min(curve), PUBLISHED[key], len(curve), seconds, device,
                              curve=curve, extra={DEGREES: min(curve) * celsius,
                                                  "best epoch": float(int(np.argmin(curve)) + 1)}))
        log(f"{LABELS[key]}: best validation MAE {min(curve):.4f} (published {PUBLISHED[key]}), {seconds:.0f} s")
    return results
