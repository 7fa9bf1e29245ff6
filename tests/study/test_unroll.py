"""unroll's numbers against the independent NumPy reference loop, for every cell."""
import numpy as np
import pytest
import torch

import torchseq as ts
from torchseq.testing import reference as ref
from tests.reference.cases import CELLS
from tests.tools import params_numpy, randomize_
from torchseq.study import unroll

L, F, H = 4, 3, 2


def _input_half(name, p, x):
    """NumPy W_x x_t + b per gate (the layer-norm LSTM: LN_x(W_x x_t) + b): x (L, F) -> (L, G, H)."""
    bias = p["bias_ih"] if name.startswith("gru_reset_after") else p["bias"]
    product = x @ p["weight_ih"].T                                                      # (L, G*H)
    if name == "layer_norm_lstm":
        product = np.stack([ref.layer_norm(row, p["ln_ih_weight"], 0.0, 1e-5) for row in product])
    return (product + bias).reshape(len(x), -1, H)


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("backwards", [False, True])
def test_unroll_matches_numpy_loop(name, backwards, gen):
    make, np_step = CELLS[name]
    layer = ts.RNN(randomize_(make(F, H, dtype=torch.float64), generator=gen), go_backwards=backwards)
    x = torch.randn(L, F, generator=gen, dtype=torch.float64)
    table = unroll(layer, x)
    p = params_numpy(layer.cell)
    zero = np.zeros(H)
    state0 = [(zero, zero)] if isinstance(layer.cell.zero_state(x[None]), tuple) else [zero]
    _, _, inner = ref.run(np_step, p, x[None].numpy(), state0, backwards=backwards)
    xp = _input_half(name, p, x.numpy()[::-1] if backwards else x.numpy())
    quantities = [f"xp_{g}" for g in layer.cell.gates] + list(inner)
    assert list(table.index) == [(t, q) for t in range(L) for q in quantities]
    assert list(table.columns) == [f"unit {j}" for j in range(H)]
    for t in range(L):
        for g, gate in enumerate(layer.cell.gates):
            np.testing.assert_allclose(table.loc[(t, f"xp_{gate}")].to_numpy(), xp[t, g], rtol=1e-10, atol=1e-10)
        for k, values in inner.items():
            np.testing.assert_allclose(table.loc[(t, k)].to_numpy(), values[0, t], rtol=1e-10, atol=1e-10)


def test_unroll_leaves_the_mode_and_draws_no_noise(gen):
    layer = ts.LSTM(F, H, dropout=0.5, recurrent_dropout=0.5).train()
    x = torch.randn(1, L, F, generator=gen)
    first, second = unroll(layer, x), unroll(layer, x)
    assert layer.training and first.equals(second)
    assert not any(q.endswith("_mask") for q in first.index.get_level_values("quantity"))


def test_unroll_errors(gen):
    layer = ts.GRU(F, H)
    with pytest.raises(ValueError, match="one sample"):
        unroll(layer, torch.randn(2, L, F, generator=gen))
    with pytest.raises(ValueError, match="one sample"):
        unroll(layer, torch.randn(L, F + 1, generator=gen))
    with pytest.raises(TypeError, match="recurrent layer"):
        unroll(ts.Bidirectional(layer), torch.randn(L, F, generator=gen))
