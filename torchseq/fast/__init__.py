"""The fast execution path of the recurrent layers: the same equations as the readable cells, without a
per-step autograd graph, with backpropagation through time written out (see :mod:`torchseq.fast.dispatch`)."""
from .dispatch import fast_path_enabled, has_fast_path, run_fast, use_reference_path
from .graphs import cuda_graphed

__all__ = ["use_reference_path", "fast_path_enabled", "has_fast_path", "run_fast", "cuda_graphed"]
