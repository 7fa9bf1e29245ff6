"""One training loop for any model (torchseq or plain torch), on CPU or CUDA, alone or under torchrun."""
from __future__ import annotations

import math
import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import pandas as pd
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from .._validate import (check_bool, check_choice, check_count, check_device, check_optional_count, check_real,
                         check_seed)
from .arrays import as_tensor, fit_data, is_array, paired
from .callbacks import Callback
from .checkpoint import FORMAT, check_finite_weights, load_checked, rng_state, save_atomic, set_rng_state
from .cuda_graphs import ShapeGraphs, refusal as graph_refusal
from .inputs import check_batch, check_data, check_outputs, check_pass
from .progress import bar, epoch_line, resolve_verbose, say
from .registry import LOSSES, METRICS, make_optimizer, resolve

AMP = {None: None, "bf16": torch.bfloat16, "fp16": torch.float16}


class Trainer:
    """Fit, evaluate and predict, Keras-style, with PyTorch objects underneath.

    Args:
        model: any nn.Module mapping a batch's inputs to outputs.
        optimizer: "rmsprop", "adam", "sgd" (Keras' defaults) or a torch.optim.Optimizer.
        lr: the learning rate (>= 0), overriding the optimizer's default or its own; it also overrides the
            rate stored in a checkpoint this trainer resumes from (leave it out for an exact resume).
        loss: "mse", "mae", "binary_crossentropy" (probabilities), "binary_crossentropy_from_logits",
            "sparse_categorical_crossentropy" (logits) or a callable (prediction, target) -> scalar.
        metrics: names ("mae", "mse", "accuracy", "accuracy_from_logits") or {name: callable}.
        device: "cpu", "cuda", a torch.device; default CUDA when available (under torchrun: this rank's GPU).
        amp: None, "bf16" or "fp16" autocast (fp16 with a gradient scaler on CUDA).
        clip_grad_norm: clip the global gradient norm to this value (> 0) before each step.
        callbacks: :mod:`torchseq.train.callbacks` objects.
        verbose: what the trainer shows while it works, as in Keras: 0 nothing, 1 progress bars (tqdm; a
            widget in Jupyter with ipywidgets), 2 one line per epoch on stdout (loss, metrics, validation,
            time, ETA); "auto" (default) is 1 on a terminal or in a notebook with widgets, 2 otherwise (a
            log file, a notebook without widgets). ``fit``, ``evaluate`` and ``predict`` take their own.
        seed: seed of the per-epoch shuffling (the order is a function of seed and epoch, so a resumed run
            replays it).
        cuda_graphs: "auto" (default) replays the training forward and backward from CUDA graphs, one per batch
            shape, on a CUDA device where nothing refuses it; True insists (a refusal is an error); False never
            captures. :mod:`torchseq.train.cuda_graphs` says what runs how and what refuses; after
            construction ``cuda_graphs_off`` holds the reason they are off (None when on).

    Data: a map-style ``Dataset`` of (input, target) pairs (batched and shuffled here, and sharded under
    torchrun; one with a ``batches(indices, batch_size)`` method, like WindowDataset, is batched by it), or
    any re-iterable of (input, target) batches (a list, a DataLoader); a one-shot iterator such as the endless
    ``window_batches`` needs ``steps_per_epoch`` (and ``validation_steps``), and continues where the previous
    epoch stopped. Empty data, a pass that yields no batch and a stream that runs out are refused.

    Guarantees: a non-finite training loss, a non-finite validation loss or non-finite weights at the end
    of an epoch stop training with FloatingPointError before any callback sees the epoch, so no checkpoint
    is ever replaced by a diverged state.
    Under ``torchrun`` the loop joins the process group (NCCL on GPUs, gloo on CPUs), wraps the model in
    DistributedDataParallel and gives each rank batch_size / world_size samples of every global batch.
    """

    def __init__(self, model: nn.Module, optimizer="rmsprop", loss="mse", metrics: Union[Sequence, Dict] = (),
                 lr: Optional[float] = None, device=None, amp: Optional[str] = None,
                 clip_grad_norm: Optional[float] = None, callbacks: Sequence[Callback] = (),
                 verbose: Union[str, int] = "auto", seed: int = 0, cuda_graphs: Union[str, bool] = "auto"):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.device = check_device("device", device) if device is not None else _default_device()
        self.lr = None if lr is None else check_real("lr", lr, minimum=0.0)
        self.clip_grad_norm = None if clip_grad_norm is None else check_real("clip_grad_norm", clip_grad_norm, 0.0, True)
        self.seed = check_seed("seed", seed)
        self.verbose = resolve_verbose(verbose)
        self.callbacks: List[Callback] = _callbacks(callbacks)
        self.amp = AMP[check_choice("amp", amp, tuple(AMP))]
        self.loss_fn = resolve("loss", loss, LOSSES)
        self.loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "loss")
        self.metrics: Dict[str, Callable] = _metrics(metrics)
        self.world_size, self.rank = _init_distributed(self.device)
        self.unwrapped = model.to(self.device)
        self.model = (nn.parallel.DistributedDataParallel(model, device_ids=[self.device] if self.device.type == "cuda" else None)
                      if self.world_size > 1 else model)
        self.optimizer = make_optimizer(optimizer, model.parameters(), self.lr)
        self.scaler = torch.amp.GradScaler("cuda") if amp == "fp16" and self.device.type == "cuda" else None
        self.graphs, self.cuda_graphs_off = self._graphs(cuda_graphs)
        self.epoch = 0
        self.history = pd.DataFrame()
        self.stop_training = False

    def _graphs(self, setting) -> Tuple[Optional[ShapeGraphs], Optional[str]]:
        """(the graph cache or None, why they are off or None) for the ``cuda_graphs`` setting."""
        if not (isinstance(setting, bool) or isinstance(setting, str) and setting == "auto"):
            raise ValueError(f"cuda_graphs must be 'auto', True or False, got {setting!r}")
        if setting is False:
            return None, "cuda_graphs=False"
        reason = graph_refusal(self.unwrapped, self.device, self.amp, self.world_size)
        if reason is not None:
            if setting is True:
                raise ValueError(f"cuda_graphs=True, but {reason}")
            return None, reason
        return ShapeGraphs(self.unwrapped, strict=setting is True), None

    # ---- data ---------------------------------------------------------------------------------------
    def _batches(self, data, batch_size: int, shuffle: bool, steps: Optional[int]):
        """(iterable of batches, number of batches or None) for this epoch."""
        if isinstance(data, Dataset) and hasattr(data, "__len__"):
            if len(data) < self.world_size:
                raise ValueError(f"the data hold {len(data)} samples, fewer than the {self.world_size} processes")
            if batch_size % self.world_size:
                raise ValueError(f"batch_size {batch_size} must be divisible by the {self.world_size} processes")
            sampler = DistributedSampler(data, num_replicas=self.world_size, rank=self.rank, shuffle=shuffle,
                                         seed=self.seed)
            sampler.set_epoch(self.epoch)
            per_rank = batch_size // self.world_size
            count = math.ceil(len(sampler) / per_rank)
            if hasattr(data, "batches"):                                              # batched gathers, no per-sample Python
                loader = data.batches(torch.tensor(list(sampler), dtype=torch.int64), per_rank)
            else:
                loader = DataLoader(data, batch_size=per_rank, sampler=sampler)
            return loader, (count if steps is None else min(steps, count))
        if isinstance(data, Iterable):
            return data, steps
        raise TypeError(f"data must be a Dataset or an iterable of (input, target) batches, got {type(data).__name__}")

    def _forward(self, x, train: bool = False):
        x = x if isinstance(x, tuple) else (x,)
        if train and self.graphs is not None:
            return self.graphs(*x)                                                    # replayed where captured
        context = torch.autocast(self.device.type, dtype=self.amp) if self.amp is not None else nullcontext()
        with context:
            return self.model(*x)

    # ---- one pass -----------------------------------------------------------------------------------
    def _run_epoch(self, data, batch_size: int, shuffle: bool, steps: Optional[int], train: bool,
                   label: str = "train", steps_name: str = "steps_per_epoch", verbose: int = 0) -> dict:
        """One pass over ``data``; ``label`` and ``steps_name`` are the argument names its refusals use."""
        batches, total = self._batches(data, batch_size, shuffle, steps)
        self.model.train(train)
        sums = {name: torch.zeros((), dtype=torch.float64, device=self.device) for name in ["loss", *self.metrics]}
        count = torch.zeros((), dtype=torch.float64, device=self.device)
        shown = bar(total, f"epoch {self.epoch + 1}" if train else "validation", verbose == 1 and self.rank == 0,
                    leave=False)
        read = 0
        with torch.set_grad_enabled(train):
            for b, batch in enumerate(batches):
                x, y = check_batch(label, batch, b)
                x, y = _move(x, self.device), _move(y, self.device)
                out = check_outputs(self._forward(x, train), y)
                if out.dtype in (torch.float16, torch.bfloat16):
                    out = out.float()                                                 # losses in >= float32
                loss = self.loss_fn(out, y)
                if train:
                    self._step(loss, b)
                n = y.shape[0]
                sums["loss"] += loss.detach().double() * n
                for name, fn in self.metrics.items():
                    sums[name] += fn(out.detach(), y).double() * n
                count += n
                read += 1
                shown.update()
                if steps is not None and read == steps:
                    break
        shown.close()
        check_pass(label, read, steps, steps_name, one_shot=isinstance(data, Iterator))
        if self.world_size > 1:
            for t in [*sums.values(), count]:
                dist.all_reduce(t)
        return {name: (s / count).item() for name, s in sums.items()}

    def _step(self, loss: torch.Tensor, batch: int) -> None:
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss.item()} at epoch {self.epoch + 1}, batch {batch + 1}; "
                                     f"training stopped (checkpoints already written are untouched)")
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        if self.clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.unwrapped.parameters(), self.clip_grad_norm)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()

    # ---- public -------------------------------------------------------------------------------------
    def fit(self, train, valid=None, epochs: int = 1, batch_size: int = 32, shuffle: bool = True,
            steps_per_epoch: Optional[int] = None, validation_steps: Optional[int] = None,
            resume: Optional[Union[str, Path]] = None, *, validation_data=None,
            validation_split: Optional[float] = None, verbose: Optional[Union[str, int]] = None) -> pd.DataFrame:
        """Train until ``epochs`` (counting any resumed ones) or a callback stops it; returns the history: one
        row per epoch with loss, the metrics, ``val_`` versions of both, lr and seconds.

        Two call forms:

        - ``fit(train, valid, ...)``: Datasets of (input, target) pairs, DataLoaders or lists of batches;
        - ``fit(x, y, ...)``, Keras' form: tensors or NumPy arrays of inputs (N, ...) and targets (N, ...),
          with ``validation_data=(x_val, y_val)`` or ``validation_split=0.2`` (the last 20 % of the samples,
          taken before shuffling, as in Keras). NumPy floats become torch's default dtype.

        ``verbose`` overrides the trainer's for this call (0, 1, 2 or "auto").
        """
        train, valid = fit_data(train, valid, validation_data, validation_split)
        epochs = check_count("epochs", epochs, minimum=1)
        batch_size = check_count("batch_size", batch_size, minimum=1)
        shuffle = check_bool("shuffle", shuffle)
        steps_per_epoch = check_optional_count("steps_per_epoch", steps_per_epoch)
        validation_steps = check_optional_count("validation_steps", validation_steps)
        verbose = self.verbose if verbose is None else resolve_verbose(verbose)
        check_data("train", train, steps_per_epoch, "steps_per_epoch")
        if valid is not None:
            check_data("valid", valid, validation_steps, "validation_steps")
        if resume is not None:
            self.load_checkpoint(resume)
            if self.epoch > epochs:
                raise ValueError(f"epochs={epochs} counts the resumed ones, but {resume} was saved after epoch "
                                 f"{self.epoch}; give epochs >= {self.epoch}")
        self.stop_training = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        shown = bar(epochs, "training", verbose == 1 and self.rank == 0, initial=self.epoch)
        while self.epoch < epochs and not self.stop_training:
            start = time.perf_counter()
            logs = self._run_epoch(train, batch_size, shuffle, steps_per_epoch, train=True, verbose=verbose)
            check_finite_weights(self.unwrapped, f"after epoch {self.epoch + 1}")
            if valid is not None:
                val = self._run_epoch(valid, batch_size, False, validation_steps, False, "valid", "validation_steps",
                                      verbose)
                if not math.isfinite(val["loss"]):
                    raise FloatingPointError(f"the validation loss is {val['loss']} after epoch {self.epoch + 1}; "
                                             f"training stopped (checkpoints already written are untouched)")
                logs.update({f"val_{k}": v for k, v in val.items()})
            logs["lr"] = self.optimizer.param_groups[0]["lr"]
            logs["seconds"] = time.perf_counter() - start
            self.epoch += 1
            self.history = pd.concat([self.history, pd.DataFrame([logs], index=pd.Index([self.epoch], name="epoch"))])
            for cb in self.callbacks:
                cb.on_epoch_end(self, self.epoch, logs)
            for cb in self.callbacks:
                cb.on_epoch_finished(self, self.epoch)
            shown.update()
            shown.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k in ("loss", "val_loss")})
            if verbose == 2 and self.rank == 0:
                say(epoch_line(self.epoch, epochs, logs, float(self.history["seconds"].mean())))
        shown.close()
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self.history

    def evaluate(self, data, y=None, batch_size: int = 32, steps: Optional[int] = None,
                 verbose: Optional[Union[str, int]] = None) -> dict:
        """Mean loss and metrics over ``data`` (a Dataset or batches; or arrays ``evaluate(x, y)``, Keras'
        form) with the model in eval mode and no gradients."""
        if y is not None and not is_array(data):
            raise TypeError(f"y (targets) goes with an array of inputs, evaluate(x, y); data is a "
                            f"{type(data).__name__}, which holds its targets already: leave y out")
        data = paired("data", data, "y", y) if is_array(data) else data
        batch_size = check_count("batch_size", batch_size, minimum=1)
        steps = check_optional_count("steps", steps)
        verbose = self.verbose if verbose is None else resolve_verbose(verbose)
        check_data("data", data, steps, "steps")
        return self._run_epoch(data, batch_size, False, steps, False, "data", "steps", verbose)

    @torch.no_grad()
    def predict(self, x, batch_size: int = 256, verbose: Optional[Union[str, int]] = None) -> torch.Tensor:
        """The model's outputs for the samples x (N, ...) (a tensor or a NumPy array), in batches of
        ``batch_size``, on the CPU."""
        x = as_tensor("x", x)
        batch_size = check_count("batch_size", batch_size, minimum=1)
        verbose = self.verbose if verbose is None else resolve_verbose(verbose)
        self.model.eval()
        starts = range(0, len(x), batch_size)
        shown = bar(len(starts), "predict", verbose == 1 and self.rank == 0, leave=False)
        outputs = []
        for i in starts:
            outputs.append(self._forward(x[i:i + batch_size].to(self.device)).cpu())
            shown.update()
        shown.close()
        return torch.cat(outputs)

    # ---- checkpoints --------------------------------------------------------------------------------
    def state(self) -> dict:
        """Everything a checkpoint holds: model, optimiser, epoch, history, callbacks and every RNG."""
        return {"format": FORMAT, "model": self.unwrapped.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict() if self.scaler is not None else None,
                "epoch": self.epoch, "history": self.history.to_dict("list"),
                "callbacks": [cb.state_dict() for cb in self.callbacks], "rng": rng_state(self.unwrapped)}

    def save_checkpoint(self, path: Union[str, Path], state: Optional[dict] = None) -> None:
        """:meth:`state` (or a state it returned earlier), written atomically (rank 0 only). A model whose
        weights are not all finite is refused: a checkpoint is never replaced by a diverged state."""
        if self.rank != 0:
            return
        if state is None:
            check_finite_weights(self.unwrapped, f"refusing to write {path}:")
            state = self.state()
        save_atomic(state, path)

    def load_checkpoint(self, path: Union[str, Path]) -> None:
        """Restore everything save_checkpoint wrote; ``fit`` then continues with the next epoch. An explicit
        ``lr`` given to this trainer replaces the stored learning rate."""
        state = load_checked(path, self.device)
        try:
            self.unwrapped.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as error:
            raise ValueError(f"{path} holds the state of another model or optimiser: {error}") from error
        if self.lr is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = self.lr
        if self.scaler is not None and state["scaler"] is not None:
            self.scaler.load_state_dict(state["scaler"])
        self.epoch = state["epoch"]
        self.history = pd.DataFrame(state["history"], index=pd.Index(range(1, self.epoch + 1), name="epoch"))
        if len(state["callbacks"]) != len(self.callbacks):
            raise ValueError(f"{path} holds the state of {len(state['callbacks'])} callbacks, this trainer has "
                             f"{len(self.callbacks)}: resume with the same callbacks")
        for cb, cb_state in zip(self.callbacks, state["callbacks"]):
            cb.load_state_dict(cb_state)
        set_rng_state(self.unwrapped, state["rng"])


