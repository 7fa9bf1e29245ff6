"""The Triton kernels' tests. Without a GPU they run on CPU tensors under Triton's interpreter, which
TRITON_INTERPRET turns on (set by tests/conftest.py before any test runs: triton reads it when first
imported). With a GPU the same float32 cases run compiled on the device and the float64 ones (the
interpreter's precision) are skipped. Skipped where triton is not installed."""
import pytest
import torch

import torchseq.layers.rnn as rnn_module
from torchseq.fast import dispatch

pytest.importorskip("triton", reason="the Triton kernels need the triton package (the test extras install it)")

ON_GPU = torch.cuda.is_available()

interpreter_only = pytest.mark.skipif(ON_GPU, reason="float64 runs under the interpreter; on a GPU the kernels are float32")


@pytest.fixture
def device():
    return "cuda" if ON_GPU else "cpu"


@pytest.fixture
def launches(monkeypatch):
    """(directions, Function name) of every fused Triton kernel launched."""
    seen = []
    original = dispatch.run_kernel

    def spy(kernel, cells, *args):
        if kernel.function.__name__.startswith("Triton"):
            seen.append((len(cells), kernel.function.__name__))
        return original(kernel, cells, *args)

    monkeypatch.setattr(dispatch, "run_kernel", spy)
    monkeypatch.setattr(rnn_module, "run_kernel", spy)
    return seen
