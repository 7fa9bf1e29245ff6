"""VariationalDropout, EmbeddingDropout and the variational dropout between stacked layers."""
import pytest
import torch
from torch import nn

import torchseq as ts


def test_variational_dropout_shares_the_mask_over_time(gen):
    drop = ts.VariationalDropout(0.4, generator=0)
    x = torch.ones(8, 10, 6, dtype=torch.float64)
    y = drop(x)
    assert torch.equal(y, y[:, :1].expand_as(y))
    assert set(y.unique().tolist()) == {0.0, 1 / 0.6}
    assert not torch.equal(y, drop(x))
    drop.eval()
    assert torch.equal(drop(x), x)
    assert torch.equal(ts.VariationalDropout(0.0)(x), x)
    with pytest.raises(ValueError, match=r"x must be a tensor \(N, ..., F\) with at least 2 dimensions, got \(5,\)"):
        ts.VariationalDropout(0.2)(torch.ones(5))


def test_variational_dropout_gradient_only_through_kept(gen):
    x = torch.randn(4, 7, 5, generator=gen, requires_grad=True)
    y = ts.VariationalDropout(0.5, generator=1)(x)
    g, = torch.autograd.grad(y.sum(), x)
    kept = y.detach() != 0
    assert torch.equal(g != 0, kept) and torch.allclose(g[kept], torch.tensor(2.0))


def test_embedding_dropout_drops_whole_words():
    torch.manual_seed(0)
    emb = nn.Embedding(50, 4)
    drop = ts.EmbeddingDropout(emb, p=0.5, generator=3)
    tokens = torch.randint(0, 50, (6, 40))
    out = drop(tokens)                                                     # (N, L, E)
    zero = (out == 0).all(dim=-1)                                          # (N, L)
    dropped_words = set(tokens[zero].tolist())
    kept_words = set(tokens[~zero].tolist())
    assert dropped_words and kept_words and not dropped_words & kept_words, "a word is dropped everywhere or nowhere"
    kept = ~zero
    assert torch.allclose(out[kept], emb(tokens)[kept] * 2)
    drop.eval()
    assert torch.equal(drop(tokens), emb(tokens))
    with pytest.raises(TypeError, match="embedding must be a torch.nn.Embedding, got Linear"):
        ts.EmbeddingDropout(nn.Linear(2, 2))


def test_stacked_dropout_between_layers_is_variational(gen):
    torch.manual_seed(0)
    stack = ts.Stacked(ts.LSTM(3, 4, return_sequences=True), ts.GRU(4, 5, return_sequences=True), dropout=0.5)
    seen = {}
    original = stack.layers[1].run

    def spy(x, state, lengths):
        seen["x"] = x
        return original(x, state, lengths)

    stack.layers[1].run = spy
    x = torch.randn(6, 9, 3, generator=gen)
    stack(x)
    below = stack.layers[0](x)
    ratio = seen["x"] / below                                              # the mask the second layer saw
    mask = torch.where(seen["x"] == 0, torch.zeros_like(ratio), ratio)
    assert torch.allclose(mask, mask[:, :1].expand_as(mask))
    assert set(mask.round(decimals=4).unique().tolist()) == {0.0, 2.0}
    stack.eval()
    assert torch.equal(stack(x), stack.layers[1](stack.layers[0](x)))
    assert "VariationalDropout(p=0.5)" in repr(stack)
