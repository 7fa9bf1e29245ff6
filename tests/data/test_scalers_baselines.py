"""Scalers fit on the training rows only and invert exactly; the naive baselines give the books' numbers."""
import numpy as np
import pytest
import torch

from torchseq.data import MinMaxScaler, StandardScaler, load_synthetic, naive_last_value, naive_repeat


def test_standard_scaler_uses_training_rows_only():
    rng = np.random.default_rng(0)
    data = rng.normal(3.0, 2.0, size=(1000, 3))
    data[600:] += 50                                                        # the "future" drifts
    scaler = StandardScaler().fit(data[:600])
    assert np.allclose(scaler.center, data[:600].mean(0)) and np.allclose(scaler.scale, data[:600].std(0))
    z = scaler.transform(data)
    assert abs(z[:600].mean()) < 1e-12 and z[600:].mean() > 10
    assert np.allclose(scaler.inverse_transform(z), data)
    t = torch.from_numpy(data).float()
    assert torch.allclose(scaler.inverse_transform(scaler.transform(t)), t, atol=1e-4)


def test_minmax_scaler_range_and_constant_columns():
    data = np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0], [9.0, 5.0]])
    scaler = MinMaxScaler().fit(data[:3])
    assert np.allclose(scaler.transform(data[:3])[:, 0], [0.0, 1.0, 0.5])
    assert scaler.transform(data)[3, 0] == 4.0                              # later rows may leave the range
    assert np.all(scaler.transform(data)[:, 1] == 0.0)
    assert np.allclose(MinMaxScaler((-1, 1)).fit(data).transform(data)[:, 0], [-1, -0.5, -0.75, 1])
    with pytest.raises(ValueError, match="feature_range must be"):
        MinMaxScaler((1, 0))
    with pytest.raises(RuntimeError, match="must be fitted first"):
        StandardScaler().transform(data)


def test_books_naive_forecasts():
    """Hands-On ML ch. 15, seed 42: naive validation MSE 0.020211, test 0.021811; 10 steps ahead 0.2570."""
    (_, _), (xv, yv), (xt, yt) = load_synthetic()
    assert round(naive_last_value(xv, yv), 6) == 0.020211 and round(naive_last_value(xt, yt), 6) == 0.021811
    (_, _), (xv, yv), _ = load_synthetic(ahead=10)
    assert yv.shape == (2000, 10) and round(naive_repeat(xv, yv), 4) == 0.2570
    assert naive_last_value(xv, yv[:, 0], "mae") > 0
    with pytest.raises(ValueError, match="metric must be one of 'mse', 'mae' or a callable"):
        naive_last_value(xv, yv[:, 0], "rmse")
