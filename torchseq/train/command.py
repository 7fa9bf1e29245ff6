"""``torchseq train``: the lectures' recipes from the command line -- a dataset, a model, hyper-parameters."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import TensorDataset

from .. import data as D
from .. import layers as L
from .._io import write_atomic
from .._runs import add_arguments as add_run_arguments, named_path, run_folder
from .._cli_types import count, device, positive_float, positive_int, probability
from ..models import SeriesForecaster
from .callbacks import EarlyStopping, ModelCheckpoint
from .trainer import Trainer, plot_history

LAYERS = {"simple_rnn": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU, "peephole_lstm": L.PeepholeLSTM,
          "layer_norm_lstm": L.LayerNormLSTM}
DEFAULT_LOSS = {"synthetic": "mse", "jena": "mae", "prices": "mae", "imdb": "binary_crossentropy"}
# Deep Learning with Python's Jena recipe: normalise on and train with rows < 200,000, validate on
# 200,001 .. 300,000; 10 days back (1440 rows of 10 minutes) sampled hourly (step 6), 24 h ahead (144).
JENA_TRAIN_END, JENA_VALID = 200_000, (200_001, 300_000)
JENA_LOOKBACK, JENA_STEP, JENA_DELAY = 1440, 6, 144


def add_parser(commands) -> None:
    p = commands.add_parser("train", help="train a model on one of the lectures' datasets",
                            description="Train a model on one of the lectures' datasets and save its checkpoint, "
                                        "history (CSV) and learning curves (PNG, with matplotlib).")
    p.add_argument("--dataset", choices=sorted(DEFAULT_LOSS), default="synthetic",
                   help="synthetic: Hands-On ML's series (next value); jena: Deep Learning with Python's "
                        "temperature 24 h ahead; prices: a daily-price CSV (--data, --ticker); imdb: sentiment "
                        "of the aclImdb archive (--data)")
    p.add_argument("--data", type=Path, help="the file the dataset needs (Jena CSV/zip, price CSV, aclImdb archive)")
    p.add_argument("--ticker", help="prices: the ticker (Name column)")
    p.add_argument("--column", help="prices: the price column (default High)")
    p.add_argument("--start", metavar="DATE", help="prices: keep the rows from this ISO date on (e.g. 2014-03-12)")
    p.add_argument("--end", metavar="DATE", help="prices: keep the rows up to this ISO date (included)")
    p.add_argument("--model", choices=["dense", *LAYERS], default="lstm",
                   help="dense: Flatten -> Dense(hidden, relu) -> Dense(1); otherwise that recurrent layer")
    p.add_argument("--hidden", type=positive_int, default=32, help="units of the layer (default 32)")
    p.add_argument("--layers", type=positive_int, default=1, help="stacked recurrent layers (default 1)")
    p.add_argument("--bidirectional", action="store_true", help="wrap each recurrent layer in Bidirectional")
    p.add_argument("--dropout", type=probability, default=0.0, help="variational dropout on the inputs")
    p.add_argument("--recurrent-dropout", type=probability, default=0.0, help="variational dropout on h_{t-1}")
    p.add_argument("--epochs", type=positive_int, default=10, help="epochs in all, resumed ones included (default 10)")
    p.add_argument("--batch-size", type=positive_int, default=32, help="samples per batch")
    p.add_argument("--steps-per-epoch", type=positive_int, help="batches per epoch (jena default: 500, as the book)")
    p.add_argument("--optimizer", choices=["rmsprop", "adam", "sgd"], default="adam", help="with Keras' defaults")
    p.add_argument("--lr", type=positive_float, help="learning rate (default: the optimizer's Keras default; with "
                                                      "--resume, the checkpoint's)")
    p.add_argument("--loss", help="loss name (default: mse, or mae for jena/prices, binary_crossentropy for imdb)")
    p.add_argument("--clip", type=positive_float, help="clip the gradient norm to this value")
    p.add_argument("--amp", choices=["bf16", "fp16"], help="mixed-precision autocast")
    p.add_argument("--patience", type=positive_int, help="early stopping on val_loss, restoring the best weights "
                                                          "(checkpoint.pt then holds the best epoch)")
    p.add_argument("--device", type=device, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--seed", type=count, default=0, help="seed of the weights, the shuffling and dropout")
    p.add_argument("--resume", type=Path, help="a checkpoint to continue from")
    p.add_argument("--quick", action="store_true", help="a small slice of the data and 2 epochs, clearly labelled; "
                                                         "without --data, jena, prices and imdb use a generated "
                                                         "stand-in, as reproduce --quick does")
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines")
    add_run_arguments(p, "train")
    p.set_defaults(run=run)


def _series_datasets(args):
    """(train, valid, features, steps_per_epoch, validation_steps) for the forecasting datasets."""
    if args.dataset == "synthetic":
        (xt, yt), (xv, yv), _ = D.load_synthetic()
        if args.quick:
            xt, yt, xv, yv = xt[:512], yt[:512], xv[:256], yv[:256]
        return TensorDataset(xt, yt), TensorDataset(xv, yv), 1, args.steps_per_epoch, None
    if args.dataset == "prices":
        if args.data is None and not args.quick:
            raise ValueError("--dataset prices needs --data (a daily-price CSV); --quick without it trains on a "
                             "generated stand-in")
        if args.data is None:
            frame = D.price_sample(300)
            prices = frame.set_index("date")[(args.column or "High").lower()]
        else:
            prices = D.load_prices(args.data, args.ticker, args.column or "High", args.start, args.end)
        series = torch.tensor(prices.to_numpy(), dtype=torch.float32)
        n_train, n_valid = int(0.7 * len(series)), int(0.15 * len(series))
        scaler = D.MinMaxScaler().fit(series[:n_train])
        scaled = scaler.transform(series)
        x_t, y_t = D.make_sequences(scaled[:n_train], 7, 6)                           # look_back 7, foresight 6
        x_v, y_v = D.make_sequences(scaled[n_train:n_train + n_valid], 7, 6)
        return TensorDataset(x_t, y_t), TensorDataset(x_v, y_v), 1, args.steps_per_epoch, None
    if args.quick and args.data is None:                                              # jena
        table = D.jena_sample(8000)                                                   # as reproduce --quick
        train_end, valid_rows = len(table) // 2, (len(table) // 2 + 1, 3 * len(table) // 4)
    else:
        table = D.load_jena(args.data, check_rows=not args.quick) if args.data else D.load_jena()
        train_end, valid_rows = JENA_TRAIN_END, JENA_VALID
    values = table.iloc[:, 1:].to_numpy(dtype=np.float32)
    values = D.StandardScaler().fit(values[:train_end]).transform(values)
    train = D.window_batches(values, JENA_LOOKBACK, JENA_DELAY, 0, train_end, shuffle=True,
                             batch_size=args.batch_size, step=JENA_STEP, rng=np.random.RandomState(args.seed))
    valid = D.WindowDataset(values, JENA_LOOKBACK, JENA_DELAY, *valid_rows, step=JENA_STEP)
    steps = args.steps_per_epoch or (20 if args.quick else 500)
    return train, valid, 14, steps, (20 if args.quick else None)


def _imdb_datasets(args):
    if args.data is None and not args.quick:
        raise ValueError("--dataset imdb needs --data (aclImdb_v1.tar.gz or the aclImdb folder); --quick without "
                         "it trains on a generated stand-in")
    texts, labels = (D.load_imdb(args.data) if args.data is not None else D.review_sample(800, 1))["train"]
    order = np.random.RandomState(args.seed).permutation(len(texts))
    if args.quick:
        order = order[:1000]
    texts, labels = [texts[i] for i in order], torch.tensor([labels[i] for i in order], dtype=torch.float32)
    tokenizer = D.Tokenizer(num_words=10_000).fit_on_texts(texts)
    x = D.pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=500)
    n_valid = len(texts) // 5                                                          # 20% for validation
    return (TensorDataset(x[n_valid:], labels[n_valid:]), TensorDataset(x[:n_valid], labels[:n_valid]),
            None, args.steps_per_epoch, None)


def _recurrent(args, features: int) -> nn.Module:
    options = {"dropout": args.dropout, "recurrent_dropout": args.recurrent_dropout}
    stack, size = [], features
    for k in range(args.layers):
        last = k == args.layers - 1
        layer = LAYERS[args.model](size, args.hidden, return_sequences=not last, **options)
        stack.append(L.Bidirectional(layer) if args.bidirectional else layer)
        size = stack[-1].output_size
    return stack[0] if len(stack) == 1 else L.Stacked(*stack)


def build_model(args, features, steps: int) -> nn.Module:
    if args.dataset == "imdb":
        body = _recurrent(args, 32) if args.model != "dense" else nn.Sequential(nn.Flatten(), nn.Linear(500 * 32, args.hidden), nn.ReLU())
        width = body.output_size if args.model != "dense" else args.hidden
        return nn.Sequential(nn.Embedding(10_000, 32), body, nn.Linear(width, 1), nn.Sigmoid())
    if args.model == "dense":
        return nn.Sequential(nn.Flatten(), nn.Linear(steps * features, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 1))
    return SeriesForecaster(_recurrent(args, features))


def run(args: argparse.Namespace) -> int:
    unused = [f"--{name}" for name in ("ticker", "column", "start", "end") if getattr(args, name) is not None]
    if unused and args.dataset != "prices":
        raise ValueError(f"{', '.join(unused)} only apply to --dataset prices, not {args.dataset}")
    if args.data is not None and args.dataset == "synthetic":
        raise ValueError("--data names the file of --dataset jena, prices or imdb; the synthetic series "
                         "(the default --dataset) is generated: name the dataset the file holds")
    torch.manual_seed(args.seed)
    if args.dataset == "imdb":
        train, valid, features, steps, val_steps = _imdb_datasets(args)
        steps_in = 500
    else:
        train, valid, features, steps, val_steps = _series_datasets(args)
        steps_in = valid[0][0].shape[0]
    model = build_model(args, features, steps_in)
    args.out = _folder(args)
    literal = str(args.out / "checkpoint.pt").replace("{", "{{").replace("}", "}}")   # braces in --out are text
    callbacks = [ModelCheckpoint(literal)]
    if args.patience:
        callbacks.append(EarlyStopping(patience=args.patience, restore_best_weights=True))
    metrics = ["accuracy"] if args.dataset == "imdb" else ["mae"]
    trainer = Trainer(model, optimizer=args.optimizer, lr=args.lr, loss=args.loss or DEFAULT_LOSS[args.dataset],
                      metrics=metrics, device=args.device, amp=args.amp, clip_grad_norm=args.clip,
                      callbacks=callbacks, verbose=0 if args.quiet else "auto", seed=args.seed)
    epochs = 2 if args.quick else args.epochs
    history = trainer.fit(train, valid, epochs=epochs, batch_size=args.batch_size, steps_per_epoch=steps,
                          validation_steps=val_steps, resume=args.resume)
    if trainer.rank == 0:
        _report(args, history, trainer)
    return 0


def _folder(args) -> Path:
    """The run's folder: rank 0 claims it; under torchrun every process must be told the same one."""
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed and args.run_name is None and args.out is None:
        raise ValueError("under torchrun give --name or --out, so that every process writes to the same folder")
    if int(os.environ.get("RANK", "0")) != 0:
        return named_path("train", args.run_name, args.out)
    what = f"{args.dataset}_{args.model}" + ("_quick" if args.quick else "")
    return run_folder("train", what, args.run_name, args.out, args.overwrite, continues=args.resume)


