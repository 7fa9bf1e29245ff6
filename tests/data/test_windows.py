"""Windows against literal transcriptions of the lectures' loops: Deep Learning with Python's generator
(chronological with its restart rule, and shuffled with replacement) and the stock lecture's make_sequences."""
import numpy as np
import pytest
import torch

from torchseq.data import WindowDataset, make_sequences, window_batches
from torchseq.data.lecture import lecture_generator


def lecture_make_sequences(data, look_back, foresight):
    """The stock lecture's loop as this project reads it: window i, the value foresight steps after its end."""
    X, y = [], []
    for i in range(len(data) - look_back - foresight):
        X.append(data[i:i + look_back])
        y.append(data[i + look_back + foresight])
    return np.array(X), np.array(y)


@pytest.fixture
def data():
    return np.random.default_rng(0).standard_normal((3000, 4))


@pytest.mark.parametrize("min_index,max_index", [(0, 1000), (1001, 2000), (2001, None)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_equal_the_lecture_generator(data, min_index, max_index, shuffle):
    kwargs = dict(lookback=240, delay=24, min_index=min_index, max_index=max_index, shuffle=shuffle,
                  batch_size=64, step=6)
    np.random.seed(3)
    expected = [next(g) for g in [lecture_generator(data, **kwargs)] for _ in range(30)]
    ours = window_batches(data, rng=np.random.RandomState(3), **kwargs)
    for k, (samples, targets) in enumerate(expected):
        x, y = next(ours)
        assert x.shape == samples.shape, k
        assert np.array_equal(x.numpy(), samples) and np.array_equal(y.numpy(), targets), f"batch {k}"


def test_dataset_items_and_views(data):
    ds = WindowDataset(data, lookback=120, delay=12, min_index=100, max_index=900, step=6)
    assert len(ds) == 900 - 220
    x, y = ds[0]
    assert np.array_equal(x.numpy(), data[100:220:6]) and y.item() == data[220 + 12, 1]
    x, y = ds[-1]
    assert np.array_equal(x.numpy(), data[899 - 120:899:6]) and y.item() == data[899 + 12, 1]
    assert x.data_ptr() >= ds.data.data_ptr() and x.untyped_storage().data_ptr() == ds.data.untyped_storage().data_ptr()
    loader = torch.utils.data.DataLoader(ds, batch_size=32)
    xb, yb = next(iter(loader))
    assert xb.shape == (32, 20, 4) and torch.equal(yb, ds.data[220 + 12:220 + 12 + 32, 1])
    with pytest.raises(IndexError, match="index 680 out of range for 680 windows"):
        ds[680]


def test_lookback_not_divisible_by_step_follows_range(data):
    ds = WindowDataset(data, lookback=10, delay=0, step=4)                  # range(r-10, r, 4): 3 steps
    assert ds[0][0].shape == (3, 4) and np.array_equal(ds[0][0].numpy(), data[0:10:4])


@pytest.mark.parametrize("lookback, step", [(10, 4), (12, 6), (7, 1), (9, 3), (11, 5)])
def test_batch_gathers_every_row_as_the_slices(data, lookback, step):
    """The phase-laid-out gather (batch) equals data[r - lookback : r : step] for every row, first and last
    included, whatever the remainder of len(data) and lookback modulo step."""
    for length in (len(data), len(data) - 1, len(data) - step + 1):
        part = data[:length]
        ds = WindowDataset(part, lookback=lookback, delay=2, step=step)
        rows = torch.arange(ds.first_row, ds.max_index)
        x, y = ds.batch(rows[torch.randperm(len(rows))])
        x_sorted, y_sorted = ds.batch(rows)
        for k, r in enumerate(rows.tolist()):
            assert np.array_equal(x_sorted[k].numpy(), part[r - lookback:r:step]), (length, r)
            assert y_sorted[k].item() == part[r + 2, 1]
        assert x.shape == x_sorted.shape


def test_make_sequences_stock_lecture():
    series = np.random.default_rng(1).random(648)
    X, y = make_sequences(series, look_back=7, foresight=6)
    X_ref, y_ref = lecture_make_sequences(series, 7, 6)
    assert X.shape == (635, 7, 1) and y.shape == (635,)
    assert np.array_equal(X[..., 0].numpy(), X_ref) and np.array_equal(y.numpy(), y_ref)
    X2, y2 = make_sequences(np.stack([series, series * 2], axis=1), 7, 6)
    assert X2.shape == (635, 7, 2) and torch.equal(y2[:, 1], torch.from_numpy(y_ref * 2))


def test_bad_arguments(data):
    with pytest.raises(ValueError, match=r"data must be 2-D \(time first, columns last\), got shape \(3000,\)"):
        WindowDataset(data[:, 0], 10, 1)
    with pytest.raises(ValueError, match="need 0 <= min_index, min_index \\+ lookback < max_index"):
        WindowDataset(data, lookback=500, delay=1, min_index=0, max_index=400)
    with pytest.raises(ValueError, match="target_column must be in \\[0, 4\\), got 9"):
        WindowDataset(data, 10, 1, target_column=9)
    with pytest.raises(ValueError, match="too short for look_back=7 and foresight=6"):
        make_sequences(np.zeros(12), 7, 6)
    with pytest.raises(ValueError, match="delay must be an int >= 0"):
        WindowDataset(data, 10, -1)


def test_batched_path_equals_dataloader_and_chronological_batches_are_views(data):
    ds = WindowDataset(data, lookback=60, delay=6, step=6, max_index=500)
    order = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))
    ours = list(ds.batches(order, 32))
    loader = torch.utils.data.DataLoader(torch.utils.data.Subset(ds, order.tolist()), batch_size=32)
    for (x, y), (xl, yl) in zip(ours, loader):
        assert torch.equal(x, xl) and torch.equal(y, yl)
    x, y = next(window_batches(data, lookback=60, delay=6, step=6, batch_size=32))
    storage = ds.data.untyped_storage().data_ptr()
    assert x.untyped_storage().data_ptr() == storage != 0 and x.shape == (32, 10, 4)   # a view, no copy
