"""Every cell, several steps in a row, against the independent NumPy reference in float64 (and its
internals: each gate activation the cell reports is the reference's)."""
import numpy as np
import pytest
import torch

from torchseq.testing import reference as ref
from tests.reference.cases import CELLS
from tests.tools import assert_close, params_numpy, per_sample_states, randomize_, stack_finals

N, F, H, STEPS = 3, 4, 5, 4


@pytest.mark.parametrize("name", sorted(CELLS))
def test_steps_match_numpy_reference(name, gen):
    make, np_step = CELLS[name]
    cell = randomize_(make(F, H, dtype=torch.float64), generator=gen)
    x = torch.randn(N, STEPS, F, generator=gen, dtype=torch.float64)
    state = cell.zero_state(x)
    state = tuple(torch.randn(N, H, generator=gen, dtype=torch.float64) for _ in state) \
        if isinstance(state, tuple) else torch.randn(N, H, generator=gen, dtype=torch.float64)
    expected_y, expected_final, expected_inner = ref.run(np_step, params_numpy(cell), x.numpy(),
                                                         per_sample_states(state))
    for t in range(STEPS):
        trace = {}
        y, state = cell.step(cell.project_input(x[:, t]), state, trace)
        assert_close(y, expected_y[:, t], what=f"{name} y_{t}")
        for k, v in trace.items():
            assert_close(v, expected_inner[k][:, t], what=f"{name} {k}_{t}")
        assert set(trace) == set(expected_inner)
    final = stack_finals(expected_final)
    for got, want in zip(state if isinstance(state, tuple) else (state,), final if isinstance(final, tuple) else (final,)):
        assert_close(got, want, what=f"{name} final state")


@pytest.mark.parametrize("name", sorted(CELLS))
def test_forward_is_project_then_step(name, gen):
    """The public one-step call is exactly the hoistable input projection followed by step."""
    make, _ = CELLS[name]
    cell = randomize_(make(F, H, dtype=torch.float64), generator=gen)
    x = torch.randn(N, F, generator=gen, dtype=torch.float64)
    y, state = cell(x)
    y2, state2 = cell.step(cell.project_input(x), cell.zero_state(x))
    assert torch.equal(y, y2)
    y_a, _ = cell(x, state)
    y_b, _ = cell.step(cell.project_input(x), state)
    assert torch.equal(y_a, y_b)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_state_follows_input_dtype_and_device(name):
    make, _ = CELLS[name]
    cell = make(F, H, dtype=torch.float64)
    y, state = cell(torch.zeros(2, F, dtype=torch.float64))
    for s in (state if isinstance(state, tuple) else (state,)):
        assert s.dtype == torch.float64 and s.shape == (2, H)


def test_output_is_the_hidden_state(gen):
    cell = randomize_(CELLS["lstm"][0](F, H, dtype=torch.float64), generator=gen)
    y, (h, c) = cell(torch.randn(N, F, generator=gen, dtype=torch.float64))
    assert torch.equal(y, h) and not torch.equal(h, c)


def test_numpy_reference_is_not_vacuous():
    """The reference itself: a GRU step with z = 1 (huge update-gate bias) keeps h; with z = 0 it takes n."""
    p = {"weight_ih": np.zeros((6, 1)), "weight_hh": np.zeros((6, 2)), "bias": np.zeros(6)}
    p["bias"][2:4] = 50.0
    h = np.array([0.3, -0.7])
    assert np.allclose(ref.gru_reset_before(p, np.zeros(1), h)[0], h)
    p["bias"][2:4] = -50.0
    p["bias"][4:6] = 1.0
    assert np.allclose(ref.gru_reset_before(p, np.zeros(1), h)[0], np.tanh(1.0))
