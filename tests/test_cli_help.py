"""The command line speaks plain text: --version, defaults in --help, the rows --only takes, and quick runs that
fall back to labelled stand-ins the same way in `train` and `reproduce`."""
import json
import platform

import pytest
import torch

import torchseq
from torchseq.cli import build_parser, main
from torchseq.reproduce import NAMES
from torchseq.reproduce.command import _rows
from torchseq.reproduce.report import Result, markdown


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == (f"torchseq {torchseq.__version__} (torch {torch.__version__}, "
                                               f"Python {platform.python_version()})")


@pytest.mark.parametrize("command", ["", "demo", "experiment", "train", "reproduce", "bench"])
def test_help_is_plain_text_and_shows_defaults(command, capsys):
    with pytest.raises(SystemExit):
        main([*command.split(), "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":class:" not in text and ":func:" not in text
    parser = build_parser()
    sub = parser if not command else parser._subparsers._group_actions[0].choices[command]
    for action in sub._actions:
        if action.help and action.option_strings and action.default not in (None, False, "==SUPPRESS=="):
            flag = action.option_strings[-1]
            assert flag in text
            assert "default" in action.help or f"(default: {action.default})" in " ".join(text.split()), flag
        if action.option_strings and action.option_strings[0] not in ("-h", "--version"):
            assert action.help, f"{command} {action.option_strings} has no help"


def test_only_lists_every_row_of_every_reproduction(capsys):
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in NAMES:
        assert f"{name}: {' '.join(_rows(name))}" in text


def test_quick_tables_say_not_applicable_rather_than_no():
    rows = [Result("a", "val MSE", 0.5, 0.01, 2, 1.0, "cpu"), Result("b", "val MSE", 0.001, 0.01, 2, 1.0, "cpu")]
    assert "| no |" in markdown(rows, "T") and "| yes |" in markdown(rows, "T")
    quick = markdown(rows, "T", quick=True)
    assert quick.count("| n/a (quick) |") == 2 and "| no |" not in quick and "| yes |" not in quick


@pytest.mark.parametrize("dataset,stand_in", [("jena", "jena_sample"), ("prices", "price_sample"),
                                              ("imdb", "review_sample")])
def test_train_quick_without_data_uses_the_labelled_stand_in_as_reproduce_does(dataset, stand_in, tmp_path, capsys,
                                                                              monkeypatch):
    monkeypatch.setenv("TORCHSEQ_CACHE", str(tmp_path / "empty-cache"))              # nothing cached: offline
    out = tmp_path / "run"
    flags = ["--hidden", "4", "--steps-per-epoch", "2"] + (["--model", "simple_rnn"] if dataset == "imdb" else [])
    assert main(["train", "--dataset", dataset, "--quick", "--quiet", "--out", str(out), *flags]) == 0
    label = f"generated stand-in (torchseq.data.{stand_in}), not {dataset}"
    assert label in capsys.readouterr().out
    assert json.loads((out / "summary.json").read_text())["data"] == label
    if dataset != "jena":                                                        # jena downloads when not quick
        assert main(["train", "--dataset", dataset, "--out", str(tmp_path / "full")]) == 2
        assert f"--dataset {dataset} needs --data" in capsys.readouterr().err
