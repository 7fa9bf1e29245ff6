"""``torchseq verify``: the library's proof of equality, run on your machine.

Three kinds of row, each comparing a built-in torchseq module with an independent reference:

- **torch.nn** (cuDNN on a GPU): every layer that torch.nn has -- SimpleRNN (tanh, relu), LSTM, GRU (torch.nn's
  reset-after form) -- one-layer and two-layer bidirectional, from a random initial state over a ragged batch
  (lengths as a PackedSequence), with the weights copied by :func:`torchseq.interop.from_torch`; Conv1D (valid,
  same with dilation and groups, strided, causal) and the pools, copied by
  :func:`torchseq.interop.from_torch`. Compared by :func:`torchseq.testing.assert_modules_close`: outputs,
  final states, and the gradients with respect to the input, the initial state and every parameter.
- **Keras**, when it is installed: SimpleRNN, LSTM and both GRU forms against Keras' own layers with the same
  weights (:func:`torchseq.interop.load_keras_weights`), outputs and final states, float32.
- **the cell contract**: every cell without a torch.nn counterpart (peephole LSTM, layer-norm LSTM, the
  reset-before GRU, the layer-normalised SimpleRNN, the LSTM variants of Greff et al. 2017; with the full run,
  every cell) through :func:`torchseq.testing.check_cell`, whose equations clause compares it with its NumPy
  statement in :mod:`torchseq.testing.reference`, its gradient clauses run ``torch.autograd.gradcheck``, and
  whose other clauses prove lengths, go_backwards, Bidirectional, Stacked and variational masks.

Differences are the largest ``|a - b| / (1 + |b|)``. Tolerances: float64 1e-10; float32 1e-4 (TF32 off), since
two correct float32 implementations that add in different orders differ in a weight gradient, a sum over
N·L = 800 steps and samples behind up to 50 steps of backpropagation, by up to about N·L·u = 5e-5 (u = 6e-8;
1.7e-5 measured on a CPU for the two-layer bidirectional SimpleRNN), while outputs agree to ~1e-7; float32 with
TF32 products 1e-2 and bfloat16 5e-2, bounds for a 10-bit and an 8-bit mantissa, where those rows answer "how
closely". The float64 rows are the sharp test.
"""
from __future__ import annotations

import contextlib
import json
import platform
from dataclasses import asdict, dataclass
from typing import Iterator, List, Optional

import torch
from torch import nn

from .interop import from_torch, load_keras_weights, state_from_torch
from .layers.states import state_tensors
from .testing import assert_modules_close, check_cell
from .testing.cell_contract import largest
from .testing.builtins import CELLS, VARIANT_CELLS

# name -> (dtype, TF32 on, tolerance, label)
CONDITIONS = {"float64": (torch.float64, False, 1e-10, "float64"), "float32": (torch.float32, False, 1e-4, "float32"),
              "tf32": (torch.float32, True, 1e-2, "float32 TF32"), "bfloat16": (torch.bfloat16, False, 5e-2, "bfloat16")}
CUDA_ONLY = ("tf32", "bfloat16")
TORCH_NN = {"SimpleRNN": (nn.RNN, {}), "SimpleRNN relu": (nn.RNN, {"nonlinearity": "relu"}),
            "LSTM": (nn.LSTM, {}), "GRU reset_after": (nn.GRU, {})}
NO_TORCH_NN = ("peephole_lstm", "layer_norm_lstm", "gru_reset_before", "gru_reset_before_relu", "gru_reset_after_relu",
               "ln_simple_rnn")