def _move(value, device: torch.device):
    """A tensor, or a tuple/list of inputs (models taking several), onto ``device``."""
    if isinstance(value, (tuple, list)):
        return tuple(_move(v, device) for v in value)
    return value.to(device) if isinstance(value, torch.Tensor) else value


def _init_distributed(device: torch.device):
    """(world_size, rank): join the torchrun process group when WORLD_SIZE > 1, with the backend that can
    reduce tensors on ``device`` (NCCL for CUDA, gloo otherwise -- also a CPU run on a machine with a GPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(_backend(device))
    return (dist.get_world_size(), dist.get_rank()) if dist.is_initialized() else (1, 0)


def _backend(device: torch.device) -> str:
    return "nccl" if device.type == "cuda" else "gloo"


def _callbacks(values) -> List[Callback]:
    if isinstance(values, Callback):
        return [values]
    values = list(values)
    for k, cb in enumerate(values):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{k}] must be a torchseq.train.Callback, got {type(cb).__name__}")
    return values


def _metrics(metrics) -> Dict[str, Callable]:
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, (dict, list, tuple)):
        raise TypeError(f"metrics must be a list of metric names or callables, or a dict name -> callable; got "
                        f"{type(metrics).__name__} {metrics!r}")
    if isinstance(metrics, dict):
        for name, fn in metrics.items():
            if not callable(fn):
                raise TypeError(f"metrics[{name!r}] must be a callable (prediction, target) -> scalar, "
                                f"got {type(fn).__name__}")
        return dict(metrics)
    return {m if isinstance(m, str) else getattr(m, "__name__", f"metric_{k}"): resolve("metrics", m, METRICS)
            for k, m in enumerate(metrics)}


def _default_device() -> torch.device:
    """This process's GPU (torchrun's LOCAL_RANK, 0 alone) when CUDA is available, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    return torch.device("cpu")


