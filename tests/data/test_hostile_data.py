"""Data preparation under bad and unusual input: pandas objects are accepted like arrays, NaN never spreads
silently, NumPy integers are sizes like ints, and malformed files are named with their column and line."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from torchseq.data import (MinMaxScaler, StandardScaler, WindowDataset, lengths_of, load_glove, load_jena,
                           load_prices, load_synthetic, make_sequences, mu_law_encode, pad_sequences)


# ---- scalers ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scaler", [StandardScaler, MinMaxScaler])
def test_scalers_take_dataframes_and_series_and_keep_their_labels(scaler):
    frame = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3, 5, 9]}, index=[7, 8, 9])
    fitted = scaler().fit(frame)
    out = fitted.transform(frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"] and list(out.index) == [7, 8, 9]
    np.testing.assert_allclose(out.to_numpy(), scaler().fit(frame.to_numpy(float)).transform(frame.to_numpy(float)))
    np.testing.assert_allclose(fitted.inverse_transform(out).to_numpy(), frame.to_numpy(float))
    series = scaler().fit(frame["a"]).transform(frame["a"])
    assert isinstance(series, pd.Series) and series.name == "a"


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_scaler_fitted_on_nan_says_where(bad):
    rows = np.arange(12.0).reshape(6, 2)
    rows[4, 1] = bad
    with pytest.raises(ValueError, match=r"train holds 1 NaN or infinite values, the first at row 4, column 1"):
        StandardScaler().fit(rows)
    with pytest.raises(ValueError, match=r"row 4, column 1"):
        MinMaxScaler().fit(pd.DataFrame(rows))


def test_scalers_refuse_other_columns_and_other_types():
    fitted = StandardScaler().fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"x has shape \(4, 2\), but the scaler was fitted on 3 columns"):
        fitted.transform(np.ones((4, 2)))
    with pytest.raises(TypeError, match="train must hold numbers only; columns date do not"):
        StandardScaler().fit(pd.DataFrame({"date": ["2020-01-01"], "v": [1.0]}))
    with pytest.raises(TypeError, match="train must be a NumPy array, a torch tensor or a pandas"):
        StandardScaler().fit([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"feature_range must be a finite number, got nan"):
        MinMaxScaler((0.0, math.nan))


# ---- windows ---------------------------------------------------------------------------------------------------
def test_windows_take_pandas_and_numpy_integers():
    values = np.arange(40.0).reshape(20, 2)
    frame = pd.DataFrame(values, columns=["x", "y"])
    x, y = make_sequences(frame, 3, 1)
    x_ref, y_ref = make_sequences(values, 3, 1)
    assert torch.equal(x, x_ref) and torch.equal(y, y_ref)
    xs, ys = make_sequences(frame["x"], np.int64(3), np.int64(1))
    assert torch.equal(xs[..., 0], x_ref[..., 0]) and torch.equal(ys, y_ref[:, 0])
    ds = WindowDataset(frame, np.int64(4), np.int64(1), min_index=np.int32(0), max_index=np.int64(15), step=np.int64(2))
    assert len(ds) == 11 and torch.equal(ds[0][0], torch.tensor(values[0:4:2]))


def test_windows_refuse_nan_and_fractional_indices():
    values = np.arange(40.0).reshape(20, 2)
    values[7, 0] = math.nan
    with pytest.raises(ValueError, match=r"data holds 1 NaN or infinite values, the first at row 7, column 0"):
        WindowDataset(values, 4, 1)
    with pytest.raises(ValueError, match=r"series holds 1 NaN .* row 7"):
        make_sequences(values, 3, 1)
    with pytest.raises(TypeError, match="max_index must be an int >= 0, got float 12.5"):
        WindowDataset(np.ones((20, 2)), 4, 1, max_index=12.5)
    with pytest.raises(TypeError, match="foresight must be an int >= 0, got float 1.0"):
        make_sequences(np.ones(20), 3, 1.0)


# ---- text ------------------------------------------------------------------------------------------------------
def test_lengths_of_refuses_pre_padded_rows():
    sequences = [[5, 6, 7], [8], [9, 4]]
    assert lengths_of(pad_sequences(sequences, padding="post")).tolist() == [3, 1, 2]
    with pytest.raises(ValueError, match=r"row 1 of padded has padding \(0\) before some of its words.*"
                                         r"padding='post'"):
        lengths_of(pad_sequences(sequences))                                       # Keras' default: pre-padding


def test_glove_files_with_bad_lines_are_named(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2\ncat 0.3 zero\n")
    with pytest.raises(ValueError, match=r"glove.txt, line 2: the vector of 'cat' holds something that is not a number"):
        load_glove(path, {"the": 1, "cat": 2}, 3)
    path.write_bytes(b"the 0.1 0.2\ncaf\xe9 0.3 0.4\n")
    with pytest.raises(ValueError, match=r"glove.txt, line 2: not UTF-8 text"):
        load_glove(path, {"the": 1}, 3)
    with pytest.raises(TypeError, match="path must be a path"):
        load_glove(3, {"the": 1}, 3)


# ---- files -----------------------------------------------------------------------------------------------------
def _prices(tmp_path, highs, dates=None):
    dates = dates or [f"2014-03-{d:02d}" for d in range(10, 10 + len(highs))]
    path = tmp_path / "prices.csv"
    pd.DataFrame({"date": dates, "high": highs, "Name": "AAL"}).to_csv(path, index=False)
    return path


def test_prices_name_file_column_and_line_of_a_bad_value(tmp_path):
    path = _prices(tmp_path, [1.0, 2.0, None, 4.0])
    with pytest.raises(ValueError, match=r"prices.csv, line 4: column 'high' holds an empty cell, not a finite number "
                                         r"\(1 such rows in all\)"):
        load_prices(path)
    path = _prices(tmp_path, ["1.0", "n/a?", "3", "4"])
    with pytest.raises(ValueError, match=r"line 3: column 'high' holds 'n/a\?', not a finite number"):
        load_prices(path)
    path = _prices(tmp_path, [1.0, 2.0], dates=["2014-03-10", "yesterday"])
    with pytest.raises(ValueError, match=r"line 3: column 'date' holds 'yesterday', not a date"):
        load_prices(path)
    path.write_text("")
    with pytest.raises(ValueError, match="prices.csv is empty"):
        load_prices(path)
    path.write_text('date,high\n2014-03-10,1.0\n"2014-03-11,2.0\n')
    with pytest.raises(ValueError, match="prices.csv is not a well-formed CSV table"):
        load_prices(path)
    with pytest.raises(FileNotFoundError, match="nowhere.csv does not exist"):
        load_prices(tmp_path / "nowhere.csv")
    with pytest.raises(TypeError, match="ticker must be a str, got int 5"):
        load_prices(_prices(tmp_path, [1.0, 2.0]), ticker=5)


def test_jena_names_a_missing_measurement(tmp_path):
    path = tmp_path / "jena.csv"
    pd.DataFrame({"Date Time": ["01.01.2009 00:10:00", "01.01.2009 00:20:00"], "p (mbar)": [996.5, None],
                  "T (degC)": [-8.0, -8.4]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"jena.csv, line 3: column 'p \(mbar\)' holds an empty cell"):
        load_jena(path, check_rows=False)


# ---- sizes -----------------------------------------------------------------------------------------------------
def test_synthetic_and_mu_law_refuse_what_they_cannot_honour():
    with pytest.raises(ValueError, match="n_steps must be a positive int, got 0"):
        load_synthetic(n_steps=0)
    with pytest.raises(ValueError, match=r"split\[1\] must be a positive int, got 0"):
        load_synthetic(n_series=10, split=(10, 0))
    (x, y), _, _ = load_synthetic(n_steps=np.int64(5), n_series=np.int64(4), split=(2, 1, 1))
    assert x.shape == (2, 5, 1)
    with pytest.raises(ValueError, match="x holds 1 NaN or infinite values"):
        mu_law_encode(torch.tensor([0.0, math.nan]))
