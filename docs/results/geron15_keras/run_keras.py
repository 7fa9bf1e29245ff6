"""Two rows of Hands-On ML ch. 15 trained with Keras itself, to tell torchseq's spread from the book's run.

Not part of torchseq and not a dependency: run it in its own environment,

    python -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu
    /tmp/tf/bin/python docs/results/geron15_keras/run_keras.py ROW SEED >> docs/results/geron15_keras/keras.jsonl

ROW is ``seq_to_vector10`` (SimpleRNN 20-20 -> Dense(10), ten steps ahead) or ``ln_rnn`` (two RNNs of the
book's layer-normalised SimpleRNN cell -> TimeDistributed Dense(10), scored on the last step). The data are
the book's (NumPy's legacy seed 42, 7000/2000/1000); SEED seeds Keras' weights and shuffling. The cell is
the book's design: a SimpleRNNCell without activation, LayerNormalization (epsilon 1e-3), then tanh.
Prints one JSON line: the validation curve, its last and best values, the versions.
"""
import json
import sys
import time

import keras
import numpy as np
import tensorflow as tf


def series(n_series, n_steps):
    """The book's sum of two sines with random frequencies and phases plus uniform noise, (n, steps, 1)."""
    f1, f2, o1, o2 = np.random.rand(4, n_series, 1)
    t = np.linspace(0, 1, n_steps)
    x = 0.5 * np.sin((t - o1) * (f1 * 10 + 10)) + 0.2 * np.sin((t - o2) * (f2 * 20 + 20))
    x = x + 0.1 * (np.random.rand(n_series, n_steps) - 0.5)
    return x[..., np.newaxis].astype(np.float32)


class LNSimpleRNNCell(keras.layers.Layer):
    """h_t = tanh(LN(W x_t + U h_{t-1} + b)), the state being the output."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.state_size = units
        self.output_size = units
        self.linear = keras.layers.SimpleRNNCell(units, activation=None)
        self.norm = keras.layers.LayerNormalization()

    def build(self, input_shape):
        self.linear.build(input_shape)
        self.norm.build((None, self.state_size))
        self.built = True

    def call(self, inputs, states):
        pre, _ = self.linear(inputs, states)
        h = keras.activations.tanh(self.norm(pre))
        return h, [h]


def last_time_step_mse(y_true, y_pred):
    return keras.metrics.mean_squared_error(y_true[:, -1], y_pred[:, -1])


def book_data():
    """The book's split with NumPy's legacy seed 42: (X_train, X_valid (N, 50, 1), ahead (10000, 50, 10)),
    ahead[:, t, k-1] = x_{t+k} for the sequence-to-sequence rows; the series itself (10000, 60, 1) last."""
    np.random.seed(42)
    data = series(10000, 60)                                                 # (10000, 60, 1)
    ahead = np.stack([data[:, k:k + 50, 0] for k in range(1, 11)], axis=-1)  # (10000, 50, 10): x_{t+k}
    return data[:7000, :50], data[7000:9000, :50], ahead, data


def ln_rnn_model():
    """The book's two RNNs of LNSimpleRNNCell(20) -> TimeDistributed(Dense(10)), built under the current seed."""
    return keras.Sequential([keras.Input(shape=(None, 1)),
                             keras.layers.RNN(LNSimpleRNNCell(20), return_sequences=True),
                             keras.layers.RNN(LNSimpleRNNCell(20), return_sequences=True),
                             keras.layers.TimeDistributed(keras.layers.Dense(10))])


def main(row, seed):
    X_train, X_valid, ahead, data = book_data()
    keras.utils.set_random_seed(seed)
    start = time.time()
    if row == "seq_to_vector10":
        model = keras.Sequential([keras.Input(shape=(None, 1)), keras.layers.SimpleRNN(20, return_sequences=True),
                                  keras.layers.SimpleRNN(20), keras.layers.Dense(10)])
        model.compile(loss="mse", optimizer="adam")
        history = model.fit(X_train, data[:7000, -10:, 0], epochs=20, verbose=0,
                            validation_data=(X_valid, data[7000:9000, -10:, 0]))
        curve = history.history["val_loss"]
    elif row == "ln_rnn":
        model = ln_rnn_model()
        model.compile(loss="mse", optimizer="adam", metrics=[last_time_step_mse])
        history = model.fit(X_train, ahead[:7000], epochs=20, verbose=0, validation_data=(X_valid, ahead[7000:9000]))
        curve = history.history["val_last_time_step_mse"]
    else:
        raise SystemExit(f"ROW must be seq_to_vector10 or ln_rnn, got {row!r}")
    print(json.dumps({"row": row, "seed": seed, "last": curve[-1], "best": min(curve), "curve": curve,
                      "seconds": round(time.time() - start, 1), "tensorflow": tf.__version__,
                      "keras": keras.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
