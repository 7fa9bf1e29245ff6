"""load_keras_weights against real Keras: tests/fixtures/keras_reference.npz holds Keras 3's own weights,
input, outputs and states for each case (made by tests/fixtures/make_keras_fixtures.py)."""
from pathlib import Path

import numpy as np
import pytest
import torch

import torchseq as ts
from torchseq.interop import load_keras_weights
from tests.tools import assert_close

FIXTURE = np.load(Path(__file__).parents[1] / "fixtures" / "keras_reference.npz")
F, H = 4, 5
SEQ = dict(return_sequences=True, return_state=True)
CASES = {
    "simple_rnn_tanh": lambda: ts.SimpleRNN(F, H, **SEQ),
    "simple_rnn_relu": lambda: ts.SimpleRNN(F, H, activation="relu", **SEQ),
    "lstm": lambda: ts.LSTM(F, H, **SEQ),
    "gru_reset_before": lambda: ts.GRU(F, H, **SEQ),
    "gru_reset_after": lambda: ts.GRU(F, H, reset_after=True, **SEQ),
    "lstm_go_backwards": lambda: ts.LSTM(F, H, go_backwards=True, **SEQ),
    "bidirectional_lstm_concat": lambda: ts.Bidirectional(ts.LSTM(F, H, **SEQ)),
    "bidirectional_gru_sum": lambda: ts.Bidirectional(ts.GRU(F, H, **SEQ), merge_mode="sum"),
    "ln_simple_rnn": lambda: ts.SimpleRNN(F, H, layer_norm=True, **SEQ),
    "stacked_lstm_gru": lambda: ts.Stacked(ts.LSTM(F, H, return_sequences=True),
                                           ts.GRU(H, H + 1, reset_after=True, return_sequences=True)),
}


def keras_weights(name):
    return [FIXTURE[f"{name}/w{k}"] for k in range(int(FIXTURE[f"{name}/n_weights"]))]


