"""Where the commands write: one run folder each under ./torchseq-runs/<command>/, never over a run without
--overwrite, never emptying a folder that is not a run, and the path printed at the end."""
import json
import re

import pytest

from torchseq import _runs
from torchseq.cli import main


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_folders_are_named_by_what_and_when_and_never_collide(in_tmp):
    first = _runs.run_folder("train", "synthetic_lstm")
    second = _runs.run_folder("train", "synthetic_lstm")
    assert first != second and first.parent == second.parent == _runs.ROOT / "train"
    assert re.fullmatch(r"synthetic_lstm-\d{8}-\d{6}", first.name)
    assert re.fullmatch(r"synthetic_lstm-\d{8}-\d{6}(-2)?", second.name)
    record = json.loads((first / "run.json").read_text())
    assert record["command"] == "train" and {"argv", "started", "torchseq", "torch", "python"} <= set(record)


def test_a_named_run_is_refused_then_replaced_with_overwrite(in_tmp):
    folder = _runs.run_folder("reproduce", "geron15", name="mine")
    assert folder == _runs.ROOT / "reproduce" / "mine"
    (folder / "old.md").write_text("old")
    with pytest.raises(ValueError, match="already holds a run; pass --overwrite to replace it"):
        _runs.run_folder("reproduce", "geron15", name="mine")
    assert (folder / "old.md").exists()
    assert _runs.run_folder("reproduce", "geron15", name="mine", overwrite=True) == folder
    assert sorted(p.name for p in folder.iterdir()) == ["run.json"]


def test_a_folder_that_is_not_a_run_is_never_emptied(in_tmp):
    mine = in_tmp / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match="holds files that are not a torchseq run; choose a new or empty folder"):
            _runs.run_folder("train", "x", out=mine, overwrite=overwrite)
    assert (mine / "chapter1.tex").read_text() == "precious"
    (in_tmp / "file").write_text("")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        _runs.run_folder("train", "x", out=in_tmp / "file")


def test_resuming_inside_a_run_continues_it(in_tmp):
    folder = _runs.run_folder("train", "x", name="long")
    (folder / "checkpoint.pt").write_bytes(b"ckpt")
    assert _runs.run_folder("train", "x", name="long", continues=folder / "checkpoint.pt") == folder
    assert (folder / "checkpoint.pt").read_bytes() == b"ckpt"


@pytest.mark.parametrize("name", ["a/b", "", "..", "."])
def test_name_must_be_a_plain_folder_name(in_tmp, name):
    with pytest.raises(ValueError, match="--name must be a plain folder name"):
        _runs.run_folder("train", "x", name=name)
    with pytest.raises(ValueError, match="give --name .* or --out .*, not both"):
        _runs.run_folder("train", "x", name="a", out=in_tmp / "b")


def test_commands_write_under_torchseq_runs_and_say_where(in_tmp, capsys):
    assert main(["train", "--quick", "--quiet", "--model", "gru", "--hidden", "4", "--name", "first"]) == 0
    out = capsys.readouterr().out
    folder = in_tmp / "torchseq-runs" / "train" / "first"
    assert f"results in {_runs.ROOT / 'train' / 'first'}/" in out
    assert {"checkpoint.pt", "history.csv", "summary.json", "run.json"} <= {p.name for p in folder.iterdir()}
    assert main(["train", "--quick", "--quiet", "--model", "gru", "--hidden", "4", "--name", "first"]) == 2
    assert "already holds a run; pass --overwrite" in capsys.readouterr().err
    assert main(["reproduce", "geron15", "--quick", "--quiet", "--only", "naive"]) == 0
    (made,) = (in_tmp / "torchseq-runs" / "reproduce").iterdir()
    assert re.fullmatch(r"geron15_quick-\d{8}-\d{6}", made.name) and (made / "geron15_quick.md").exists()
    assert f"results in {_runs.ROOT / 'reproduce' / made.name}/" in capsys.readouterr().out


def test_bench_names_each_script_and_every_file_it_writes(in_tmp, capsys):
    assert main(["bench", "--quick", "--name", "b", "windows_vs_generator"]) == 0
    out = capsys.readouterr().out
    folder = _runs.ROOT / "bench" / "b"
    assert "bench: 1 script (quick shapes); results go to torchseq-runs/bench/b/" in out
    assert "[1/1] windows_vs_generator: $ " in out
    assert f"[1/1] windows_vs_generator: wrote {folder / 'windows_vs_generator_quick.json'}, " in out
    assert (in_tmp / folder / "windows_vs_generator_quick.md").exists()
    assert main(["bench", "--save-results", "--quick", "windows_vs_generator"]) == 2
    assert "--save-results writes the maintained tables" in capsys.readouterr().err


def test_reproduce_reports_each_row_as_it_goes(in_tmp, capsys):
    assert main(["reproduce", "geron15", "--quick", "--only", "naive", "linear", "--epochs", "1", "--name", "r"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "reproduce geron15 (QUICK smoke run): 2 rows; results go to torchseq-runs/reproduce/r/"
    assert lines[1].startswith("[1/2] naive: last value: val MSE, next value 0.020211")
    assert lines[2] == "training linear: Flatten -> Dense(1): 1 epoch on cpu"
    assert lines[3].startswith("epoch 1/1 - loss ") and lines[4].startswith("[2/2] linear: Flatten -> Dense(1): ")
    assert main(["reproduce", "geron15", "--quick", "--quiet", "--only", "naive", "--name", "q"]) == 0
    assert capsys.readouterr().out.startswith("### Hands-On ML ch. 15")                 # --quiet: the table only
