"""Géron's synthetic series: the book's data, exactly (naive validation MSE 0.020211 with seed 42)."""
import numpy as np
import pytest

from torchseq.data import generate_time_series


def test_book_naive_forecast():
    """Hands-On ML ch. 15: np.random.seed(42); series = generate_time_series(10000, 51); split 7000/2000/1000;
    predicting the last value gives validation MSE 0.020211 and test MSE 0.021811 (the notebook's output)."""
    series = generate_time_series(10000, 51, seed=42)
    assert series.shape == (10000, 51, 1) and series.dtype == np.float32
    x_valid, y_valid = series[7000:9000, :50], series[7000:9000, -1]
    x_test, y_test = series[9000:, :50], series[9000:, -1]
    assert round(float(np.mean((x_valid[:, -1] - y_valid) ** 2)), 6) == 0.020211
    assert round(float(np.mean((x_test[:, -1] - y_test) ** 2)), 6) == 0.021811


def test_global_seed_is_the_book_call():
    np.random.seed(42)
    assert np.array_equal(generate_time_series(50, 10), generate_time_series(50, 10, seed=42))


def test_noise_and_clean_share_the_draws():
    noisy, clean = generate_time_series(200, 30, seed=1, noise=1.0, return_clean=True)
    assert np.abs(noisy - clean).max() <= 0.5 + 1e-6 and np.abs(noisy - clean).max() > 0.45
    assert np.array_equal(generate_time_series(200, 30, seed=1, noise=0.0), clean)


def test_bad_sizes():
    with pytest.raises(ValueError, match="n_steps must be a positive int, got 0"):
        generate_time_series(3, 0)
