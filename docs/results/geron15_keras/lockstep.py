"""The book's LN RNN in Keras and in torchseq from the same initial weights on the same batches, in lock step:
python lockstep.py EPOCHS [keras_adam]  (torch's Adam unless keras_adam; needs TensorFlow and torchseq together)."""
import os
import sys

import keras
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_adam import KerasAdam  # noqa: E402
from kinit import torchseq_ln_rnn  # noqa: E402
from run_keras import book_data, ln_rnn_model  # noqa: E402



def main(epochs, update_rule):
    X_train, X_valid, ahead, _ = book_data()
    Y_train, Y_valid = ahead[:7000], ahead[7000:9000]
    keras.utils.set_random_seed(0)
    km = ln_rnn_model()
    km.compile(loss="mse", optimizer="adam")
    tm = torchseq_ln_rnn(km.get_weights())

    def val():
        """(Keras' validation last-step MSE, torchseq's, the largest difference of their predictions)."""
        pk = km.predict(X_valid, verbose=0, batch_size=500)
        with torch.no_grad():
            pt = tm(torch.from_numpy(X_valid)).numpy()
        mse = [float(np.mean((p[:, -1] - Y_valid[:, -1]) ** 2)) for p in (pk, pt)]
        return mse[0], mse[1], float(np.abs(pk - pt).max())

    def weight_diffs():
        """{torchseq parameter name: max |Keras weight - torchseq weight|}."""
        return {n: float(np.abs((w.T if w.ndim == 2 else w) - p.detach().numpy()).max())
                for (n, p), w in zip(tm.named_parameters(), km.get_weights())}

    print("initial", val(), "weights", max(weight_diffs().values()))
    opt = update_rule(tm.parameters(), lr=1e-3, eps=1e-7)
    rng = np.random.default_rng(0)
    step = 0
    for _ in range(epochs):
        perm = rng.permutation(7000)
        for b in range(0, 7000, 32):
            idx = perm[b:b + 32]
            xb, yb = X_train[idx], Y_train[idx]
            km.train_on_batch(xb, yb)
            opt.zero_grad()
            torch.nn.functional.mse_loss(tm(torch.from_numpy(xb)), torch.from_numpy(yb)).backward()
            opt.step()
            step += 1
            diffs = weight_diffs()
            if step in (1, 2):
                print({n: f"{d:.1e}" for n, d in diffs.items()})
            if step in (1, 2, 5, 10, 50, 100) or step % 219 == 0:
                print(step, "max |dW|", f"{max(diffs.values()):.3e}", "val (keras, torchseq, max |dpred|)", val(),
                      flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2, KerasAdam if "keras_adam" in sys.argv else torch.optim.Adam)
