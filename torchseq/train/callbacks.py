"""Callbacks: the training loop's hook ``on_epoch_end(trainer, epoch, logs)``, and ``on_epoch_finished``
run after every callback's on_epoch_end, when the epoch's state is final (where checkpoints are written)."""
from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Optional, Union

import torch

from .._validate import check_bool, check_choice, check_count, check_path, check_real


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
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be the name of a logged value such as 'val_loss', got {monitor!r}")
        self.monitor = monitor
        self.mode = check_choice("mode", mode, ("min", "max"))
        self.min_delta = check_real("min_delta", min_delta, minimum=0.0)
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


# In a checkpoint written from EarlyStopping's best state: "the best state is this checkpoint".
_THIS_CHECKPOINT = "this checkpoint"


class EarlyStopping(_Monitor):
    """Stop after ``patience`` epochs without an improvement larger than ``min_delta``; with
    ``restore_best_weights`` the model ends with the weights of its best epoch (the stock lecture's recipe).

    With ``restore_best_weights`` the callback keeps the trainer's whole state at the best epoch (model,
    optimiser, history, RNGs; also in the checkpoints, so a resumed run keeps it). When training ends on
    other weights, every :class:`ModelCheckpoint` that writes one file every epoch rewrites it with that
    state: the file on disk is the model in memory, and resuming from it replays the epochs after the
    best one exactly."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, mode: str = "min",
                 restore_best_weights: bool = False):
        super().__init__(monitor, mode, min_delta)
        self.patience = check_count("patience", patience)
        self.restore_best_weights = check_bool("restore_best_weights", restore_best_weights)
        self.wait, self.best_state, self.stopped_epoch, self.restored_epoch = 0, None, None, None
        self._improved_now = False

    @property
    def best_weights(self) -> Optional[dict]:
        """The model's state_dict at the best epoch (with ``restore_best_weights``), else None."""
        return self.best_state["model"] if isinstance(self.best_state, dict) else None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        value = self._value(logs)
        self._improved_now = self._improved(value)
        if self._improved_now:
            self.best, self.best_epoch, self.wait = value, epoch, 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                trainer.stop_training = True

    def on_train_begin(self, trainer) -> None:
        if self.best_state == _THIS_CHECKPOINT:                             # resumed from the best epoch's file
            self._keep(trainer)

    def on_epoch_finished(self, trainer, epoch: int) -> None:
        if self.restore_best_weights and self._improved_now:
            self._keep(trainer)

    def _keep(self, trainer) -> None:
        """Keep the trainer's state now; in it, this callback's own best state is the state itself."""
        state = trainer.state()
        state["callbacks"] = [{**cb, "best_state": _THIS_CHECKPOINT} if "best_state" in cb else cb
                              for cb in state["callbacks"]]
        self.best_state = copy.deepcopy(state)

    def restores(self, trainer) -> bool:
        """Whether the run ends on the best epoch's weights rather than the last epoch's."""
        return (self.restore_best_weights and isinstance(self.best_state, dict)
                and self.best_epoch != trainer.epoch)

    def on_train_end(self, trainer) -> None:
        if self.restores(trainer):
            trainer.unwrapped.load_state_dict(self.best_state["model"])
            self.restored_epoch = self.best_epoch

    def state_dict(self) -> dict:
        return {**super().state_dict(), "wait": self.wait, "best_state": self.best_state}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.wait, self.best_state = state["wait"], state.get("best_state")


class ModelCheckpoint(_Monitor):
    """Write the trainer's checkpoint (atomically) to ``path`` after every epoch, or only when ``monitor``
    improves with ``save_best_only``. ``{epoch}`` in the path keeps one file per epoch (write a literal
    brace as ``{{`` or ``}}``). A checkpoint is never written from non-finite weights; when an
    :class:`EarlyStopping` restores its best weights at the end, a one-file-every-epoch checkpoint is
    rewritten with the best epoch's state (see there)."""

    def __init__(self, path: Union[str, Path], monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "min"):
        super().__init__(monitor, mode)
        self.path, self.save_best_only = _template(path), check_bool("save_best_only", save_best_only)
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

    def on_train_end(self, trainer) -> None:
        if self.save_best_only or "{epoch}" in self.path or self.last_saved is None:
            return
        for cb in trainer.callbacks:
            if isinstance(cb, EarlyStopping) and cb.restores(trainer):
                trainer.save_checkpoint(self.last_saved, cb.best_state)


def _template(path) -> str:
    """A checkpoint path whose only replacement field is ``{epoch}``."""
    text = str(check_path("path", path))
    try:
        text.format(epoch=1)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"path {text!r} may hold the field {{epoch}} and nothing else in braces ({type(error).__name__}: "
                         f"{error}); write a literal brace as {{{{ or }}}}") from error
    return text


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
