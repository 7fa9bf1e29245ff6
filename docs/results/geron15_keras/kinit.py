"""torchseq's LN RNN row trained by torchseq (Trainer, torch Adam) from Keras' initial weights for seed S."""
import sys, json
import keras, torch
sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from run_keras import LNSimpleRNNCell
from torchseq.reproduce import geron15
from torchseq.models import handson_ml as book

def keras_init(seed):
    keras.utils.set_random_seed(seed)
    km = keras.Sequential([keras.Input(shape=(None, 1)), keras.layers.RNN(LNSimpleRNNCell(20), return_sequences=True),
                           keras.layers.RNN(LNSimpleRNNCell(20), return_sequences=True),
                           keras.layers.TimeDistributed(keras.layers.Dense(10))])
    return km.get_weights()

for seed in map(int, sys.argv[1:]):
    w = keras_init(seed)
    def build(w=w, make=book.seq_to_seq):
        tm = make("LNSimpleRNN")
        with torch.no_grad():
            k = 0
            for layer in (tm[0], tm[1]):
                c = layer.cell
                for p, a in zip((c.weight_ih, c.weight_hh, c.bias, c.ln_weight, c.ln_bias), w[k:k + 5]):
                    p.copy_(torch.from_numpy(a.T.copy() if a.ndim == 2 else a))
                k += 5
            tm[2].weight.copy_(torch.from_numpy(w[k].T.copy())); tm[2].bias.copy_(torch.from_numpy(w[k + 1]))
        return tm
    orig = book.seq_to_seq
    book.seq_to_seq = lambda kind, outputs=10: build()
    res = geron15.run(geron15.Geron15(seed=seed), only=["ln_rnn"], log=lambda *a: None)[0]
    book.seq_to_seq = orig
    print(json.dumps({"seed": seed, "init": "keras", "last": res.value, "best": res.extra["best epoch"]}), flush=True)
