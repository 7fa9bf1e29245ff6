"""torchseq verify: its rows pass here, a row that differs fails with exit status 1 and names the tensor, --json
is machine-readable, Keras rows are skipped (not passed) without Keras, and options that need a GPU are refused
on the CPU. The command itself (--quick) runs in CI's main job."""
import json
import sys

import pytest
import torch

import torchseq as ts
from torchseq import verify
from torchseq.cli import main


@pytest.fixture
def tiny(monkeypatch):
    """The smallest shapes and two torch.nn layers, so that the command's logic is tested in a second."""
    monkeypatch.setattr(verify.Sizes, "of", classmethod(lambda cls, quick: cls(3, 5, 2, 3)))
    monkeypatch.setattr(verify, "TORCH_NN", {k: verify.TORCH_NN[k] for k in ("LSTM", "GRU reset_after")})
    monkeypatch.setattr(verify, "NO_TORCH_NN", ("peephole_lstm",))
    monkeypatch.setattr(verify, "CONVOLUTIONS", {k: verify.CONVOLUTIONS[k] for k in
                                                 ("Conv1D causal, dilation 4", "GlobalAvgPool1D")})
    monkeypatch.setattr(verify, "VARIANT_CELLS", {"CIFG": verify.VARIANT_CELLS["CIFG"]})


def test_every_row_passes_and_the_table_names_each(tiny, capsys):
    assert main(["verify", "--quick"]) == 0
    out = capsys.readouterr().out
    for words in ("| LSTM (1 layer) | torch.nn | float64, cpu |", "| GRU reset_after (2 layers, bidirectional) |",
                  "| float32, cpu |", "| peephole_lstm | NumPy equations, gradcheck, contract |", "| Greff CIFG |",
                  "| Conv1D causal, dilation 4 | torch.nn | float64, cpu |", "| GlobalAvgPool1D | torch.nn |",
                  "rows pass, 0 fail", "torchseq verify on torch " + torch.__version__):
        assert words in out, words


def test_a_row_that_differs_fails_the_command(tiny, monkeypatch, capsys):
    def off_by_a_little(module):
        ours = ts.interop.from_torch(module)
        with torch.no_grad():
            for p in list(ours.parameters())[:1]:                                   # pools have none
                p.view(-1)[0] += 1e-3
        return ours

    monkeypatch.setattr(verify, "from_torch", off_by_a_little)
    assert main(["verify", "--quick", "--dtype", "float64"]) == 1
    out = capsys.readouterr().out
    assert "**FAIL**" in out and "output[0] differs" in out and "0 fail" not in out
    assert "| Conv1D causal, dilation 4 | torch.nn | float64, cpu |" in out and "output differs" in out


def test_every_convolution_and_pool_equals_torch_nn_with_gradients():
    s = verify.Sizes.of(quick=True)
    rows = list(verify.convolution_rows(torch.device("cpu"), "float64", quick=True))
    assert [r.module for r in rows] == list(verify.CONVOLUTIONS) and s.L == 12
    assert all(r.passed and r.states is None and r.outputs < 1e-12 for r in rows), verify.table(rows)
    assert all(r.gradients < 1e-12 for r in rows)


def test_json_is_machine_readable(tiny, capsys):
    assert main(["verify", "--quick", "--dtype", "float32", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["passed"] is True and result["machine"]["torch"] == torch.__version__
    row = result["rows"][0]
    assert set(row) == {"module", "reference", "condition", "outputs", "states", "gradients", "tolerance", "passed",
                        "note"}
    assert row["condition"] == "float32, cpu" and row["outputs"] < row["tolerance"] == 1e-4


def test_without_keras_its_rows_are_skipped_not_passed(tiny, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "keras", None)                               # import keras -> ImportError
    rows = list(verify.keras_rows(quick=True))
    assert [r.passed for r in rows] == [None] and "Keras cannot be imported" in rows[0].note
    assert verify.passed(rows) and "skipped" in verify.table(rows)


def test_keras_rows_where_keras_is_installed(tiny):
    pytest.importorskip("keras")
    rows = list(verify.keras_rows(quick=True))
    assert [r.module for r in rows] == list(verify.KERAS)
    assert all(r.passed for r in rows), verify.table(rows)


@pytest.mark.parametrize("argv, words", [
    (["verify", "--dtype", "tf32"], "run on CUDA"),
    (["verify", "--dtype", "bfloat16"], "run on CUDA"),
])
def test_gpu_comparisons_are_refused_on_the_cpu(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_an_unknown_dtype_is_refused_by_argparse(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--dtype", "float16"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.cuda
def test_verify_on_cuda_passes_against_cudnn(capsys):
    assert main(["verify", "--quick", "--device", "cuda"]) == 0
    out = capsys.readouterr().out
    assert "cuDNN" in out and "float32 TF32, cuda" in out and "bfloat16, cuda" in out