def flatten(result):
    if isinstance(result, torch.Tensor):
        return [result]
    return [t for r in result for t in flatten(r)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    module = load_keras_weights(CASES[name](), keras_weights(name))
    got = flatten(module(torch.from_numpy(FIXTURE["x"])))
    # Keras returns [output, h(, c)] per direction; LSTM states flatten to h, c in the same order.
    want = [FIXTURE[k] for k in sorted((k for k in FIXTURE.files if k.startswith(f"{name}/out")),
                                       key=lambda k: int(k.rsplit("out", 1)[1]))]
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        assert_close(a, b, torch.float32, f"{name} result {k}")


def test_accepts_tensors_and_checks_shapes():
    lstm = ts.LSTM(F, H)
    weights = [torch.from_numpy(w) for w in keras_weights("lstm")]
    load_keras_weights(lstm, weights)
    assert torch.equal(lstm.cell.weight_ih, weights[0].T)
    with pytest.raises(ValueError, match=r"weights must hold 3 arrays \(3 for LSTMCell\), got 2"):
        load_keras_weights(lstm, weights[:2])
    with pytest.raises(ValueError, match=r"weights\[1\] \(recurrent_kernel of LSTMCell\(4, 5\)\) must have shape \(5, 20\), got \(20, 5\)"):
        load_keras_weights(lstm, [weights[0], weights[1].T, weights[2]])
    with pytest.raises(ValueError, match=r"weights\[2\] \(bias of GRUCell\(4, 5\)\) must have shape \(2, 15\)"):
        load_keras_weights(ts.GRU(F, H, reset_after=True), keras_weights("gru_reset_before"))
    with pytest.raises(TypeError, match="LayerNormLSTMCell has no Keras counterpart"):
        load_keras_weights(ts.LayerNormLSTM(F, H), keras_weights("lstm"))
    with pytest.raises(TypeError, match="weights must be the list Keras get_weights"):
        load_keras_weights(lstm, np.zeros(3))


def test_peephole_order():
    """Keras' PeepholeLSTMCell appends the input, forget and output peephole vectors, in that order."""
    cell = ts.PeepholeLSTMCell(F, H)
    weights = keras_weights("lstm") + [np.full(H, 1.0, np.float32), np.full(H, 2.0, np.float32),
                                       np.full(H, 3.0, np.float32)]
    load_keras_weights(cell, weights)
    assert cell.weight_ci[0] == 1.0 and cell.weight_cf[0] == 2.0 and cell.weight_co[0] == 3.0


DROPOUT_CASES = {
    "dropout_simple_rnn": (lambda: ts.SimpleRNN(F, H, **SEQ), None),
    "dropout_lstm": (lambda: ts.LSTM(F, H, **SEQ), [0, 1, 2, 3]),                   # Keras i, f, c, o = ours
    "dropout_gru_reset_before": (lambda: ts.GRU(F, H, **SEQ), [1, 0, 2]),           # Keras z, r, h -> r, z, n
    "dropout_gru_reset_after": (lambda: ts.GRU(F, H, reset_after=True, **SEQ), [1, 0, 2]),
}


@pytest.mark.parametrize("name", sorted(DROPOUT_CASES))
def test_dropout_masks_act_as_in_keras(name):
    """Keras 3 in training mode with masks planted in its cell (per gate, implementation 1) against the
    torchseq cell stepping with the same masks."""
    make, order = DROPOUT_CASES[name]
    layer = load_keras_weights(make(), keras_weights(name))
    m_in, m_rec = (torch.from_numpy(FIXTURE[f"{name}/mask_{k}"]) for k in ("input", "recurrent"))
    if order is not None:
        m_in, m_rec = m_in[order], m_rec[order]
    masks = ts.Masks(input=m_in, recurrent=m_rec)                        # (G or 1, N, F), (G or 1, N, H)
    x = torch.from_numpy(FIXTURE["x"])
    cell = layer.cell
    state = cell.zero_state(x)
    ys = []
    for xp_t in cell.project_input(x.transpose(0, 1), masks).unbind(0):
        y, state = cell.step(xp_t, state, masks=masks)
        ys.append(y)
    got = [torch.stack(ys, 1)] + list(state if isinstance(state, tuple) else (state,))
    want = [FIXTURE[f"{name}/out{k}"] for k in range(len(got))]
    for k, (a, b) in enumerate(zip(got, want)):
        assert_close(a, b, torch.float32, f"{name} result {k}")
    unmasked = layer.cell.step(cell.project_input(x[:, 0]), cell.zero_state(x))[0]
    assert (unmasked - got[0][:, 0]).abs().max() > 1e-3, "the planted masks must matter"


CONV_CASES = {
    "conv_valid": lambda: ts.Conv1D(F, 6, 3),
    "conv_same_even": lambda: ts.Conv1D(F, 6, 4, padding="same"),
    "conv_same_stride2": lambda: ts.Conv1D(F, 6, 3, strides=2, padding="same"),
    "conv_causal_dilated": lambda: ts.Conv1D(F, 6, 2, padding="causal", dilation_rate=2, activation="relu"),
    "conv_groups": lambda: ts.Conv1D(F, 6, 3, groups=2, padding="same"),
    "conv_model": lambda: torch.nn.Sequential(ts.Conv1D(F, 5, 2, activation="relu"), ts.MaxPool1D(2),
                                              ts.Conv1D(5, 3, 2), ts.GlobalMaxPool1D(), torch.nn.Linear(3, 1)),
}


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_matches_keras(name):
    """Keras' own Conv1D outputs, including 'same' with an even kernel and with strides, causal with
    dilation, groups, and a whole Sequential loaded from model.get_weights()."""
    module = load_keras_weights(CONV_CASES[name](), keras_weights(name))
    assert_close(module(torch.from_numpy(FIXTURE["x"])), FIXTURE[f"{name}/out0"], torch.float32, name)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case,args", [("2_same", (2, None, "same")), ("3_s2_same", (3, 2, "same")),
                                       ("4_s1_same", (4, 1, "same")), ("3_valid", (3, None, "valid"))])
def test_pools_match_keras(kind, case, args):
    """Keras' MaxPooling1D / AveragePooling1D on an odd length, where 'same' pads asymmetrically."""
    pool = (ts.MaxPool1D if kind == "max" else ts.AvgPool1D)(*args)
    assert_close(pool(torch.from_numpy(FIXTURE["x_pool"])), FIXTURE[f"{kind}_pool_{case}/out0"], torch.float32,
                 f"{kind} {case}")


def test_keras_model_loading_errors():
    model = CONV_CASES["conv_model"]()
    weights = keras_weights("conv_model")
    with pytest.raises(ValueError, match=r"weights must hold 6 arrays \(2 for Conv1D \+ 2 for Conv1D \+ 2 for Linear\), got 5"):
        load_keras_weights(model, weights[:5])
    with pytest.raises(ValueError, match=r"weights\[0\] \(kernel of Conv1D\(4, 5, kernel_size=2, activation='relu'\)\) must have shape \(2, 4, 5\)"):
        load_keras_weights(model, [weights[0].T] + weights[1:])
    with pytest.raises(TypeError, match="does not know how Keras stores the weights of BatchNorm1d"):
        load_keras_weights(torch.nn.Sequential(torch.nn.BatchNorm1d(3)), [])
