"""The fast execution path of the recurrent layers: the same equations as the readable cells, without a
per-step autograd graph, with backpropagation through time written out (see :mod:`torchseq.fast.dispatch`
and docs/fast-path.md)."""
from .backend import use_backend
from .dispatch import KERNELS, choose, fast_path_enabled, has_fast_path, kernel_for, run_fast, use_reference_path
from .graphs import cuda_graphed
from .kernel import Kernel

__all__ = ["use_reference_path", "fast_path_enabled", "has_fast_path", "kernel_for", "choose", "run_fast",
           "cuda_graphed", "KERNELS", "Kernel", "use_backend"]
