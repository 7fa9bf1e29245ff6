"""Dropout modules for sequences, with masks shared over time (Gal & Ghahramani 2016, arXiv 1512.05287)."""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_generator, check_probability
from ..cells.masks import keep_mask


class VariationalDropout(nn.Module):
    """Dropout with one mask per sample and feature, the same at every time step.

    x (N, L, F) -> x * m, m (N, 1, F) with entries 0 (probability p) or 1/(1-p), drawn anew at every call
    in training mode; the identity in ``eval()``. For embeddings and layer outputs: the mask over time
    that naive ``nn.Dropout`` (a fresh mask per element) does not give. Any x (N, ..., F) works: the
    mask is broadcast over every dimension between the first and the last.

    Args:
        p: drop rate in [0, 1).
        generator: None (the global generator), a torch.Generator, or an int seed.
    """

    def __init__(self, p: float = 0.5, generator=None):
        super().__init__()
        self.p = check_probability("p", p)
        self.generator = check_generator("generator", generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() < 2:
            shown = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a tensor (N, ..., F) with at least 2 dimensions, got {shown}")
        if not self.training or self.p == 0:
            return x
        shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (x.shape[-1],)                # (N, 1, ..., 1, F)
        return x * keep_mask(shape, self.p, x, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"


class EmbeddingDropout(nn.Module):
    """Word (embedding) dropout: drop whole words of the vocabulary (Gal & Ghahramani 2016, section 4).

    At each training call a Bernoulli(1 - p) keep mask over the V rows of the embedding matrix is drawn,
    scaled by 1/(1-p), and shared by the whole batch (as Keras 1's ``Embedding(dropout=...)``, which Gal
    contributed, and AWD-LSTM's ``embedded_dropout``): every occurrence of a dropped word embeds to zeros.
    Computed as ``embedding(tokens) * keep[tokens]``, never by editing the weight. Identity in ``eval()``.

    Args:
        embedding: the ``nn.Embedding`` to wrap (its weight stays the module's parameter).
        p: drop rate in [0, 1). generator: as :class:`VariationalDropout`.
    """

    def __init__(self, embedding: nn.Embedding, p: float = 0.1, generator=None):
        super().__init__()
        if not isinstance(embedding, nn.Embedding):
            raise TypeError(f"embedding must be a torch.nn.Embedding, got {type(embedding).__name__}")
        self.embedding = embedding
        self.p = check_probability("p", p)
        self.generator = check_generator("generator", generator)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (N, L) integer word indices -> (N, L, E)."""
        embedded = self.embedding(tokens)                                            # (N, L, E)
        if not self.training or self.p == 0:
            return embedded
        weight = self.embedding.weight
        keep = keep_mask((weight.shape[0],), self.p, weight, self.generator)         # (V,)
        return embedded * keep[tokens].unsqueeze(-1)                                 # (N, L, 1) per word

    def extra_repr(self) -> str:
        return f"p={self.p:g}"
