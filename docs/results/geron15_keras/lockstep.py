"""The book's LN RNN in Keras and in torchseq from the same initial weights on the same batches, in lock step."""
import sys
import numpy as np
import keras
import torch
sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from run_keras import series, LNSimpleRNNCell
from torchseq.models import handson_ml as book

np.random.seed(42)
data = series(10000, 60)
X_train, X_valid = data[:7000, :50], data[7000:9000, :50]
ahead = np.stack([data[:, k:k + 50, 0] for k in range(1, 11)], axis=-1)
Y_train, Y_valid = ahead[:7000], ahead[7000:9000]
keras.utils.set_random_seed(0)
km = keras.Sequential([keras.Input(shape=(None, 1)), keras.layers.RNN(LNSimpleRNNCell(20), return_sequences=True),
                       keras.layers.RNN(LNSimpleRNNCell(20), return_sequences=True),
                       keras.layers.TimeDistributed(keras.layers.Dense(10))])
km.compile(loss="mse", optimizer="adam")
tm = book.seq_to_seq("LNSimpleRNN")

def load():
    w = km.get_weights()
    names = [n for n, _ in tm.named_parameters()]
    print(names, [a.shape for a in w])
    with torch.no_grad():
        k = 0
        for layer in (tm[0], tm[1]):
            c = layer.cell
            c.weight_ih.copy_(torch.from_numpy(w[k]).T); c.weight_hh.copy_(torch.from_numpy(w[k + 1]).T)
            c.bias.copy_(torch.from_numpy(w[k + 2])); c.ln_weight.copy_(torch.from_numpy(w[k + 3]))
            c.ln_bias.copy_(torch.from_numpy(w[k + 4])); k += 5
        tm[2].weight.copy_(torch.from_numpy(w[k]).T); tm[2].bias.copy_(torch.from_numpy(w[k + 1]))
load()

def val():
    pk = km.predict(X_valid, verbose=0, batch_size=500)
    with torch.no_grad():
        pt = tm(torch.from_numpy(X_valid)).numpy()
    return float(np.mean((pk[:, -1] - Y_valid[:, -1]) ** 2)), float(np.mean((pt[:, -1] - Y_valid[:, -1]) ** 2)), float(np.abs(pk - pt).max())

def wdiff():
    w = km.get_weights()
    t = [p.detach().numpy() for p in tm.parameters()]
    return max(float(np.abs((a.T if a.ndim == 2 else a) - b).max()) for a, b in zip(w, t))

print("initial", val(), "weights", wdiff())

from keras_adam import KerasAdam
opt = KerasAdam(tm.parameters(), lr=1e-3, eps=1e-7) if "keras_adam" in sys.argv else torch.optim.Adam(tm.parameters(), lr=1e-3, eps=1e-7)
def perparam():
    w = km.get_weights()
    return [f"{n}:{float(np.abs((a.T if a.ndim == 2 else a) - p.detach().numpy()).max()):.1e}" for (n, p), a in zip(tm.named_parameters(), w)]
rng = np.random.default_rng(0)
step = 0
for epoch in range(int(sys.argv[1]) if len(sys.argv) > 1 else 2):
    perm = rng.permutation(7000)
    for b in range(0, 7000, 32):
        idx = perm[b:b + 32]
        xb, yb = X_train[idx], Y_train[idx]
        km.train_on_batch(xb, yb)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(tm(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss.backward(); opt.step()
        step += 1
        if step in (1, 2):
            print(perparam())
        if step in (1, 2, 5, 10, 50, 100, 219) or step % 219 == 0:
            print(step, "max |dW|", f"{wdiff():.3e}", "val (keras, torchseq, max |dpred|)", val(), flush=True)
