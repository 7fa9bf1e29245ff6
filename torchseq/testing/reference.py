"""An independent float64 NumPy statement of every built-in cell's equations, to check code against.

Each step function takes the parameters ``p`` (a dict of NumPy arrays in torch.nn's layout:
``weight_ih`` (G*H, F), ``weight_hh`` (G*H, H), ``bias`` ...; ``torchseq.testing.numpy_parameters(cell)``
makes it from a cell), one sample's input ``x`` (F,) and state, and returns (output, new state, internals):

- ``simple_rnn`` (Hands-On ML eq. 15-1, with the book's layer norm), ``lstm`` (eq. 15-3), ``peephole_lstm``
  (Gers & Schmidhuber 2000), ``gru_reset_before`` (eq. 15-4), ``gru_reset_after`` (torch.nn's and cuDNN's
  form), ``layer_norm_lstm`` (Ba et al. 2016), ``greff_lstm`` (the vanilla LSTM of Greff et al. 2017 and its
  eight variants, ``variant="NIG"`` ...);
- ``run(step, p, x, state0, lengths, backwards, mx, mh, zoneout, keep)`` loops a step over a batch (N, L, F)
  sample by sample, with right-padded lengths, reading backwards, explicit dropout masks and zoneout.

This module imports nothing from torchseq: it is written from the equations alone, so agreeing with it is
evidence, not a tautology. Dropout masks, when given, are applied as Keras' implementation 1 does: gate g
multiplies x by its input mask mx[g] before W_xg and h_{t-1} by its recurrent mask mh[g] before W_hg (one row
per gate, or a single row shared by all gates); c_{t-1} is never masked.
"""
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def layer_norm(a, gain, shift, eps):
    return gain * (a - a.mean()) / np.sqrt(a.var() + eps) + shift


def split(v, parts):
    return np.split(v, parts)


def per_gate(W, v, masks, gates):
    """[W_g (v * m_g) for each gate g]: masks (G, D), (1, D) or None (no dropout)."""
    blocks = split(W, gates)
    if masks is None:
        return [Wg @ v for Wg in blocks]
    return [Wg @ (v * masks[g if len(masks) > 1 else 0]) for g, Wg in enumerate(blocks)]


def simple_rnn(p, x, h, activation="tanh", layer_norm_eps=None, mx=None, mh=None):
    """Hands-On ML eq. 15-1: h = phi(W_x x + W_h h + b); LN before phi for the book's LNSimpleRNNCell."""
    a = per_gate(p["weight_ih"], x, mx, 1)[0] + per_gate(p["weight_hh"], h, mh, 1)[0] + p["bias"]
    if layer_norm_eps is not None:
        a = layer_norm(a, p["ln_weight"], p["ln_bias"], layer_norm_eps)
    h = np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)
    return h, h, {"a": a, "h": h}


def lstm(p, x, state, mx=None, mh=None):
    """Hands-On ML eq. 15-3, gate blocks (i, f, g, o)."""
    h, c = state
    zi, zf, zg, zo = [a + b + bias for a, b, bias in
                      zip(per_gate(p["weight_ih"], x, mx, 4), per_gate(p["weight_hh"], h, mh, 4), split(p["bias"], 4))]
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def peephole_lstm(p, x, state, mx=None, mh=None):
    """Gers & Schmidhuber 2000: i, f see c_{t-1}; o sees c_t."""
    h, c_prev = state
    zi, zf, zg, zo = [a + b + bias for a, b, bias in
                      zip(per_gate(p["weight_ih"], x, mx, 4), per_gate(p["weight_hh"], h, mh, 4), split(p["bias"], 4))]
    i = sigmoid(zi + p["weight_ci"] * c_prev)
    f = sigmoid(zf + p["weight_cf"] * c_prev)
    g = np.tanh(zg)
    c = f * c_prev + i * g
    o = sigmoid(zo + p["weight_co"] * c)
    h = o * np.tanh(c)
    return h, (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def candidate(a, activation):
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)


def gru_reset_before(p, x, h, mx=None, mh=None, activation="tanh"):
    """Hands-On ML eq. 15-4 (Cho et al. 2014 v3), blocks (r, z, n); Keras' activation="relu" on n only."""
    xr, xz, xn = [a + b for a, b in zip(per_gate(p["weight_ih"], x, mx, 3), split(p["bias"], 3))]
    Wr, Wz, Wn = split(p["weight_hh"], 3)
    mr, mz, mn = (np.ones((3, h.shape[0])) if mh is None else (mh if len(mh) > 1 else np.repeat(mh, 3, 0)))
    r = sigmoid(xr + Wr @ (h * mr))
    z = sigmoid(xz + Wz @ (h * mz))
    n = candidate(xn + Wn @ (r * h * mn), activation)
    h = z * h + (1 - z) * n
    return h, h, {"r": r, "z": z, "n": n, "h": h}


def gru_reset_after(p, x, h, mx=None, mh=None, activation="tanh"):
    """torch.nn.GRU's documented equations, blocks (r, z, n)."""
    xr, xz, xn = [a + b for a, b in zip(per_gate(p["weight_ih"], x, mx, 3), split(p["bias_ih"], 3))]
    hr, hz, hn = [a + b for a, b in zip(per_gate(p["weight_hh"], h, mh, 3), split(p["bias_hh"], 3))]
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = candidate(xn + r * hn, activation)
    h = (1 - z) * n + z * h
    return h, h, {"r": r, "z": z, "n": n, "h": h}


