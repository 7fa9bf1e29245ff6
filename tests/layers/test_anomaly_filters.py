"""The first lecture's two anomaly filters, slid over a sequence by Conv1D.

The lecture's own sequence is not available to this project; the test uses a constructed series -- a
slow smooth signal with one planted spike and one planted dip -- and checks what the lecture says of the
filters: each responds strongest where its pattern occurs (the spike at the anomaly), weakly elsewhere.
"""
import numpy as np
import torch

import torchseq as ts


def slide(filter_weights, series):
    """A one-filter Conv1D (valid, no bias) with the given weights over a (L,) series -> (L-K+1,)."""
    conv = ts.Conv1D(1, 1, len(filter_weights), bias=False, dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(filter_weights, dtype=torch.float64).view(1, 1, -1))
    with torch.no_grad():
        return conv(torch.tensor(series, dtype=torch.float64).view(1, -1, 1))[0, :, 0].numpy()


def test_filters_are_plain_cross_correlations():
    rng = np.random.default_rng(0)
    series = rng.standard_normal(30)
    for w in ([33, -67, 33], [1.2, 1.0, -0.75, 1.0]):
        assert np.allclose(slide(w, series), np.correlate(series, w, mode="valid"))


def test_spike_filter_fires_at_the_spike():
    """[33, -67, 33] = 33 (x[t-1] - 2 x[t] + x[t+1]) - x[t]: a scaled second difference; on a smooth signal
    it stays near -x[t], at a spike of height a it reaches about -67 a."""
    t = np.arange(60)
    series = 0.5 * np.sin(t / 9.0)
    series[31] += 3.0                                                         # the anomaly
    y = slide([33, -67, 33], series)                                          # y[i] is centred on i + 1
    assert np.argmax(np.abs(y)) + 1 == 31
    assert abs(y[30]) > 190 and np.max(np.abs(np.delete(y, [29, 30, 31]))) < 2


def test_dip_pattern_filter_fires_at_the_dip():
    """[1.2, 1.0, -0.75, 1.0] matches a high, high, low, high pattern: its response peaks where the
    series dips for one step after two high ones."""
    series = np.full(40, 1.0)
    series[21] = -2.0                                                         # the dip
    y = slide([1.2, 1.0, -0.75, 1.0], series)                                 # window i covers i .. i+3
    assert np.argmax(y) == 19                                                 # the dip in third place
    assert y[19] - np.max(np.delete(y, [18, 19, 20, 21])) > 2
