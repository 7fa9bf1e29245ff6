"""The hostile-input sweep shared by tests/test_hostile_api.py: every public callable with one valid call, each
argument swapped in turn for a hostile value; the outcome must be a correct result or a refusal by torchseq
itself that names the argument."""
import copy
import math
import os
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import torchseq as ts
from torch import nn
from torchseq import data as D
from torchseq import interop, study
from torchseq.models import SeriesForecaster, WaveNet
from torchseq.testing import assert_modules_close, check_cell
from torchseq.train import EarlyStopping, ModelCheckpoint, Trainer

PACKAGE = os.path.dirname(ts.__file__)
REFUSALS = (ValueError, TypeError, FileNotFoundError, OSError, RuntimeError)

HOSTILE = {
    "None": None, "zero": 0, "negative": -1, "fraction": 2.5, "nan": math.nan, "inf": math.inf,
    "true": True, "text": "x", "empty list": [], "numpy int": np.int64(3), "tensor": torch.tensor(3),
    "object": object(), "empty tensor": torch.zeros(0), "nan tensor": torch.full((2, 4, 3), math.nan),
}


def _x(*shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


def _series(rows=60, cols=3):
    return np.random.RandomState(0).randn(rows, cols)


def _trainer(**kw):
    return Trainer(SeriesForecaster(ts.LSTM(1, 4)), **{"device": "cpu", "verbose": 0, **kw})


def _fit(**kw):
    data = torch.utils.data.TensorDataset(_x(16, 5, 1), _x(16, 1))
    return _trainer().fit(**{"train": data, "epochs": 1, "batch_size": 8, **kw})


def _drawn(plot):
    """A study plot that closes its figure (so hundreds of calls hold no memory)."""
    def draw(**kw):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.close(plot(**kw))
    return draw


_X = _x(2, 5, 3)
_GRU = ts.GRU(3, 4)
_TRACE = ts.trace(ts.LSTM(3, 4), _X)[1]


# name -> (callable, valid keyword arguments). Every keyword is swapped in turn.
CASES = {
    "LSTM": (ts.LSTM, {"input_size": 3, "hidden_size": 4}),
    "GRU": (ts.GRU, {"input_size": 3, "hidden_size": 4, "reset_after": True}),
    "SimpleRNN": (ts.SimpleRNN, {"input_size": 3, "hidden_size": 4, "activation": "relu"}),
    "PeepholeLSTM": (ts.PeepholeLSTM, {"input_size": 3, "hidden_size": 4, "dropout": 0.1}),
    "LayerNormLSTM": (ts.LayerNormLSTM, {"input_size": 3, "hidden_size": 4, "layer_norm_eps": 1e-5}),
    "LSTM options": (ts.LSTM, {"input_size": 3, "hidden_size": 4, "recurrent_dropout": 0.2, "zoneout": 0.1,
                               "go_backwards": True, "generator": 1}),
    "LSTM call": (lambda x, lengths: ts.LSTM(3, 4)(x, lengths=lengths), {"x": _x(2, 4, 3), "lengths": [4, 2]}),
    "GRU call": (lambda x, initial_state: ts.GRU(3, 4)(x, initial_state=initial_state),
                 {"x": _x(2, 4, 3), "initial_state": _x(2, 4)}),
    "LSTMCell call": (lambda x_t: ts.LSTMCell(3, 4)(x_t), {"x_t": _x(2, 3)}),
    "Bidirectional": (lambda merge_mode: ts.Bidirectional(ts.LSTM(3, 4), merge_mode=merge_mode),
                      {"merge_mode": "sum"}),
    "Stacked": (lambda dropout: ts.Stacked(ts.LSTM(3, 4, return_sequences=True), ts.LSTM(4, 4), dropout=dropout),
                {"dropout": 0.1}),
    "Dense": (ts.Dense, {"in_features": 3, "out_features": 2, "activation": "relu"}),
    "Dense call": (lambda x: ts.Dense(3, 2)(x), {"x": _x(2, 3)}),
    "Conv1D": (ts.Conv1D, {"in_channels": 3, "filters": 4, "kernel_size": 2, "dilation_rate": 2}),
    "Conv1D call": (lambda x: ts.Conv1D(3, 4, 2)(x), {"x": _x(2, 6, 3)}),
    "MaxPool1D": (ts.MaxPool1D, {"pool_size": 2, "strides": 1}),
    "VariationalDropout": (ts.VariationalDropout, {"p": 0.3}),
    "mc_dropout_predict": (ts.mc_dropout_predict, {"model": ts.LSTM(3, 4, dropout=0.2), "x": _x(2, 4, 3),
                                                   "samples": 3, "seed": 0}),
    "summary": (ts.summary, {"model": ts.LSTM(3, 4), "input_shape": (5, 3)}),
    "trace": (ts.trace, {"layer": ts.LSTM(3, 4), "x": _x(2, 4, 3)}),
    "SeriesForecaster": (SeriesForecaster, {"layer": ts.LSTM(1, 4), "outputs": 2}),
    "WaveNet": (WaveNet, {"quantization_channels": 8, "residual_channels": 4, "gate_channels": 4,
                          "skip_channels": 4, "layers_per_stack": 2, "stacks": 1, "global_classes": 2,
                          "global_channels": 2}),
    "WaveNet call": (lambda x, global_cond: WaveNet(8, 4, 4, 4, layers_per_stack=2, stacks=1, global_classes=2)(
        x, global_cond=global_cond), {"x": torch.randint(0, 8, (2, 6)), "global_cond": torch.tensor([0, 1])}),
    "Trainer": (_trainer, {"optimizer": "adam", "lr": 1e-3, "loss": "mae", "metrics": ["mae"],
                           "clip_grad_norm": 1.0, "seed": 0, "cuda_graphs": "auto", "verbose": 0}),
    "Trainer.fit": (_fit, {"epochs": 1, "batch_size": 8, "steps_per_epoch": 1, "shuffle": True}),
    "Trainer.predict": (lambda x, batch_size: _trainer().predict(x, batch_size), {"x": _x(4, 5, 1), "batch_size": 2}),
    "Trainer.fit(x, y)": (lambda train, valid, validation_split, verbose: _trainer().fit(
        train, valid, epochs=1, validation_split=validation_split, verbose=verbose),
        {"train": _x(16, 5, 1), "valid": _x(16, 1), "validation_split": 0.25, "verbose": 0}),
    "Trainer.evaluate(x, y)": (lambda data, y: _trainer().evaluate(data, y), {"data": _x(8, 5, 1), "y": _x(8, 1)}),
    "EarlyStopping": (EarlyStopping, {"monitor": "val_loss", "patience": 2, "min_delta": 0.0, "mode": "min"}),
    "ModelCheckpoint": (ModelCheckpoint, {"path": "c-{epoch}.pt", "monitor": "val_loss", "save_best_only": False}),
    "gradient_norms": (study.gradient_norms, {"layer": ts.GRU(3, 4), "x": _x(2, 5, 3)}),
    "spectral_radius": (study.spectral_radius, {"cell": ts.LSTMCell(3, 4)}),
    "unroll": (study.unroll, {"layer": ts.SimpleRNN(3, 4), "x": _x(1, 4, 3)}),
    "masks_over_time": (study.masks_over_time, {"layer": ts.LSTM(3, 4, recurrent_dropout=0.3), "x": _x(2, 5, 3),
                                                "which": "recurrent", "gate": 1, "sample": 1}),
    "receptive_field_map": (study.receptive_field_map, {"layers": [ts.Conv1D(1, 2, 2, padding="causal")],
                                                        "length": 8, "in_channels": 1, "position": -1}),
    "from_torch": (interop.from_torch, {"module": nn.LSTM(3, 4, batch_first=True)}),
    "to_torch": (interop.to_torch, {"module": ts.GRU(3, 4, reset_after=True)}),
    "state_from_torch": (lambda hx: interop.state_from_torch(ts.LSTM(3, 4), hx), {"hx": (_x(1, 2, 4), _x(1, 2, 4))}),
    "load_keras_weights": (interop.load_keras_weights, {"module": ts.SimpleRNN(3, 4),
                                                        "weights": [np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4)]}),
    "plot_trace": (_drawn(study.plot_trace), {"internals": _TRACE, "entries": ["i", "f"], "sample": 1}),
    "plot_gradient_norms": (_drawn(study.plot_gradient_norms),
                            {"norms": {"lstm": study.gradient_norms(ts.LSTM(3, 4), _X)}, "log": True}),
    "plot_masks": (_drawn(study.plot_masks),
                   {"masks": {"lstm": study.masks_over_time(ts.LSTM(3, 4, recurrent_dropout=0.3), _X)}}),
    "plot_trace marks": (_drawn(study.plot_trace), {"internals": _TRACE, "marks": {"event": 2}}),
    "plot_gradient_norms marks": (_drawn(study.plot_gradient_norms),
                                  {"norms": study.gradient_norms(ts.LSTM(3, 4), _X), "marks": [1, 3]}),
    "plot_receptive_field": (_drawn(study.plot_receptive_field), {
        "levels": study.receptive_field_map([ts.Conv1D(1, 2, 2, padding="causal")], 8, 1), "names": ["in", "out"]}),
    "generate_time_series": (D.generate_time_series, {"batch_size": 2, "n_steps": 5, "seed": 0, "noise": 0.1}),
    "adding_problem": (D.adding_problem, {"n": 4, "length": 6, "seed": 0}),
    "recall_task": (D.recall_task, {"n": 4, "symbols": 2, "classes": 3, "delay": 2, "seed": 0}),
    "CoupledGateLSTMCell": (ts.cells.variants.CoupledGateLSTMCell, {"input_size": 3, "hidden_size": 4}),
    "FullGateRecurrenceLSTMCell": (ts.cells.variants.FullGateRecurrenceLSTMCell, {"input_size": 3, "hidden_size": 4}),
    "check_cell": (lambda **kw: check_cell(**kw).passed,
                   {"cell_or_factory": ts.GRUCell, "input_size": 2, "hidden_size": 3, "batch": 2, "steps": 3,
                    "seed": 0}),
    "assert_modules_close": (lambda **kw: assert_modules_close(**kw).passed,
                             {"a": _GRU, "b": copy.deepcopy(_GRU), "x": _X, "tol": 1e-5, "seed": 0}),
    "load_synthetic": (D.load_synthetic, {"n_steps": 5, "ahead": 1, "n_series": 4, "seed": 0, "split": (2, 1, 1)}),
    "WindowDataset": (D.WindowDataset, {"data": _series(), "lookback": 6, "delay": 2, "min_index": 0,
                                        "max_index": 40, "step": 2, "target_column": 1}),
    "window_batches": (lambda **kw: next(D.window_batches(**kw)), {"data": _series(), "lookback": 6, "delay": 2,
                                                                  "batch_size": 4, "step": 2}),
    "make_sequences": (D.make_sequences, {"series": _series(30, 1)[:, 0], "look_back": 3, "foresight": 1}),
    "StandardScaler": (lambda train: D.StandardScaler().fit(train).transform(train), {"train": _series()}),
    "MinMaxScaler": (lambda feature_range, train: D.MinMaxScaler(feature_range).fit(train).transform(train),
                     {"feature_range": (0.0, 1.0), "train": pd.DataFrame(_series())}),
    "naive_last_value": (D.naive_last_value, {"x": _x(4, 5, 2), "y": _x(4), "metric": "mae", "column": 1}),
    "Tokenizer": (lambda num_words, oov_token: D.Tokenizer(num_words, oov_token).fit_on_texts(["a b", "b c"]),
                  {"num_words": 3, "oov_token": "?"}),
    "pad_sequences": (D.pad_sequences, {"sequences": [[1, 2], [3]], "maxlen": 3, "padding": "post", "value": 0}),
    "lengths_of": (D.lengths_of, {"padded": torch.tensor([[1, 2, 0], [3, 0, 0]]), "value": 0}),
    "mu_law_encode": (D.mu_law_encode, {"x": torch.linspace(-1, 1, 5), "quantization_channels": 16}),
    "mu_law_decode": (D.mu_law_decode, {"classes": torch.arange(5), "quantization_channels": 16}),
    "load_prices": (D.load_prices, {"path": Path("__missing__.csv"), "ticker": "AAL", "column": "High"}),
    "load_imdb": (D.load_imdb, {"path": Path("__missing__.tar.gz")}),
    "jena_sample": (D.jena_sample, {"rows": 2000, "seed": 0}),
    "price_sample": (D.price_sample, {"days": 30, "seed": 0}),
    "review_sample": (D.review_sample, {"n_train": 4, "n_test": 4, "seed": 0, "min_words": 2, "max_words": 5}),
}