# name -> (the torch.nn module for F input channels, zeros torchseq's causal padding puts in front)
CONVOLUTIONS = {
    "Conv1D valid": (lambda F: nn.Conv1d(F, 2 * F, 3), 0),
    "Conv1D same, dilation 2, 2 groups": (lambda F: nn.Conv1d(F, 2 * F, 3, padding="same", dilation=2, groups=2), 0),
    "Conv1D valid, stride 2": (lambda F: nn.Conv1d(F, 2 * F, 4, stride=2), 0),
    "Conv1D causal, dilation 4": (lambda F: nn.Conv1d(F, F, 2, dilation=4), 4),
    "MaxPool1D(2)": (lambda F: nn.MaxPool1d(2), 0),
    "AvgPool1D(3, 2)": (lambda F: nn.AvgPool1d(3, 2), 0),
    "GlobalMaxPool1D": (lambda F: nn.AdaptiveMaxPool1d(1), 0),
    "GlobalAvgPool1D": (lambda F: nn.AdaptiveAvgPool1d(1), 0),
}
# name -> (the layer's name in both keras.layers and torchseq, the options both take)
KERAS = {"SimpleRNN": ("SimpleRNN", {}), "LSTM": ("LSTM", {}), "GRU reset_before": ("GRU", {"reset_after": False}),
         "GRU reset_after": ("GRU", {"reset_after": True})}


@dataclass
class Row:
    """One comparison: largest scaled differences of outputs, final states and gradients (None: not compared);
    ``passed`` None for a row that could not run here (Keras not installed)."""
    module: str
    reference: str
    condition: str
    outputs: Optional[float]
    states: Optional[float]
    gradients: Optional[float]
    tolerance: float
    passed: Optional[bool]
    note: str = ""


RESULT = {True: "pass", False: "**FAIL**", None: "skipped"}


def passed(rows: List[Row]) -> bool:
    """No row failed (skipped rows do not count)."""
    return all(r.passed is not False for r in rows)


