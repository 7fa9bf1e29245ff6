"""The LSTM-variants experiment, test-sized: every task and variant runs end to end, runs repeat exactly, the
verdict rule is the stated one, the table and figure carry what they claim, and the command line writes them.
(The full run and its numbers: `torchseq experiment odyssey`, results in docs/RESULTS.md.)"""
import json
import math
from dataclasses import replace

import pytest

from torchseq.cli import main
from torchseq.cells.variants import VARIANTS
from torchseq.experiments.odyssey import PAPER, OdysseyExperiment, figure, markdown, run_odyssey, verdict

TASKS = ("adding", "recall")          # digits needs scikit-learn: tested where it is installed


@pytest.fixture(scope="module")
def result():
    return run_odyssey(replace(OdysseyExperiment.quick(), tasks=TASKS, epochs=1))


def test_every_variant_runs_on_every_task(result):
    cfg = OdysseyExperiment.quick()
    for task in TASKS:
        entry = result["tasks"][task]
        assert list(entry["variants"]) == list(VARIANTS)
        for name, v in entry["variants"].items():
            finals = [run["valid"][-1] for run in v["runs"]]
            assert len(finals) == len(cfg.seeds) and all(math.isfinite(f) for f in finals)
            assert abs(v["mean"] - sum(finals) / len(finals)) < 1e-12
            assert v["verdict"] in ("-", "same", "worse", "better") and (v["verdict"] == "-") == (name == "V")
    assert result["tasks"]["recall"]["metric"] == "accuracy" and result["tasks"]["adding"]["chance"] == 1 / 6


def test_a_run_repeats_exactly_and_variants_differ(result):
    again = run_odyssey(replace(OdysseyExperiment.quick(), tasks=("adding",), variants=("V", "CIFG"), epochs=1))
    for name in ("V", "CIFG"):
        assert again["tasks"]["adding"]["variants"][name]["runs"][0]["valid"] == \
            result["tasks"]["adding"]["variants"][name]["runs"][0]["valid"]
    assert result["tasks"]["adding"]["variants"]["V"]["mean"] != result["tasks"]["adding"]["variants"]["NOAF"]["mean"]


@pytest.mark.parametrize("mean, std, metric, expected", [
    (0.50, 0.01, "accuracy", "same"), (0.60, 0.01, "accuracy", "better"), (0.40, 0.01, "accuracy", "worse"),
    (0.40, 0.01, "mse", "better"), (0.60, 0.30, "accuracy", "same")])
def test_verdict_is_two_standard_errors_from_vanilla(mean, std, metric, expected):
    vanilla = {"mean": 0.5, "std": 0.01}
    assert verdict({"mean": mean, "std": std}, vanilla, metric, 3) == expected


def test_table_and_figure(result):
    text = markdown(result)
    for name in VARIANTS:
        assert f"| {name} |" in text
    assert all(PAPER[name] in text for name in PAPER)
    assert "adding, val MSE (lower better)" in text and "two standard errors" in text
    fig = figure(result, quick=True)
    assert len(fig.axes) == len(TASKS)
    from torchseq import plotting
    assert plotting.is_quick(fig)


def test_digits_task_where_scikit_learn_is_installed():
    pytest.importorskip("sklearn")
    out = run_odyssey(replace(OdysseyExperiment.quick(), tasks=("digits",), variants=("V",), seeds=(0,), epochs=1))
    assert out["tasks"]["digits"]["chance"] == 0.1 and "Alpaydin" in out["digits_source"]


def test_variants_must_include_vanilla():
    with pytest.raises(ValueError, match="must include V"):
        run_odyssey(replace(OdysseyExperiment.quick(), variants=("CIFG",)))


def test_cli_quick_writes_results(tmp_path, capsys):
    assert main(["experiment", "odyssey", "--quick", "--tasks", "recall", "--variants", "NFG", "--seeds", "0",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "QUICK (test-sized) run" in out and "| NFG |" in out and "[2/2] recall, NFG, seed 0" in out
    saved = json.loads((tmp_path / "odyssey_quick.json").read_text())
    assert saved["config"]["variants"] == ["V", "NFG"] and (tmp_path / "odyssey_quick.png").is_file()


def test_cli_refuses_the_other_experiments_options(capsys):
    assert main(["experiment", "odyssey", "--quick", "--layer", "GRU"]) == 2
    assert "--layer belongs to another experiment, not odyssey" in capsys.readouterr().err
    assert main(["experiment", "dropout", "--quick", "--tasks", "adding"]) == 2
    assert "--tasks belongs to another experiment, not dropout" in capsys.readouterr().err
