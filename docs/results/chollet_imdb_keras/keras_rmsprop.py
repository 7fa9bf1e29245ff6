"""torchseq's IMDB rows trained with Keras 3's RMSprop update instead of torch's, to see whether the update
rule explains the two frameworks' different curves:

    v <- rho v + (1 - rho) g^2,    w <- w - lr g / sqrt(v + eps)          (Keras 3, TensorFlow's ApplyRMSProp)
    v <- rho v + (1 - rho) g^2,    w <- w - lr g / (sqrt(v) + eps)        (torch.optim.RMSprop; Keras 2.0's rule)

With eps = 1e-7 inside the root, a weight whose gradients are tiny (the embedding rows of rare words) moves
by at most lr g / sqrt(1e-7), where torch's rule moves it by about lr in the gradient's direction.

    PYTHONPATH=. python docs/results/chollet_imdb_keras/keras_rmsprop.py ROW SEED [SEED ...]

ROW is a chollet-imdb row (``lstm``, ``bidirectional_lstm``, ...). Everything else is torchseq's reproduction
(its data, models, Trainer, seeds); only the optimizer's update differs. Prints one JSON line per seed.
"""
import json
import sys

import torch

from torchseq.data import load_imdb
from torchseq.reproduce import chollet_imdb
from torchseq.reproduce.command import CHECKOUT_ARCHIVE

class KerasRMSprop(torch.optim.Optimizer):
    """RMSprop with epsilon inside the square root; the arguments of torch.optim.RMSprop that torchseq passes."""

    def __init__(self, params, lr=1e-3, alpha=0.9, eps=1e-7):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["v"] = torch.zeros_like(p)
                state["v"].lerp_(p.grad * p.grad, 1 - group["alpha"])                 # rho v + (1 - rho) g^2
                p.addcdiv_(p.grad, state["v"].add(group["eps"]).sqrt_(), value=-group["lr"])


def main(row, seeds):
    reviews = load_imdb(CHECKOUT_ARCHIVE)
    original, torch.optim.RMSprop = torch.optim.RMSprop, KerasRMSprop                 # what "rmsprop" builds
    try:
        for seed in seeds:
            res = chollet_imdb.run(reviews, chollet_imdb.CholletImdb(seed=seed), only=[row], log=lambda *a: None)[0]
            print(json.dumps({"row": row, "seed": seed, "optimizer": "keras_rmsprop", "best": res.value,
                              "best_epoch": res.extra["best epoch"], "test_accuracy": res.extra["test accuracy"],
                              "curve": res.curve, "seconds": round(res.seconds, 1)}), flush=True)
    finally:
        torch.optim.RMSprop = original


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2:]])