def layer_norm_lstm(p, x, state, eps=1e-5, mx=None, mh=None):
    """Ba et al. 2016 eq. 20-22 in haste's form: gain-only LN on W_x x and W_h h, LN on c_t for h_t only."""
    h, c = state
    no_shift = np.zeros_like(p["bias"])
    a = (layer_norm(np.concatenate(per_gate(p["weight_ih"], x, mx, 4)), p["ln_ih_weight"], no_shift, eps)
         + layer_norm(np.concatenate(per_gate(p["weight_hh"], h, mh, 4)), p["ln_hh_weight"], no_shift, eps)
         + p["bias"])
    zi, zf, zg, zo = split(a, 4)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c = f * c + i * g
    h = o * np.tanh(layer_norm(c, p["ln_c_weight"], p["ln_c_bias"], eps))
    return h, (h, c), {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def _mask_at(m, n, pos):
    """Per-call masks (G, N, D) or per-step masks (G, N, L, D) -> the (G, D) mask of sample n at step pos."""
    if m is None:
        return None
    return m[:, n] if m.ndim == 3 else m[:, n, pos]


def _zone(new, old, rates, keep, n, pos):
    """Zoneout of one sample's step: training draws keep[k] (N, L, H), or the expectation when keep is None."""
    news, olds = (new, old) if isinstance(new, tuple) else ((new,), (old,))
    out = []
    for k, (a, b, z) in enumerate(zip(news, olds, rates)):
        if keep is None:
            out.append(z * b + (1 - z) * a)
        else:
            out.append(np.where(keep[k][n, pos] > 0, b, a) if z else a)
    return tuple(out) if isinstance(new, tuple) else out[0]


def run(step, p, x, state0, lengths=None, backwards=False, mx=None, mh=None, zoneout=None, keep=None):
    """Loop over samples, then over each sample's valid steps (reversed when backwards).

    x (N, L, F); state0: per-sample list of states; mx/mh: dropout masks (G, N, D), or (G, N, L, D) per
    processing step; zoneout: per-state rates, with keep (per state (N, L, H), processing order) in
    training or None for the evaluation expectation. Returns outputs (N, L, H) in processing order, zero
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
            y, new, inner = step(p, x[n, t], state, mx=_mask_at(mx, n, pos), mh=_mask_at(mh, n, pos))
            if zoneout is not None:
                new = _zone(new, state, zoneout, keep, n, pos)
                y = new[0] if isinstance(new, tuple) else new
            state = new
            if outputs is None:
                outputs = np.zeros((N, L, y.shape[0]))
            outputs[n, pos] = y
            for k, v in inner.items():
                internals.setdefault(k, np.zeros((N, L, v.shape[0])))[n, pos] = v
        finals.append(state)
    return outputs, finals, internals


# Greff et al. 2017, "LSTM: A Search Space Odyssey": the gate blocks each variant keeps, its peepholes and
# the one part it changes.
GREFF_BLOCKS = {"NIG": "fgo", "NFG": "igo", "NOG": "ifg", "CIFG": "igo"}
GREFF_PEEPHOLES = {"NIG": "fo", "NFG": "io", "NOG": "if", "CIFG": "io", "NP": ""}


def greff_lstm(p, x, state, variant="V", mx=None, mh=None):
    """Greff et al. 2017 section II (vanilla: block input z, gates i, f, o with peepholes p_i, p_f on c_{t-1}
    and p_o on c_t) and the variant named by ``variant`` (section III-B): NIG i = 1, NFG f = 1, NOG o = 1,
    NIAF z unsquashed, NOAF y = c o, CIFG f = 1 - i, NP no peepholes, FGR gates reading the previous gates
    through p["weight_gates"] (3H, 3H). The blocks of p["weight_ih"] are those the variant keeps, in the order
    i, f, z, o; FGR's state is (y, c, i, f, o)."""
    blocks = GREFF_BLOCKS.get(variant, "ifgo")
    peep = GREFF_PEEPHOLES.get(variant, "ifo")
    y, c_prev = state[0], state[1]
    a = {name: wx + wy + b for name, wx, wy, b in
         zip(blocks, per_gate(p["weight_ih"], x, mx, len(blocks)), per_gate(p["weight_hh"], y, mh, len(blocks)),
             split(p["bias"], len(blocks)))}
    if variant == "FGR":
        r = split(p["weight_gates"] @ np.concatenate(state[2:]), 3)
        a = {name: a[name] + (r["ifo".index(name)] if name in "ifo" else 0.0) for name in a}
    p_i = p["weight_ci"] if "i" in peep else 0.0
    p_f = p["weight_cf"] if "f" in peep else 0.0
    p_o = p["weight_co"] if "o" in peep else 0.0
    ones = np.ones_like(c_prev)
    z = a["g"] if variant == "NIAF" else np.tanh(a["g"])
    i = ones if variant == "NIG" else sigmoid(a["i"] + p_i * c_prev)
    if variant == "CIFG":
        f = 1.0 - i
    else:
        f = ones if variant == "NFG" else sigmoid(a["f"] + p_f * c_prev)
    c = z * i + c_prev * f
    o = ones if variant == "NOG" else sigmoid(a["o"] + p_o * c)
    y = (c if variant == "NOAF" else np.tanh(c)) * o
    new = (y, c, i, f, o) if variant == "FGR" else (y, c)
    return y, new, {"i": i, "f": f, "g": z, "o": o, "c": c, "h": y}
