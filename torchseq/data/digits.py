"""Handwritten digits read as sequences: scikit-learn's copy of the UCI "Optical Recognition of Handwritten
Digits" test set (Alpaydin & Kaynak 1998; 1,797 images of 8 x 8 pixels with values 0..16, 10 classes), shipped
inside the scikit-learn package (``sklearn.datasets.load_digits``), so it needs no download.

Read pixel by pixel (``by="pixel"``, 64 steps of one value, the small sibling of pixel-by-pixel MNIST of Le,
Jaitly & Hinton 2015) or row by row (``by="row"``, 8 steps of 8 values).
"""
from __future__ import annotations

from typing import Tuple

import torch

from .._validate import check_choice, check_seed, check_size

CITATION = ("E. Alpaydin and C. Kaynak, Optical Recognition of Handwritten Digits, UCI Machine Learning "
            "Repository, 1998 (https://doi.org/10.24432/C50P49); the copy in scikit-learn, "
            "sklearn.datasets.load_digits")


def sequential_digits(by: str = "pixel", n_valid: int = 497, seed: int = 0):
    """((x_train, y_train), (x_valid, y_valid)): x (n, 64, 1) or (n, 8, 8) float32 in [0, 1], y int64 classes;
    a seeded shuffle puts ``n_valid`` images in validation (1,300 train / 497 valid by default)."""
    by = check_choice("by", by, ("pixel", "row"))
    n_valid, seed = check_size("n_valid", n_valid), check_seed("seed", seed)
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("sequential_digits reads the digits scikit-learn ships: pip install scikit-learn "
                          "(or pip install torchseq[experiments])") from None
    data = load_digits()
    if n_valid >= len(data.target):
        raise ValueError(f"n_valid must leave training images: it is {n_valid} of {len(data.target)}")
    images = torch.from_numpy(data.images).float() / 16.0                            # (1797, 8, 8)
    x = images.reshape(-1, 64, 1) if by == "pixel" else images                        # (n, 64, 1) or (n, 8, 8)
    y = torch.from_numpy(data.target).long()                                         # (n,)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    train, valid = order[n_valid:], order[:n_valid]
    return (x[train], y[train]), (x[valid], y[valid])


def digits_shape(by: str) -> Tuple[int, int]:
    """(steps, features) of the sequences ``sequential_digits(by)`` gives."""
    return (64, 1) if check_choice("by", by, ("pixel", "row")) == "pixel" else (8, 8)
