"""Behaviour of the wrappers: Keras-style flags, shapes, the fresh backward copy, ragged reversal."""
import torch

import torchseq as ts
from torchseq.layers.time import reverse_time


def test_bidirectional_takes_flags_from_the_layer():
    bi = ts.Bidirectional(ts.LSTM(3, 4, return_sequences=True, return_state=True))
    out, (state_f, state_b) = bi(torch.zeros(2, 5, 3))
    assert out.shape == (2, 5, 8) and state_f[0].shape == (2, 4) and bi.output_size == 8
    bi = ts.Bidirectional(ts.LSTM(3, 4), merge_mode="ave")
    assert bi(torch.zeros(2, 5, 3)).shape == (2, 4) and bi.output_size == 4


def test_backward_copy_is_fresh_and_independent():
    torch.manual_seed(0)
    forward = ts.GRU(3, 4)
    bi = ts.Bidirectional(forward)
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards
    assert not torch.equal(bi.backward_layer.cell.weight_ih, forward.cell.weight_ih)
    assert bi.backward_layer.cell.weight_ih.data_ptr() != forward.cell.weight_ih.data_ptr()
    assert len(list(bi.parameters())) == 2 * len(list(forward.parameters()))


def test_padded_outputs_are_zero_and_last_output_is_last_valid_step():
    torch.manual_seed(0)
    layer = ts.LSTM(2, 3, return_sequences=True)
    x = torch.randn(2, 6, 2)
    out = layer(x, lengths=[6, 2])
    assert torch.count_nonzero(out[1, 2:]) == 0 and torch.count_nonzero(out[1, :2]) > 0
    layer.return_sequences = False
    assert torch.equal(layer(x, lengths=[6, 2])[1], out[1, 1])


def test_padding_content_never_matters():
    torch.manual_seed(0)
    bi = ts.Bidirectional(ts.GRU(2, 3, return_sequences=True, return_state=True))
    x = torch.randn(2, 6, 2)
    junk = x.clone()
    junk[1, 3:] = 1e6
    a, sa = bi(x, lengths=[6, 3])
    b, sb = bi(junk, lengths=[6, 3])
    assert torch.equal(a, b) and all(torch.equal(u, v) for u, v in zip(sa, sb))


def test_reverse_time_is_an_involution_keeping_padding():
    x = torch.arange(2 * 5, dtype=torch.float32).reshape(2, 5, 1)
    lengths = torch.tensor([5, 3])
    r = reverse_time(x, lengths)
    assert r[0, :, 0].tolist() == [4, 3, 2, 1, 0]
    assert r[1, :, 0].tolist() == [7, 6, 5, 8, 9]
    assert torch.equal(reverse_time(r, lengths), x)


def test_lengths_all_full_is_the_unmasked_run():
    torch.manual_seed(0)
    layer = ts.GRU(2, 3, return_sequences=True)
    x = torch.randn(3, 4, 2)
    assert torch.equal(layer(x, lengths=torch.tensor([4, 4, 4])), layer(x))
