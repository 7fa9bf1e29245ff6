"""Deep Learning with Python (1st ed.), chapter 6: the IMDB sentiment table on the aclImdb archive.

Reviews tokenised with the 10,000 most frequent training words and cut or padded to 500 words (Keras'
defaults: the last 500, zeros in front); the training reviews shuffled (seed ``seed``) and their last 20%
held out for validation (Keras' ``validation_split=0.2``); RMSprop (lr 1e-3; the Conv1D net 1e-4), binary
cross-entropy, batch 128, 10 epochs. The value reported is the best validation accuracy over the epochs (the
book's curves); the test accuracy (25,000 test reviews, which the book does not report) is measured with the
weights of that best epoch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.utils.data import TensorDataset

from ..data import Tokenizer, pad_sequences
from ..models import dlwp
from ..train import EarlyStopping
from .report import Result, select_rows
from .training import train_model

PUBLISHED = {"simple_rnn": 0.846, "lstm": 0.893, "bidirectional_lstm": 0.886, "conv1d": 0.838}
LABELS = {"simple_rnn": "Embedding(32) -> SimpleRNN(32)", "lstm": "Embedding(32) -> LSTM(32)",
          "bidirectional_lstm": "Embedding(128) -> Bidirectional(LSTM(32))",
          "conv1d": "Embedding(128) -> Conv1D x2 -> GlobalMaxPool"}
BUILD = {"simple_rnn": dlwp.imdb_simple_rnn, "lstm": dlwp.imdb_lstm,
         "bidirectional_lstm": dlwp.imdb_bidirectional_lstm, "conv1d": dlwp.imdb_conv1d}
ROWS = tuple(PUBLISHED)
LEARNING_RATE = {"conv1d": 1e-4}
Reviews = Dict[str, Tuple[List[str], List[int]]]


@dataclass
class CholletImdb:
    """Settings; the defaults are the book's. ``subset`` keeps that many training and test reviews (quick runs)."""
    epochs: int = 10
    num_words: int = dlwp.MAX_FEATURES
    maxlen: int = dlwp.MAXLEN
    batch_size: int = 128
    validation_fraction: float = 0.2
    seed: int = 0
    subset: Optional[int] = None
    quick: bool = False

    @classmethod
    def quick_run(cls, **overrides) -> "CholletImdb":
        return cls(**{"epochs": 1, "subset": 400, "maxlen": 100, "quick": True, **overrides})


def prepare(reviews: Reviews, cfg: CholletImdb):
    """(train, valid, test) TensorDatasets of (word indices (N, maxlen), labels (N, 1) float)."""
    rng = np.random.RandomState(cfg.seed)
    texts, labels = reviews["train"]
    test_texts, test_labels = reviews["test"]
    order, test_order = rng.permutation(len(texts)), rng.permutation(len(test_texts))
    if cfg.subset:
        order, test_order = order[:cfg.subset], test_order[:cfg.subset]
    texts, labels = [texts[i] for i in order], [labels[i] for i in order]
    test_texts, test_labels = [test_texts[i] for i in test_order], [test_labels[i] for i in test_order]
    tokenizer = Tokenizer(num_words=cfg.num_words).fit_on_texts(texts)
    x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=cfg.maxlen)          # (N, maxlen)
    y = torch.tensor(labels, dtype=torch.float32).unsqueeze(1)                          # (N, 1)
    n_train = len(x) - int(round(cfg.validation_fraction * len(x)))                     # the last 20% validate
    x_test = pad_sequences(tokenizer.texts_to_sequences(test_texts), maxlen=cfg.maxlen)
    y_test = torch.tensor(test_labels, dtype=torch.float32).unsqueeze(1)
    return (TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train:], y[n_train:]),
            TensorDataset(x_test, y_test))


def run(reviews: Reviews, cfg: Optional[CholletImdb] = None, only: Optional[Sequence[str]] = None,
        device: str = "cpu", log=print) -> List[Result]:
    """Train each model of the table (or the ``only`` ones) on ``reviews`` ({"train": (texts, labels), "test":
    ...}, as :func:`torchseq.data.load_imdb` returns)."""
    cfg = cfg or CholletImdb()
    keys = select_rows("chollet-imdb", ROWS, only)
    train, valid, test = prepare(reviews, cfg)
    results = []
    for key in keys:
        best = EarlyStopping("val_accuracy_from_logits", patience=cfg.epochs, mode="max", restore_best_weights=True)
        trainer, history, seconds = train_model(
            lambda: BUILD[key](cfg.num_words), train, valid, epochs=cfg.epochs, optimizer="rmsprop",
            lr=LEARNING_RATE.get(key), loss="binary_crossentropy_from_logits", metrics=["accuracy_from_logits"],
            batch_size=cfg.batch_size, device=device, seed=cfg.seed, callbacks=[best], label=LABELS[key])
        curve = [float(v) for v in history["val_accuracy_from_logits"]]
        test_accuracy = trainer.evaluate(test, batch_size=512)["accuracy_from_logits"]   # best epoch's weights
        results.append(Result(LABELS[key], "best val accuracy", max(curve), PUBLISHED[key], len(curve), seconds,
                              device, higher_is_better=True, curve=curve,
                              extra={"test accuracy": test_accuracy, "best epoch": float(int(np.argmax(curve)) + 1)}))
        log(f"{LABELS[key]}: best validation accuracy {max(curve):.4f} (published {PUBLISHED[key]}), "
            f"test {test_accuracy:.4f}, {seconds:.0f} s")
    return results
