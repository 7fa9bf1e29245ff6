"""Independent float64 NumPy reference: every cell's step written from its published equations, for one
sample (vectors), and a per-sample loop for lengths and reading backwards. Imports nothing from torchseq.

Parameters come as a dict of NumPy arrays in torch.nn's layout (W_ih (G*H, F), W_hh (G*H, H)).
"""
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def layer_norm(a, gain, shift, eps):
    return gain * (a - a.mean()) / np.sqrt(a.var() + eps) + shift


def split(v, parts):
    return np.split(v, parts)


def simple_rnn(p, x, h, activation="tanh", layer_norm_eps=None):
    """Hands-On ML eq. 15-1: h = phi(W_x x + W_h h + b); LN before phi for the book's LNSimpleRNNCell."""
    a = p["weight_ih"] @ x + p["weight_hh"] @ h + p["bias"]
    if layer_norm_eps is not None:
        a = layer_norm(a, p["ln_weight"], p["ln_bias"], layer_norm_eps)
    h = np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)
    return h, h, {"a": a, "h": h}


def lstm(p, x, state):
    """Hands-On ML eq. 15-3, gate blocks (i, f, g, o)."""
    h, c = state
    zi, zf, zg, zo = split(p["weight_ih"] @ x + p["weight_hh"] @ h + p["bias"], 4)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def peephole_lstm(p, x, state):
    """Gers & Schmidhuber 2000: i, f see c_{t-1}; o sees c_t."""
    h, c_prev = state
    zi, zf, zg, zo = split(p["weight_ih"] @ x + p["weight_hh"] @ h + p["bias"], 4)
    i = sigmoid(zi + p["weight_ci"] * c_prev)
    f = sigmoid(zf + p["weight_cf"] * c_prev)
    g = np.tanh(zg)
    c = f * c_prev + i * g
    o = sigmoid(zo + p["weight_co"] * c)
    h = o * np.tanh(c)
    return h, (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def gru_reset_before(p, x, h):
    """Hands-On ML eq. 15-4 (Cho et al. 2014 v3), blocks (r, z, n)."""
    xr, xz, xn = split(p["weight_ih"] @ x + p["bias"], 3)
    Wr, Wz, Wn = split(p["weight_hh"], 3)
    r = sigmoid(xr + Wr @ h)
    z = sigmoid(xz + Wz @ h)
    n = np.tanh(xn + Wn @ (r * h))
    h = z * h + (1 - z) * n
    return h, h, {"r": r, "z": z, "n": n, "h": h}


def gru_reset_after(p, x, h):
    """torch.nn.GRU's documented equations, blocks (r, z, n)."""
    xr, xz, xn = split(p["weight_ih"] @ x + p["bias_ih"], 3)
    hr, hz, hn = split(p["weight_hh"] @ h + p["bias_hh"], 3)
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    h = (1 - z) * n + z * h
    return h, h, {"r": r, "z": z, "n": n, "h": h}


def layer_norm_lstm(p, x, state, eps=1e-5):
    """Ba et al. 2016 eq. 20-22 in haste's form: gain-only LN on W_x x and W_h h, LN on c_t for h_t only."""
    h, c = state
    no_shift = np.zeros_like(p["bias"])
    a = (layer_norm(p["weight_ih"] @ x, p["ln_ih_weight"], no_shift, eps)
         + layer_norm(p["weight_hh"] @ h, p["ln_hh_weight"], no_shift, eps) + p["bias"])
    zi, zf, zg, zo = split(a, 4)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c = f * c + i * g
    h = o * np.tanh(layer_norm(c, p["ln_c_weight"], p["ln_c_bias"], eps))
    return h, (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def run(step, p, x, state0, lengths=None, backwards=False):
    """Loop over samples, then over each sample's valid steps (reversed when backwards).

    x (N, L, F); state0: per-sample list of states. Returns outputs (N, L, H) in processing order, zero
    past each length; the final states (list per sample); internals {name: (N, L, H)}.
    """
    N, L, _ = x.shape
    outputs, finals, internals = None, [], {}
    for n in range(N):
        steps = list(range(L if lengths is None else int(lengths[n])))
        if backwards:
            steps.reverse()
        state = state0[n]
        for pos, t in enumerate(steps):
            y, state, inner = step(p, x[n, t], state)
            if outputs is None:
                outputs = np.zeros((N, L, y.shape[0]))
            outputs[n, pos] = y
            for k, v in inner.items():
                internals.setdefault(k, np.zeros((N, L, v.shape[0])))[n, pos] = v
        finals.append(state)
    return outputs, finals, internals
