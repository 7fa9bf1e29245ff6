"""The naive-vs-variational dropout experiment, test-sized: it runs end to end and its curves are sound.
(The full-sized run and its numbers: `torchseq experiment dropout`, results in docs/RESULTS.md.)"""
import json
import math

from torchseq.cli import main
from torchseq.experiments.dropout import VARIANTS, DropoutExperiment, run_dropout_experiment, with_options


def test_quick_run_curves():
    cfg = DropoutExperiment.quick()
    result = run_dropout_experiment(cfg)
    assert set(result["variants"]) == set(VARIANTS)
    for name, v in result["variants"].items():
        run, = v["runs"]
        assert len(run["valid_mse"]) == len(run["train_mse"]) == cfg.epochs
        assert all(math.isfinite(m) for m in run["valid_mse"] + run["train_mse"])
        assert v["best_valid_mse_mean"] == min(run["valid_mse"]) and v["best_valid_mse_std"] == 0.0
    assert 0 < result["naive_forecast_valid_mse"][0] < 1
    again = run_dropout_experiment(cfg)
    def runs(r, name):
        return r["variants"][name]["runs"][0]["valid_mse"]

    assert runs(again, "variational") == runs(result, "variational")
    assert runs(result, "naive per-step") != runs(result, "variational")


def test_two_seeds_aggregate():
    result = run_dropout_experiment(with_options(DropoutExperiment.quick(), seeds=(0, 1), layer="SimpleRNN",
                                                 dropout=0.2))
    v = result["variants"]["variational"]
    best = [min(r["valid_mse"]) for r in v["runs"]]
    assert len(best) == 2 and abs(v["best_valid_mse_mean"] - sum(best) / 2) < 1e-12 and v["best_valid_mse_std"] > 0


def test_cli_quick_writes_results(tmp_path, capsys):
    assert main(["experiment", "dropout", "--quick", "--out", str(tmp_path)]) == 0
    assert "QUICK (test-sized) run" in capsys.readouterr().out
    result = json.loads((tmp_path / "dropout_experiment_quick.json").read_text())
    assert result["config"]["epochs"] == DropoutExperiment.quick().epochs
    assert (tmp_path / "dropout_experiment_quick.md").exists()
