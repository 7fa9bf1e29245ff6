"""Deep Learning with Python's window generator (section 6.3.2), transcribed line by line.

Kept as the reference the vectorised windows (:mod:`torchseq.data.windows`) are tested against batch for batch
and timed against in ``benchmarks/windows_vs_generator.py``. Not meant for training: a Python loop per sample.

For row r the sample is ``data[r - lookback : r : step]`` and the target ``data[r + delay][1]``. Chronological
rows restart at ``min_index + lookback`` as soon as ``i + batch_size >= max_index``; shuffled rows are drawn with
replacement by ``np.random.randint`` (NumPy's global generator, as in the book).
"""
import numpy as np


def lecture_generator(data, lookback, delay, min_index, max_index, shuffle=False, batch_size=128, step=6):
    """The book's ``generator``: endless (samples, targets) float64 batches, target column 1."""
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = np.random.randint(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)
        samples = np.zeros((len(rows), lookback // step, data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(rows[j] - lookback, rows[j], step)
            samples[j] = data[indices]
            targets[j] = data[rows[j] + delay][1]
        yield samples, targets
