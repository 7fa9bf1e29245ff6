"""Training: one loop for any model (:class:`Trainer`), callbacks, checkpoints, names of losses and metrics."""
from .callbacks import Callback, EarlyStopping, LearningRateScheduler, ModelCheckpoint
from .checkpoint import save_atomic
from .registry import LOSSES, METRICS, make_optimizer
from .trainer import Trainer, history_figure, plot_history

__all__ = ["Trainer", "plot_history", "history_figure", "Callback", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler", "LOSSES", "METRICS", "make_optimizer", "save_atomic"]