@dataclass(frozen=True)
class Sizes:
    N: int
    L: int
    F: int
    H: int

    @classmethod
    def of(cls, quick: bool) -> "Sizes":
        return cls(4, 12, 8, 16) if quick else cls(16, 50, 32, 64)

    def lengths(self) -> torch.Tensor:
        return torch.tensor([self.L - (k * self.L) // self.N for k in range(self.N)])     # L down to ~L/N


def run_verify(device: str = "cpu", dtypes: Optional[List[str]] = None, quick: bool = False,
               log=None) -> List[Row]:
    """Every row for ``device`` and ``dtypes`` (names of :data:`CONDITIONS`; default float64 and float32, on CUDA
    also float32 with TF32 on and bfloat16). ``log`` receives a line per row as it is made."""
    device = torch.device(device)
    if dtypes is None:
        dtypes = ["float64", "float32"] + (list(CUDA_ONLY) if device.type == "cuda" else [])
    for name in dtypes:
        if name not in CONDITIONS:
            raise ValueError(f"dtypes must name {', '.join(CONDITIONS)}; got {name!r}")
        if name in CUDA_ONLY and device.type != "cuda":
            raise ValueError(f"the {name} rows compare with cuDNN and run on CUDA; got device {device.type}")
    rows: List[Row] = []

    def add(row: Row) -> None:
        rows.append(row)
        if log is not None:
            log(f"[{len(rows)}] {row.module} vs {row.reference} ({row.condition}): "
                f"{RESULT[row.passed].strip('*')}")

    for condition in dtypes:
        for row in torch_nn_rows(device, condition, quick):
            add(row)
        for row in convolution_rows(device, condition, quick):
            add(row)
    for row in keras_rows(quick):
        add(row)
    for row in contract_rows(device, quick):
        add(row)
    return rows


@contextlib.contextmanager
def tf32(on: bool) -> Iterator[None]:
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = on
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def torch_nn_rows(device: torch.device, condition: str, quick: bool) -> Iterator[Row]:
    """Each torch.nn layer, one-layer and two-layer bidirectional, against torchseq with its weights."""
    s = Sizes.of(quick)
    dtype, tf32_on, tol, label = CONDITIONS[condition]
    backend = "cuDNN" if device.type == "cuda" else "torch.nn"
    for name, (cls, options) in TORCH_NN.items():
        for layers, bidirectional in ((1, False), (2, True)):
            torch.manual_seed(0)
            ref = cls(s.F, s.H, num_layers=layers, bidirectional=bidirectional, batch_first=True, device=device,
                      dtype=dtype, **options)
            ours = from_torch(ref)
            x = torch.randn(s.N, s.L, s.F, device=device, dtype=dtype)
            D = layers * (2 if bidirectional else 1)
            h0 = 0.5 * torch.randn(D, s.N, s.H, device=device, dtype=dtype)
            hx = (h0, 0.5 * torch.randn_like(h0)) if cls is nn.LSTM else h0
            with tf32(tf32_on):
                report = assert_modules_close(ours, ref, x, initial_state=state_from_torch(ours, hx),
                                              lengths=s.lengths().to(device), tol=tol, raise_on_failure=False)
            worst = _grouped(report)
            shape = f"{layers} layer{'s' * (layers > 1)}{', bidirectional' if bidirectional else ''}"
            yield Row(f"{name} ({shape})", backend, f"{label}, {device.type}", *worst, tol, report.passed,
                      _first_failure(report))


def _grouped(report):
    """(outputs, states, gradients): the largest difference of each group of the report's rows (states None for
    a module that returns one tensor)."""
    groups = {"outputs": 0.0, "states": None, "gradients": 0.0}
    for c in report.comparisons:
        key = ("gradients" if c.name.startswith("grad ") else
               "outputs" if c.name == "output" or c.name.startswith("output[0]") else "states")
        groups[key] = max(groups[key] or 0.0, c.max_difference)
    return groups["outputs"], groups["states"], groups["gradients"]


class _Wrapped(nn.Module):
    """One convolution or pool as ``layer``, so that torchseq's and torch.nn's parameters share their names; a
    torch.nn one (``channels_first``) is called on (N, C, L) with ``left`` zeros in front, answering (N, L, C)."""

    def __init__(self, layer: nn.Module, channels_first: bool = False, left: int = 0):
        super().__init__()
        self.layer, self.channels_first, self.left = layer, channels_first, left

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.channels_first:
            return self.layer(x)
        x = nn.functional.pad(x.transpose(1, 2), (self.left, 0))                   # (N, C, left + L)
        y = self.layer(x)                                                          # (N, C', L') or (N, C, 1)
        return y.squeeze(2) if isinstance(self.layer, (nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d)) \
            else y.transpose(1, 2)                                                 # (N, C) or (N, L', C')


def convolution_rows(device: torch.device, condition: str, quick: bool) -> Iterator[Row]:
    """Conv1D (valid, same with dilation and groups, strided, causal) and the pools against torch.nn's, the
    weights copied by :func:`torchseq.interop.from_torch`: outputs and the gradients of x and the weights."""
    s = Sizes.of(quick)
    dtype, tf32_on, tol, label = CONDITIONS[condition]
    backend = "cuDNN" if device.type == "cuda" else "torch.nn"
    for name, (make, left) in CONVOLUTIONS.items():
        torch.manual_seed(0)
        theirs = make(s.F).to(device=device, dtype=dtype)
        ours = from_torch(theirs)
        if left:
            ours.padding = "causal"                                                # the same zeros, in front
        x = torch.randn(s.N, s.L, s.F, device=device, dtype=dtype)
        with tf32(tf32_on):
            report = assert_modules_close(_Wrapped(ours), _Wrapped(theirs, True, left), x, tol=tol,
                                          raise_on_failure=False)
        yield Row(name, backend, f"{label}, {device.type}", *_grouped(report), tol, report.passed,
                  _first_failure(report))


def _first_failure(report) -> str:
    return "" if report.passed else f"{report.failures[0].name} differs"


def keras_rows(quick: bool) -> Iterator[Row]:
    """torchseq against Keras' layers with the same weights, where Keras 3 imports (any backend)."""
    tol = CONDITIONS["float32"][2]
    try:
        import keras
    except ImportError as error:
        yield _keras_skipped(f"Keras cannot be imported ({error}); pip install keras, and KERAS_BACKEND=torch runs "
                             f"it on PyTorch")
        return
    if not hasattr(keras, "ops"):
        yield _keras_skipped(f"Keras {keras.__version__} is not Keras 3 (pip install 'keras>=3')")
        return
    import numpy as np

    from . import layers
    s = Sizes.of(quick)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((s.N, s.L, s.F)).astype("float32")
    for name, (kind, options) in KERAS.items():
        theirs = getattr(keras.layers, kind)(s.H, return_sequences=True, return_state=True, **options)
        theirs(x)                                                                    # builds its weights
        weights = [w + 0.1 * rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
        theirs.set_weights(weights)                                                  # biases away from 0
        out_k, *state_k = [torch.from_numpy(keras.ops.convert_to_numpy(t)) for t in theirs(x)]
        ours = load_keras_weights(getattr(layers, kind)(s.F, s.H, return_sequences=True, return_state=True,
                                                        **options), weights)
        with torch.no_grad():
            out, state = ours(torch.from_numpy(x))
        outputs = largest([("outputs", out, out_k)])
        states = largest([("states", list(state_tensors(state)), state_k)])
        yield Row(name, f"Keras {keras.__version__} ({keras.backend.backend()})", "float32, cpu", outputs, states,
                  None, tol, outputs <= tol and states <= tol)


def _keras_skipped(why: str) -> Row:
    return Row("SimpleRNN, LSTM, GRU", "Keras", "-", None, None, None, CONDITIONS["float32"][2], None,
               f"skipped: {why}")


def contract_rows(device: torch.device, quick: bool) -> Iterator[Row]:
    """check_cell with the NumPy equations on every cell without a torch.nn counterpart (every cell in full)."""
    names = NO_TORCH_NN if quick else tuple(CELLS)
    cases = [(name, *CELLS[name]) for name in names] + [(f"Greff {name}", *VARIANT_CELLS[name])
                                                       for name in VARIANT_CELLS]
    for name, factory, step in cases:
        report = check_cell(factory, reference=step, device=device, raise_on_failure=False)
        measured = [c.difference for c in report.checks if c.difference is not None and c.tolerance == 1e-10]
        failures = ", ".join(c.name for c in report.failures)
        yield Row(name, "NumPy equations, gradcheck, contract", f"float64, {device.type}",
                  report["equations"].difference, None, None, 1e-10, report.passed,
                  f"failed: {failures}" if failures else f"{len(report.checks)} clauses, largest {max(measured):.1e}")


def machine() -> dict:
    info = {"torch": torch.__version__, "python": platform.python_version(), "platform": platform.platform()}
    if torch.cuda.is_available():
        info.update(gpu=torch.cuda.get_device_name(), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version())
    return info


def table(rows: List[Row]) -> str:
    """The rows as a Markdown table, with the machine it ran on."""
    def number(v):
        return "-" if v is None else f"{v:.1e}"

    lines = [f"torchseq verify on {', '.join(f'{k} {v}' for k, v in machine().items())}", "",
             "| module | reference | dtype, device | outputs | states | gradients | tolerance | pass | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.module} | {r.reference} | {r.condition} | {number(r.outputs)} | {number(r.states)} | "
                     f"{number(r.gradients)} | {r.tolerance:.0e} | {RESULT[r.passed]} | {r.note} |")
    counts = {result: sum(r.passed is result for r in rows) for result in RESULT}
    lines += ["", f"{counts[True]} rows pass, {counts[False]} fail, {counts[None]} skipped"]
    return "\n".join(lines)


def as_json(rows: List[Row]) -> str:
    return json.dumps({"machine": machine(), "passed": passed(rows),
                       "rows": [asdict(r) for r in rows]}, indent=1)
