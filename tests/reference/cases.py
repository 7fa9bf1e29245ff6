"""Every cell variant with its NumPy reference step: the grid the equation tests run over (shipped with the
library as torchseq.testing.builtins, which torchseq verify uses too)."""
from torchseq.testing.builtins import CELLS

__all__ = ["CELLS"]
