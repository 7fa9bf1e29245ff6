"""torchseq's IMDB reproduction started from the initial weights Keras draws, to see whether the draw of the
initial weights explains a gap between the two frameworks' results.

Run in the environment of ``run_keras.py`` (TensorFlow and torch side by side):

    PYTHONPATH=. /tmp/tf/bin/python docs/results/chollet_imdb_keras/from_keras_init.py ROW SEED [SEED ...]

For each SEED, Keras builds ROW's model after ``keras.utils.set_random_seed(SEED)`` exactly as ``run_keras.py``
does, so its weights are those the Keras run of that seed started from; they are copied into torchseq's model
(``torchseq.interop.load_keras_weights``; the largest difference of the two models' outputs on 64 training
reviews is printed as a check), which then trains as ``torchseq reproduce chollet-imdb --seed SEED`` does:
torchseq's batches, torch's RMSprop. Prints one JSON line per seed.
"""
import json
import sys

import keras
import numpy as np
import torch

from run_keras import model_for
from torchseq.data import load_imdb
from torchseq.interop import load_keras_weights
from torchseq.reproduce import chollet_imdb
from torchseq.reproduce.command import CHECKOUT_ARCHIVE


def main(row, seeds):
    reviews = load_imdb(CHECKOUT_ARCHIVE)
    build = chollet_imdb.BUILD[row]
    try:
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            reference = model_for(row, "sigmoid")
            weights = reference.get_weights()
            sample = chollet_imdb.prepare(reviews, chollet_imdb.CholletImdb(seed=seed))[0].tensors[0][:64]
            check = {}

            def from_keras(num_words, weights=weights, sample=sample, check=check, reference=reference):
                model = load_keras_weights(build(num_words), weights)
                with torch.no_grad():
                    ours = torch.sigmoid(model(sample)).numpy()
                check["max_output_difference"] = float(np.abs(ours - reference.predict(sample.numpy(), verbose=0)).max())
                return model

            chollet_imdb.BUILD[row] = from_keras
            res = chollet_imdb.run(reviews, chollet_imdb.CholletImdb(seed=seed), only=[row], log=lambda *a: None)[0]
            print(json.dumps({"row": row, "seed": seed, "init": "keras", "best": res.value,
                              "best_epoch": res.extra["best epoch"], "test_accuracy": res.extra["test accuracy"],
                              "curve": res.curve, "seconds": round(res.seconds, 1), **check}), flush=True)
    finally:
        chollet_imdb.BUILD[row] = build


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2:]])
