"""μ-law companding: the G.711 formula, written here independently with NumPy, and its inverse."""
import numpy as np
import pytest
import torch

from torchseq.data import mu_law_decode, mu_law_encode


def numpy_encode(x, mu=255):
    f = np.sign(x) * np.log(1 + mu * np.abs(x)) / np.log(1 + mu)
    return np.floor((f + 1) / 2 * mu + 0.5).astype(np.int64)


def test_encode_matches_formula_and_fixed_points():
    x = np.linspace(-1, 1, 10001)
    assert np.array_equal(mu_law_encode(torch.from_numpy(x)).numpy(), numpy_encode(x))
    assert mu_law_encode(torch.tensor([-1.0, 0.0, 1.0])).tolist() == [0, 128, 255]
    q = mu_law_encode(torch.linspace(-1, 1, 400001, dtype=torch.float64))    # class 127 spans ~1.7e-4 only
    assert (q[1:] >= q[:-1]).all() and set(q.unique().tolist()) == set(range(256))


def test_round_trip_error_is_within_one_class():
    x = torch.linspace(-1, 1, 20001, dtype=torch.float64)
    q = mu_law_encode(x)
    back = mu_law_decode(q)
    assert torch.equal(mu_law_encode(back.double()), q)                        # decoding lands in the class
    step = (mu_law_decode(q.clamp(max=254) + 1) - mu_law_decode(q.clamp(max=254))).abs()
    assert ((back.double() - x).abs() <= step.double() + 1e-7).all()
    assert mu_law_decode(torch.tensor([128])).abs().item() < 0.004 and mu_law_decode(torch.tensor([255])).item() == 1.0


def test_other_quantisation_and_errors():
    assert mu_law_encode(torch.tensor([-1.0, 1.0]), 16).tolist() == [0, 15]
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\] for mu-law encoding, got values in \[-1.5, 0.5\]"):
        mu_law_encode(torch.tensor([-1.5, 0.5]))
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        mu_law_encode(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"classes must lie in \[0, 255\], got values in \[0, 256\]"):
        mu_law_decode(torch.tensor([0, 256]))
    with pytest.raises(TypeError, match="classes must be an integer tensor"):
        mu_law_decode(torch.tensor([0.5]))
