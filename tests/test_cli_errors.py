"""Every user error on the command line is one argparse-style line naming the flag or file, with exit status 2;
a run that diverges is one line with status 1; ``--debug`` shows the traceback instead."""
import json

import pytest
import torch

from torchseq.cli import main


def _status(argv):
    """main's exit status, whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as done:
        return done.code


@pytest.mark.parametrize("flags,message", [
    (["train", "--epochs", "0"], "argument --epochs: expected an int >= 1, got 0"),
    (["train", "--epochs", "2.5"], "argument --epochs: expected an int >= 1, got '2.5'"),
    (["train", "--batch-size", "0"], "argument --batch-size: expected an int >= 1, got 0"),
    (["train", "--lr", "nan"], "argument --lr: expected a finite number > 0, got 'nan'"),
    (["train", "--lr", "fast"], "argument --lr: expected a finite number > 0, got 'fast'"),
    (["train", "--clip", "-1"], "argument --clip: expected a finite number > 0, got -1"),
    (["train", "--dropout", "1"], "argument --dropout: expected a rate in [0, 1), got 1"),
    (["train", "--seed", "-3"], "argument --seed: expected an int >= 0, got -3"),
    (["train", "--hidden", "0"], "argument --hidden: expected an int >= 1, got 0"),
    (["experiment", "dropout", "--epochs", "-1"], "argument --epochs: expected an int >= 1, got -1"),
    (["reproduce", "geron15", "--epochs", "0"], "argument --epochs: expected an int >= 1, got 0"),
    (["demo", "--seed", "x"], "argument --seed: expected an int >= 0, got 'x'"),
])
def test_bad_flag_values_are_argparse_errors(flags, message, capsys):
    assert _status(flags) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_inputs_refused_by_torchseq_are_one_line(tmp_path, capsys):
    out = ["--out", str(tmp_path / "run"), "--quick", "--quiet"]
    cases = {
        "--data names the file of --dataset jena, prices or imdb": ["train", "--data", "prices.csv", *out],
        "--column only apply to --dataset prices": ["train", "--column", "Low", *out],
        f"{tmp_path / 'missing.csv'}": ["train", "--dataset", "prices", "--data", str(tmp_path / "missing.csv"), *out],
    }
    (tmp_path / "empty.pt").write_bytes(b"")
    cases[f"{tmp_path / 'empty.pt'} is not a torchseq checkpoint: the file is empty"] = [
        "train", "--resume", str(tmp_path / "empty.pt"), *out]
    (tmp_path / "cut.tar.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    cases[f"{tmp_path / 'cut.tar.gz'} is not a complete, undamaged tar archive"] = [
        "train", "--dataset", "imdb", "--data", str(tmp_path / "cut.tar.gz"), *out]
    for message, argv in cases.items():
        assert _status(argv) == 2, message
        err = capsys.readouterr().err
        assert err.startswith("torchseq train: error: ") and message in err and err.count("\n") == 1, err


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(ValueError, match="the file is empty"):
        main(["--debug", "train", "--quick", "--quiet", "--resume", str(tmp_path / "empty.pt"),
              "--out", str(tmp_path / "run")])


def test_a_diverging_run_is_one_line_with_status_1(tmp_path, capsys):
    argv = ["train", "--quick", "--quiet", "--optimizer", "sgd", "--lr", "1e30", "--model", "simple_rnn",
            "--out", str(tmp_path / "run")]
    assert _status(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("torchseq train: error: ") and "not finite" in err or "is nan" in err or "is inf" in err


def test_resume_takes_a_new_lr_and_braces_in_out_are_text(tmp_path):
    out = tmp_path / "run {a}"
    base = ["train", "--quick", "--quiet", "--model", "gru", "--hidden", "4", "--out", str(out)]
    assert main(base) == 0
    assert main([*base, "--resume", str(out / "checkpoint.pt"), "--lr", "0.5"]) == 0
    history = (out / "history.csv").read_text()
    assert ",0.5," not in history                                                # nothing left to train at epoch 2
    first = torch.load(out / "checkpoint.pt", weights_only=False)
    assert first["epoch"] == 2 and sorted(p.name for p in out.iterdir()) == [
        "checkpoint.pt", "history.csv", "history.png", "run.json", "summary.json"]


def test_patience_checkpoint_holds_the_reported_best_epoch(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--quick", "--quiet", "--model", "lstm", "--hidden", "4", "--optimizer", "sgd",
                 "--lr", "1", "--patience", "1", "--out", str(out)]) == 0             # lr 1: epoch 2 is worse
    summary = json.loads((out / "summary.json").read_text())
    saved = torch.load(out / "checkpoint.pt", weights_only=False)
    assert summary["epochs"] == 2 and saved["epoch"] == summary["checkpoint_epoch"] == summary["best_epoch"] == 1
    assert "checkpoint.pt (epoch 1, the best, restored)" in capsys.readouterr().out
