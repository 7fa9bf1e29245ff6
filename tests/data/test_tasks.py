"""The adding problem, the recall task and the sequential digits: shapes, targets recomputed independently from
the inputs, seeding, the yardsticks the experiment quotes, and refusals."""
import pytest
import torch

from torchseq.data.digits import digits_shape, sequential_digits
from torchseq.data.tasks import adding_problem, recall_task


def test_adding_problem_targets_are_the_sum_of_the_two_marked_values():
    x, y = adding_problem(500, 12, seed=3)
    assert x.shape == (500, 12, 2) and y.shape == (500, 1) and x.dtype == y.dtype == torch.float32
    markers = x[:, :, 1]
    assert torch.equal(markers.sum(1), torch.full((500,), 2.0))
    assert torch.all(markers[:, :6].sum(1) == 1) and torch.all(markers[:, 6:].sum(1) == 1)    # one in each half
    torch.testing.assert_close(y[:, 0], (x[:, :, 0] * markers).sum(1))
    assert torch.equal(adding_problem(500, 12, seed=3)[0], x) and not torch.equal(adding_problem(500, 12, 4)[0], x)


def test_predicting_one_scores_a_sixth():
    _, y = adding_problem(200_000, 10, seed=0)
    assert abs(float(((y - 1) ** 2).mean()) - 1 / 6) < 3e-3                    # Var(u1 + u2) = 2/12


def test_recall_task_reads_the_symbols_back_from_the_input():
    x, y = recall_task(64, symbols=3, classes=5, delay=4, seed=1)
    assert x.shape == (64, 3 + 4 + 1, 7) and y.shape == (64, 3) and y.dtype == torch.int64
    assert torch.equal(x[:, :3, :5].argmax(2), y) and torch.all(x[:, :3, 5:] == 0)
    assert torch.all(x[:, 3:7, 5] == 1) and torch.all(x[:, 7, 6] == 1)
    assert torch.equal(x.sum(2), torch.ones(64, 8))                               # one hot at every step


@pytest.mark.parametrize("call, error, words", [
    (lambda: adding_problem(0, 10), ValueError, "n must be a positive int"),
    (lambda: adding_problem(5, 1), ValueError, "length must be at least 2"),
    (lambda: adding_problem(5, 10, seed=-1), ValueError, "seed"),
    (lambda: recall_task(5, classes=1), ValueError, "classes must be at least 2"),
    (lambda: recall_task(5, delay=-1), ValueError, "delay"),
    (lambda: recall_task(5, symbols=2.5), TypeError, "symbols"),
    (lambda: sequential_digits("column"), ValueError, "by"),
])
def test_bad_arguments_are_refused(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_sequential_digits_from_scikit_learn():
    sklearn = pytest.importorskip("sklearn.datasets")
    (x, y), (xv, yv) = sequential_digits("pixel")
    assert x.shape == (1300, 64, 1) and xv.shape == (497, 64, 1) and digits_shape("pixel") == (64, 1)
    assert 0 <= float(x.min()) and float(x.max()) == 1.0 and set(y.tolist()) == set(range(10))
    images = torch.from_numpy(sklearn.load_digits().images).float() / 16            # (1797, 8, 8)
    both = torch.cat((x, xv)).reshape(-1, 8, 8)
    assert sorted(map(tuple, both.reshape(-1, 64).tolist())) == sorted(map(tuple, images.reshape(-1, 64).tolist()))
    (r, _), _ = sequential_digits("row")
    assert r.shape == (1300, 8, 8) and torch.equal(r.reshape(-1, 64, 1), x)          # the same seeded split
    with pytest.raises(ValueError, match="n_valid must leave training images"):
        sequential_digits(n_valid=1797)


def test_without_scikit_learn_the_digits_say_what_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        sequential_digits()
