"""Zoneout (Krueger et al. 2016): per-step, per-unit keep-previous draws in training, the expectation at
evaluation; h and c may have their own rates; any cell."""
import pytest
import torch

import torchseq as ts
from torchseq.testing import reference as ref
from tests.reference.cases import CELLS
from tests.tools import assert_close, params_numpy, per_sample_states, randomize_, stack_finals

N, L, F, H = 4, 6, 3, 5


def make(name, gen, zoneout):
    cell = randomize_(CELLS[name][0](F, H, dtype=torch.float64), generator=gen)
    return ts.RNN(cell, return_sequences=True, return_state=True, zoneout=zoneout, generator=2)


def reference(layer, name, x, keep, rates, lengths=None):
    return ref.run(CELLS[name][1], params_numpy(layer.cell), x.numpy(), per_sample_states(layer.cell.zero_state(x)),
                   lengths, zoneout=rates, keep=keep)


@pytest.mark.parametrize("name,rates", [("lstm", (0.3, 0.6)), ("gru_reset_before", (0.4,)), ("peephole_lstm", (0.5, 0.5))])
def test_training_matches_reference(name, rates, gen):
    layer = make(name, gen, rates if len(rates) > 1 else rates[0])
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    with ts.record_internals(layer) as internals:
        out, state = layer(x, lengths=[6, 3, 5, 2])
    keep = [internals[""][f"zoneout_{s}"].numpy() for s in layer.cell.state_names]
    for k, z in zip(keep, rates):
        assert abs(k[0, :, :].mean() - z) < 0.35                          # kept with probability z (small sample)
    assert not (keep[0][:, 0] == keep[0][:, 1]).all(), "zoneout draws anew at every step"
    want, finals, _ = reference(layer, name, x, keep, rates, [6, 3, 5, 2])
    assert_close(out, want, what="outputs")
    want_state = stack_finals(finals)
    for a, b in zip(state if isinstance(state, tuple) else (state,), want_state if isinstance(want_state, tuple) else (want_state,)):
        assert_close(a, b, what="state")


def test_evaluation_uses_the_expectation(gen):
    layer = make("lstm", gen, (0.2, 0.7)).eval()
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    out, state = layer(x)
    want, finals, _ = reference(layer, "lstm", x, None, (0.2, 0.7))
    assert_close(out, want, what="expectation outputs")
    assert_close(state[1], stack_finals(finals)[1], what="expectation c")


def test_zoneout_statistics_and_zero_rate(gen):
    layer = make("gru_reset_after", gen, 0.25)
    with ts.record_internals(layer) as internals:
        layer(torch.randn(64, 50, F, generator=gen, dtype=torch.float64))
    kept = internals[""]["zoneout_h"]                                      # 64*50*5 = 16,000 draws
    assert abs(kept.mean().item() - 0.25) < 0.02                          # 5.8 standard deviations
    plain = ts.RNN(layer.cell, return_sequences=True)
    none = ts.RNN(layer.cell, return_sequences=True, zoneout=0.0)
    x = torch.randn(N, L, F, generator=gen, dtype=torch.float64)
    assert torch.equal(none(x), plain(x))
