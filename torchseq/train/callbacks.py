"""Callbacks: the training loop's hook ``on_epoch_end(trainer, epoch, logs)``, and ``on_epoch_finished``
run after every callback's on_epoch_end, when the epoch's state is final (where checkpoints are written)."""
from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Optional, Union

import torch

from .._validate import check_choice


class Callback:
    """Override ``on_epoch_end``; set ``trainer.stop_training = True`` to stop. ``state_dict`` /
    ``load_state_dict`` let a checkpoint carry the callback's memory (best value, patience used)."""

    def on_train_begin(self, trainer) -> None:
        pass

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        pass

    def on_epoch_finished(self, trainer, epoch: int) -> None:
        pass

    def on_train_end(self, trainer) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class _Monitor(Callback):
    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0):
        self.monitor = monitor
        self.mode = check_choice("mode", mode, ("min", "max"))
        self.min_delta = min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0

    def _value(self, logs: dict) -> float:
        if self.monitor not in logs:
            raise KeyError(f"{type(self).__name__} monitors {self.monitor!r}, which the logs lack "
                           f"(they hold {', '.join(logs)}); give validation data or another monitor")
        return logs[self.monitor]

    def _improved(self, value: float) -> bool:
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]


class EarlyStopping(_Monitor):
    """Stop after ``patience`` epochs without an improvement larger than ``min_delta``; with
    ``restore_best_weights`` the model ends with the weights of its best epoch (the stock lecture's recipe)."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, mode: str = "min",
                 restore_best_weights: bool = False):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.restore_best_weights = patience, restore_best_weights
        self.wait, self.best_weights, self.stopped_epoch = 0, None, None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        value = self._value(logs)
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = copy.deepcopy(trainer.unwrapped.state_dict())
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                trainer.stop_training = True

    def on_train_end(self, trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            trainer.unwrapped.load_state_dict(self.best_weights)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "wait": self.wait, "best_weights": self.best_weights}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.wait, self.best_weights = state["wait"], state["best_weights"]


class ModelCheckpoint(_Monitor):
    """Write the trainer's checkpoint (atomically) to ``path`` after every epoch, or only when ``monitor``
    improves with ``save_best_only``. ``{epoch}`` in the path keeps one file per epoch."""

    def __init__(self, path: Union[str, Path], monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "min"):
        super().__init__(monitor, mode)
        self.path, self.save_best_only = str(path), save_best_only
        self.last_saved: Optional[Path] = None
        self.due = False

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        self.due = not self.save_best_only
        if self.save_best_only:
            value = self._value(logs)
            if self._improved(value):
                self.best, self.best_epoch, self.due = value, epoch, True

    def on_epoch_finished(self, trainer, epoch: int) -> None:
        if self.due:
            self.last_saved = Path(self.path.format(epoch=epoch))
            trainer.save_checkpoint(self.last_saved)


class LearningRateScheduler(Callback):
    """Step a torch.optim.lr_scheduler after every epoch (ReduceLROnPlateau gets ``monitor``'s value)."""

    def __init__(self, scheduler, monitor: str = "val_loss"):
        self.scheduler, self.monitor = scheduler, monitor

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(logs[self.monitor])
        else:
            self.scheduler.step()

    def state_dict(self) -> dict:
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.scheduler.load_state_dict(state["scheduler"])
