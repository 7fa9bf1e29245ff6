"""torchseq's LN RNN row trained by torchseq (its Trainer, torch's Adam, its shuffling) from Keras' initial
weights of seed S: python kinit.py S [S ...]  (needs TensorFlow and torchseq's dependencies in one environment)."""
import json
import os
import sys

import keras
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_keras import ln_rnn_model  # noqa: E402
from torchseq.models import handson_ml as book  # noqa: E402
from torchseq.reproduce import geron15  # noqa: E402


def torchseq_ln_rnn(weights, make=book.seq_to_seq):
    """torchseq's seq-to-seq LN RNN holding Keras' weights (kernels (in, out) -> torch's (out, in))."""
    model = make("LNSimpleRNN")
    keras_order = [p for layer in model[:2] for p in (layer.cell.weight_ih, layer.cell.weight_hh, layer.cell.bias,
                                                      layer.cell.ln_weight, layer.cell.ln_bias)]
    keras_order += [model[2].weight, model[2].bias]
    with torch.no_grad():
        for p, w in zip(keras_order, weights, strict=True):
            p.copy_(torch.from_numpy(w.T.copy() if w.ndim == 2 else w))
    return model


def main(seeds):
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        weights = ln_rnn_model().get_weights()
        original = book.seq_to_seq
        book.seq_to_seq = lambda kind, outputs=10: torchseq_ln_rnn(weights, original)   # the row's model builder
        try:
            res = geron15.run(geron15.Geron15(seed=seed), only=["ln_rnn"], log=lambda *a: None)[0]
        finally:
            book.seq_to_seq = original
        print(json.dumps({"seed": seed, "init": "keras", "last": res.value, "best": res.extra["best epoch"]}), flush=True)


if __name__ == "__main__":
    main(map(int, sys.argv[1:]))
