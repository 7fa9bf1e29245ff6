"""The one training call every reproduction makes: a seeded model, the Trainer, the wall time."""
from __future__ import annotations

import time
from typing import Callable, Sequence

import torch
from torch import nn

from ..train import Trainer


def train_model(build: Callable[[], nn.Module], train, valid, *, epochs: int, optimizer: str, loss, lr=None,
                metrics=(), batch_size: int = 32, device: str = "cpu", seed: int = 0, steps_per_epoch=None,
                validation_steps=None, callbacks: Sequence = ()):
    """Build the model under ``torch.manual_seed(seed)`` (so its initial weights are a function of the seed),
    train it, and return (trainer, history, seconds)."""
    torch.manual_seed(seed)
    model = build()
    trainer = Trainer(model, optimizer=optimizer, lr=lr, loss=loss, metrics=metrics, device=device,
                      callbacks=callbacks, verbose=0, seed=seed)
    start = time.perf_counter()
    history = trainer.fit(train, valid, epochs=epochs, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                          validation_steps=validation_steps)
    return trainer, history, time.perf_counter() - start
