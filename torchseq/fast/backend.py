"""Which kernels the fast path may use: the eager PyTorch loops, or the fused Triton kernels.

- ``"auto"`` (default): Triton's persistent kernels on CUDA tensors where triton is installed and a kernel
  takes the layer; the eager loops everywhere else (on the CPU nothing changes);
- ``"triton"``: Triton wherever a kernel takes the layer, also on CPU tensors when Triton's interpreter is on
  (``TRITON_INTERPRET=1`` set before triton is first imported: how the tests prove them);
- ``"eager"``: never Triton.

``with torchseq.fast.use_backend("eager"): ...`` switches for the block (per thread; nests), as
:func:`torchseq.use_reference_path` does for the readable path.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import threading
from typing import Iterator

BACKENDS = ("auto", "triton", "eager")

_switch = threading.local()


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Within the block the fast path uses the kernels of ``name``: "auto", "triton" or "eager"."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    previous = backend()
    _switch.name = name
    try:
        yield
    finally:
        _switch.name = previous


def backend() -> str:
    """The backend in force in this thread ("auto" unless :func:`use_backend` says otherwise)."""
    return getattr(_switch, "name", "auto")


@functools.lru_cache(maxsize=None)
def triton_installed() -> bool:
    """Whether the triton package can be imported (CUDA builds of torch install it)."""
    return importlib.util.find_spec("triton") is not None


def interpreting() -> bool:
    """Whether Triton's interpreter runs the kernels (on CPU tensors)."""
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def triton_allowed(device_type: str) -> bool:
    """Whether the backend in force lets a Triton kernel run on tensors of this device type."""
    name = backend()
    if name == "eager" or not triton_installed():
        return False
    if device_type == "cuda":
        return True
    return name == "triton" and device_type == "cpu" and interpreting()