def plot_history(history: pd.DataFrame, path: Union[str, Path], title: Optional[str] = None, quick: bool = False,
                 loss: Optional[str] = None) -> bool:
    """Training vs validation curves, one panel per metric (the loss first), as a PNG; False where matplotlib
    is missing (nothing written).

    ``title``: what was trained on what (e.g. "lstm on jena"), shown above the panels; ``loss``: the loss's
    name, shown in the first panel's title; ``quick``: stamp the figure as a smoke run.
    """
    from .. import plotting
    if not plotting.available():
        return False
    plotting.save(history_figure(history, title, quick, loss), path)
    return True


def history_figure(history: pd.DataFrame, title: Optional[str] = None, quick: bool = False,
                   loss: Optional[str] = None):
    """The figure :func:`plot_history` saves (a matplotlib Figure, not shown)."""
    from .. import plotting
    names = [c for c in history.columns if not c.startswith("val_") and c not in ("lr", "seconds")]
    fig, axes = plotting.new_figure(1, len(names), panel=(5.2, 3.4))
    for ax, name in zip(axes[0], names):
        ax.plot(history.index, history[name], label="training", **plotting.line_style(0))
        if f"val_{name}" in history:
            ax.plot(history.index, history[f"val_{name}"], label="validation", **plotting.line_style(1))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(f"loss ({loss})" if name == "loss" and loss else name)
        plotting.integer_ticks(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    if quick:
        plotting.mark_quick(fig)
    return fig
