"""The one training call every reproduction makes: a seeded model, the Trainer, the wall time."""
from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from typing import Callable, Sequence, Union

import torch
from torch import nn

from ..train import Trainer
from ..train.progress import resolve_verbose, say

_VERBOSE: contextvars.ContextVar = contextvars.ContextVar("verbose", default="auto")


@contextmanager
def reporting(verbose: Union[str, int]):
    """Within this block, every model a reproduction trains reports at Trainer's ``verbose`` level."""
    token = _VERBOSE.set(verbose)
    try:
        yield
    finally:
        _VERBOSE.reset(token)


def train_model(build: Callable[[], nn.Module], train, valid, *, epochs: int, optimizer: str, loss, lr=None,
                metrics=(), batch_size: int = 32, device: str = "cpu", seed: int = 0, steps_per_epoch=None,
                validation_steps=None, callbacks: Sequence = (), label: str = ""):
    """Build the model under ``torch.manual_seed(seed)`` (so its initial weights are a function of the seed),
    train it (reporting as :func:`reporting` set; ``label`` names the row as its training starts), and return
    (trainer, history, seconds)."""
    torch.manual_seed(seed)
    model = build()
    verbose = resolve_verbose(_VERBOSE.get())
    trainer = Trainer(model, optimizer=optimizer, lr=lr, loss=loss, metrics=metrics, device=device,
                      callbacks=callbacks, verbose=verbose, seed=seed)
    if verbose and label:
        say(f"training {label}: {epochs} epoch{'s' * (epochs != 1)} on {trainer.device}")
    start = time.perf_counter()
    history = trainer.fit(train, valid, epochs=epochs, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                          validation_steps=validation_steps)
    return trainer, history, time.perf_counter() - start
