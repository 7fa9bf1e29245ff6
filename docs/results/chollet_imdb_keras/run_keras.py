"""The IMDB LSTM rows of Deep Learning with Python ch. 6 trained with Keras itself, on torchseq's data.

Not part of torchseq and not a dependency: run it in its own environment that also has torch (it imports
torchseq only to prepare the very arrays ``torchseq reproduce chollet-imdb --seed SEED`` trains on),

    python -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu torch pandas tqdm
    PYTHONPATH=. /tmp/tf/bin/python docs/results/chollet_imdb_keras/run_keras.py ROW SEED [GATE] \
        >> docs/results/chollet_imdb_keras/keras.jsonl

ROW is ``lstm`` (Embedding(10000, 32) -> LSTM(32) -> Dense(1, sigmoid), listing 6.27) or
``bidirectional_lstm`` (Embedding(10000, 128) -> Bidirectional(LSTM(32)) -> Dense(1, sigmoid), listing 6.42).
SEED is the seed of torchseq's shuffle and split and of Keras' weights and batches. GATE is the LSTM's
recurrent (gate) activation: ``sigmoid`` (Keras' default since 2.3, and torchseq's) or ``hard_sigmoid``,
Keras 2.0's default when the book was run: clip(0.2 x + 0.5, 0, 1) (Keras 3's own ``hard_sigmoid`` has slope
1/6, so it is written out here). RMSprop with Keras' defaults (lr 1e-3, rho 0.9), binary cross-entropy,
batch 128, 10 epochs, validation on torchseq's validation split; the test accuracy is taken with the weights
of the best validation epoch, as torchseq's reproduction does. Prints one JSON line.
"""
import json
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from torchseq.data import load_imdb
from torchseq.reproduce.chollet_imdb import CholletImdb, prepare
from torchseq.reproduce.command import CHECKOUT_ARCHIVE

def keras2_hard_sigmoid(x):
    """Keras 2.0's hard sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def model_for(row, gate):
    recurrent_activation = keras2_hard_sigmoid if gate == "hard_sigmoid" else "sigmoid"
    if row == "lstm":
        embedding, recurrent = 32, keras.layers.LSTM(32, recurrent_activation=recurrent_activation)
    elif row == "bidirectional_lstm":
        embedding = 128
        recurrent = keras.layers.Bidirectional(keras.layers.LSTM(32, recurrent_activation=recurrent_activation))
    else:
        raise SystemExit(f"ROW must be lstm or bidirectional_lstm, got {row!r}")
    return keras.Sequential([keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(10000, embedding),
                             recurrent, keras.layers.Dense(1, activation="sigmoid")])


def arrays(dataset):
    x, y = dataset.tensors
    return x.numpy().astype(np.int32), y.numpy()


class BestWeights(keras.callbacks.Callback):
    """Keeps the weights of the epoch with the best validation accuracy."""

    def __init__(self):
        super().__init__()
        self.best, self.weights = -1.0, None

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_accuracy"] > self.best:
            self.best, self.weights = logs["val_accuracy"], self.model.get_weights()


def main(row, seed, gate="sigmoid"):
    if gate not in ("sigmoid", "hard_sigmoid"):
        raise SystemExit(f"GATE must be sigmoid or hard_sigmoid, got {gate!r}")
    train, valid, test = (arrays(d) for d in prepare(load_imdb(CHECKOUT_ARCHIVE), CholletImdb(seed=seed)))
    keras.utils.set_random_seed(seed)
    model = model_for(row, gate)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    best = BestWeights()
    start = time.time()
    history = model.fit(*train, epochs=10, batch_size=128, validation_data=valid, callbacks=[best], verbose=0)
    seconds = time.time() - start
    model.set_weights(best.weights)
    test_accuracy = model.evaluate(*test, batch_size=512, verbose=0)[1]
    curve = history.history["val_accuracy"]
    print(json.dumps({"row": row, "seed": seed, "gate": gate, "best": max(curve),
                      "best_epoch": int(np.argmax(curve)) + 1, "test_accuracy": test_accuracy, "curve": curve,
                      "seconds": round(seconds, 1), "tensorflow": tf.__version__, "keras": keras.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4])
