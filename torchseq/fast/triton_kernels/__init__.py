"""Triton kernels of the fast path (imported only when a kernel is launched; they need the triton package)."""