STAND_INS = {"jena": "jena_sample", "prices": "price_sample", "imdb": "review_sample"}


def data_note(args) -> str:
    """Where the data came from, in words: the file, the generated series, or a labelled stand-in."""
    if args.dataset == "synthetic":
        return "Hands-On ML's generated series"
    if args.data is None and args.quick:
        return f"generated stand-in (torchseq.data.{STAND_INS[args.dataset]}), not {args.dataset}"
    return str(args.data) if args.data is not None else f"{args.dataset} (cache)"


def _report(args, history: pd.DataFrame, trainer: Trainer) -> None:
    write_atomic(args.out / "history.csv", history.to_csv())
    note = data_note(args)
    drawn = plot_history(history, args.out / "history.png",
                         title=f"{args.model} on {args.dataset} ({note})", quick=args.quick,
                         loss=trainer.loss_name)
    best = history["val_loss"].idxmin() if "val_loss" in history else history.index[-1]
    restored = [cb.restored_epoch for cb in trainer.callbacks if getattr(cb, "restored_epoch", None)]
    saved = restored[0] if restored else int(history.index[-1])
    summary = {"dataset": args.dataset, "model": args.model, "epochs": int(history.index[-1]),
               "best_epoch": int(best), "checkpoint_epoch": int(saved), "device": str(trainer.device),
               "quick": args.quick, "data": note,
               **{f"best_{k}": float(v) for k, v in history.loc[best].items()}}
    write_atomic(args.out / "summary.json", json.dumps(summary, indent=1))
    label = "QUICK (test-sized) run -- " if args.quick else ""
    print(f"{label}{args.model} on {args.dataset} ({note}), {summary['epochs']} epochs on {trainer.device}; "
          f"best epoch {best}:")
    print(history.loc[[best]].drop(columns=["lr"]).to_string(float_format=lambda v: f"{v:.5g}"))
    held = f" (epoch {saved}, the best, restored)" if restored else f" (epoch {saved})"
    print(f"saved {args.out / 'checkpoint.pt'}{held}, history.csv"
          + (", history.png" if drawn else " (no PNG: matplotlib is not installed)"))
    print(f"results in {args.out}{os.sep}")