def refused_by_torchseq(error: BaseException) -> bool:
    """True when the innermost frame that raised ``error`` is torchseq's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(PACKAGE)


def finite(result) -> bool:
    """No NaN or inf in any tensor, array or frame the call returned."""
    if isinstance(result, torch.Tensor):
        return not result.is_floating_point() or bool(torch.isfinite(result).all())
    if isinstance(result, np.ndarray):
        return not np.issubdtype(result.dtype, np.floating) or bool(np.isfinite(result).all())
    if isinstance(result, (pd.DataFrame, pd.Series)):
        return finite(result.select_dtypes("number").to_numpy() if isinstance(result, pd.DataFrame)
                      else result.to_numpy() if pd.api.types.is_numeric_dtype(result) else np.zeros(0))
    if isinstance(result, (tuple, list)):
        return all(finite(r) for r in result)
    if isinstance(result, dict):
        return all(finite(r) for r in result.values())
    return True


def outcome(case: str, argument: str, value_name: str):
    """None when the call behaved (a finite result from finite input, or torchseq's refusal naming the
    argument -- or the other argument it conflicts with); otherwise a line saying what went wrong."""
    fn, valid = CASES[case]
    kwargs = dict(valid)
    kwargs[argument] = HOSTILE[value_name]
    try:
        result = fn(**kwargs)
    except REFUSALS as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        if not refused_by_torchseq(error):
            return f"{case}({argument}={value_name}): {type(error).__name__} from {where.filename}:{where.lineno}: {error}"
        if not any(name in str(error) for name in kwargs) and not isinstance(error, FileNotFoundError):
            return f"{case}({argument}={value_name}): the message names none of the arguments: {error}"
        return None
    except Exception as error:                                                       # noqa: BLE001 -- reported
        return f"{case}({argument}={value_name}): {type(error).__name__}: {error}"
    if value_name != "nan tensor" and value_name not in ("nan", "inf") and not finite(result):
        return f"{case}({argument}={value_name}): a non-finite result from finite input"
    return None
