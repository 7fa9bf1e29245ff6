"""The synthetic time series of Hands-On ML (2nd ed.), chapter 15."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._validate import check_real, check_seed, check_size


def generate_time_series(batch_size: int, n_steps: int, seed: Optional[int] = None, noise: float = 0.1,
                         return_clean: bool = False) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Géron's series: two sines of random frequency and phase plus uniform noise, (N, L, 1) float32.

    .. math::
        s(t) = 0.5 \\sin((t - o_1)(10 f_1 + 10)) + 0.2 \\sin((t - o_2)(20 f_2 + 20)) + a (u_t - 0.5)

    with t = linspace(0, 1, n_steps), f_1, f_2, o_1, o_2 ~ U(0, 1) per series (drawn as one
    ``rand(4, batch_size, 1)`` call), u_t ~ U(0, 1) per step and a = ``noise`` (0.1 in the book).

    Args:
        batch_size: N series. n_steps: L steps.
        seed: None draws from NumPy's legacy global generator, exactly as the book's
            ``np.random.seed(42); generate_time_series(10000, 51)``; an int uses a private
            ``RandomState(seed)`` with the same draws (seed=42 gives the book's data).
        noise: the amplitude a of the noise term.
        return_clean: also return the series without its noise term (same draws).
    """
    batch_size = check_size("batch_size", batch_size)
    n_steps = check_size("n_steps", n_steps)
    noise = check_real("noise", noise, minimum=0.0)
    if seed is not None:
        seed = check_seed("seed", seed)
    rng = np.random if seed is None else np.random.RandomState(seed)
    freq1, freq2, offsets1, offsets2 = rng.rand(4, batch_size, 1)
    time = np.linspace(0, 1, n_steps)
    clean = 0.5 * np.sin((time - offsets1) * (freq1 * 10 + 10))                      # wave 1
    clean = clean + 0.2 * np.sin((time - offsets2) * (freq2 * 20 + 20))              # + wave 2
    series = clean + noise * (rng.rand(batch_size, n_steps) - 0.5)                   # + noise
    series = series[..., np.newaxis].astype(np.float32)                              # (N, L, 1)
    if return_clean:
        return series, clean[..., np.newaxis].astype(np.float32)
    return series


def load_synthetic(n_steps: int = 50, ahead: int = 1, n_series: int = 10000, seed: Optional[int] = 42,
                   split: Sequence[int] = (7000, 2000, 1000)):
    """The book's train/valid/test sets: ``generate_time_series(n_series, n_steps + ahead, seed)``, inputs the
    first n_steps values (N, n_steps, 1), targets the next ``ahead`` values (N, ahead), split in order.

    With the defaults (seed 42, 7000/2000/1000) predicting the last input gives validation MSE 0.020211.
    Returns ((X_train, y_train), (X_valid, y_valid), (X_test, y_test)) as float32 tensors.
    """
    n_steps, n_series = check_size("n_steps", n_steps), check_size("n_series", n_series)
    if not isinstance(split, (tuple, list)) or not split:
        raise TypeError(f"split must be a tuple of set sizes such as (7000, 2000, 1000), got {split!r}")
    split = [check_size("split[{k}]".format(k=k), v) for k, v in enumerate(split)]
    if sum(split) != n_series:
        raise ValueError(f"split {tuple(split)} must add up to n_series = {n_series}")
    series = torch.from_numpy(generate_time_series(n_series, n_steps + check_size("ahead", ahead), seed=seed))
    X, y = series[:, :n_steps], series[:, n_steps:, 0]                               # (N, n_steps, 1), (N, ahead)
    bounds = np.cumsum([0, *split])
    return tuple((X[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:]))
