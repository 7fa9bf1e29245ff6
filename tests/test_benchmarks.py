"""The benchmark scripts' shared command line (benchmarks/timing.py): results written after every row, so a
run cut short by a time limit keeps what it finished; --only picks configurations by position; and one
script end to end on a tiny configuration."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from torchseq._machine import cpu_model

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def timing(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import timing
    return timing


def fake_table(rows, info, repeats):
    return f"{len(rows)} rows: " + ", ".join(str(r["config"]) for r in rows)


def test_rows_are_on_disk_as_they_come(timing, tmp_path, monkeypatch):
    def run(configs, repeats, warmup, device):
        yield {"config": list(configs[0])}
        assert (tmp_path / "fake_cpu_only-2-0.md").read_text() == "1 rows: [3]"   # written before the next row
        yield {"config": list(configs[1])}
        raise RuntimeError("the time limit")

    monkeypatch.setattr(sys, "argv", ["fake", "--only", "2", "0", "--out", str(tmp_path), "--device", "cpu"])
    with pytest.raises(RuntimeError, match="the time limit"):
        timing.bench_main("fake", "fake", run, fake_table, [(1,), (2,), (3,)], [(9,)])
    saved = json.loads((tmp_path / "fake_cpu_only-2-0.json").read_text())
    assert saved["rows"] == [{"config": [3]}, {"config": [1]}] and saved["machine"]["device"] == "cpu"
    assert (tmp_path / "fake_cpu_only-2-0.md").read_text() == "2 rows: [3], [1]"


def test_only_must_name_positions_of_the_list(timing, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["fake", "--quick", "--only", "1", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as stop:
        timing.bench_main("fake", "fake", None, fake_table, [(1,), (2,)], [(9,)])
    assert stop.value.code == 2
    assert "--only takes positions 0..0 of the configurations; got [1]" in capsys.readouterr().err



@pytest.fixture
def tf32_flags():
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def test_machine_names_the_processor(timing):
    assert timing.machine(torch.device("cpu"))["processor"] == cpu_model()


def test_tf32_choice_sets_both_alike_or_leaves_the_defaults(timing, tf32_flags):
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = True, False   # PyTorch's defaults
    timing.set_tf32("default")
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == (True, False)
    timing.set_tf32("on")
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == (True, True)
    timing.set_tf32("off")
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == (False, False)
    with pytest.raises(ValueError, match="tf32 must be 'default', 'off' or 'on', got 'maybe'"):
        timing.set_tf32("maybe")


def test_tf32_choice_names_the_files(timing, tmp_path, monkeypatch, tf32_flags):
    monkeypatch.setattr(sys, "argv", ["fake", "--tf32", "off", "--out", str(tmp_path), "--device", "cpu"])
    timing.bench_main("fake", "fake", lambda configs, *_: iter([{"config": [1]}]), fake_table, [(1,)], [(9,)])
    assert (tmp_path / "fake_cpu_tf32-off.md").read_text() == "1 rows: [1]"
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == (False, False)


def test_recurrent_table_on_cuda_rows(monkeypatch):
    """The GPU columns of recurrent_vs_torch's table, from rows shaped as a CUDA run writes them (one capture
    failed): graphed and bf16 ratios, graphed variants in brackets, the failure named under the tables."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import recurrent_vs_torch as bench
    stats = {"forward": {"median_ms": 2.0, "iqr_ms": 0.1}, "backward": {"median_ms": 3.0, "iqr_ms": 0.2}}
    row = {"kind": "LSTM", "T": 100, "N": 64, "C": 512, "H": 512, "torch.nn": stats, "torchseq": stats,
           "ratio": 3.5, "ratio_readable": 8.2, "ratio_bf16": 4.5, "ratio_graphed": 1.04, "ratio_eager": 3.6,
           "kernel": "torchseq.fast.triton_lstm.TritonLSTMFunction", "graph_errors": {"torchseq graphed bf16": "RuntimeError: capture"},
           "ratio_dropout": 1.12, "ratio_dropout_graphed": 1.19, "ratio_peephole": 1.13,
           "ratio_layer_norm": 1.62, "ratio_layer_norm_graphed": 1.32,
           "saved_bytes": {"torchseq": 2**20, "torch.nn": 2 * 2**20}, "peak_bytes": {"torchseq": 85, "torch.nn": 100}}
    info = {"date": "2026-11-23", "device": "cuda", "gpu": "H100", "processor": "x86_64", "cpu_count": 16, "torch_threads": 16,
            "torch": "2.11", "cudnn": 91900, "cudnn_tf32": True, "matmul_tf32": False}
    table = bench.markdown([row], info, 20)
    assert "TF32 in cuDNN on, in matrix products off" in table
    assert "| **3.50x** | 8.20x | 1.04x | 4.50x | capture failed | 3.60x | TritonLSTMFunction |" in table
    assert "| 1.12x (1.19x) | 1.13x | 1.62x (1.32x) | 1.0 / 2.0 MiB | 0.85x |" in table
    assert "- LSTM 100/64/512/512 torchseq graphed bf16: RuntimeError: capture" in table

def test_a_script_end_to_end(tmp_path):
    done = subprocess.run([sys.executable, str(BENCHMARKS / "dropout_overhead.py"), "--quick", "--only", "0",
                           "--repeats", "4", "--warmup", "0", "--device", "cpu", "--out", str(tmp_path)],
                          cwd=BENCHMARKS.parent, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(BENCHMARKS.parent)))
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "dropout_overhead_cpu_quick_only-0.json").read_text())["rows"]
    assert [(r["kind"], r["T"], r["H"]) for r in rows] == [("LSTM", 50, 32), ("GRU", 50, 32), ("GRU reset_after", 50, 32)]
    assert all(r["ratio per-gate"] > 0 and r["none"]["median_ms"] > 0 for r in rows)


def session(tmp_path, *stages):
    env = dict(os.environ, OUT=str(tmp_path / "out"), DEVICE="cpu", QUICK="1", IMDB=str(tmp_path / "absent.tar.gz"),
               PYTHON=sys.executable, STEP_TIMEOUT="120")
    return subprocess.run(["bash", str(BENCHMARKS / "gpu_session.sh"), *stages], capture_output=True, text=True, env=env)


def test_gpu_session_script_runs_its_stages_on_a_cpu(tmp_path):
    done = session(tmp_path, "check", "imdb")
    assert done.returncode == 0, done.stderr
    summary = (tmp_path / "out" / "summary.txt").read_text()
    assert "== cuda-tests: exit 0 after" in summary and "== demo: exit 0 after" in summary
    assert "== imdb: no archive at" in summary
    machine = (tmp_path / "out" / "env.txt").read_text()
    junit = (tmp_path / "out" / "cuda_tests.xml").read_text()
    if torch.cuda.is_available():                                           # the suite run on a lent GPU machine
        assert "GPU " in machine and 'failures="0"' in junit and 'errors="0"' in junit
    else:
        assert "no CUDA device visible" in machine
        assert 'skipped="0"' not in junit and "needs a CUDA device" in junit      # the CUDA tests were collected


def test_gpu_session_script_refuses_unknown_stages(tmp_path):
    assert session(tmp_path).returncode == 2
    done = session(tmp_path, "benchmark")
    assert done.returncode == 2 and "unknown stage benchmark" in done.stderr


def test_the_imdb_epoch_benchmark_compares_the_same_model(monkeypatch):
    """benchmarks/imdb_epoch.py: its torch.nn twin computes what the torchseq model does (same weights), and a
    tiny run yields one row per model with both libraries' epoch times and their ratio."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import imdb_epoch
    for name, make in imdb_epoch.MODELS.items():
        model = make().eval()
        x = torch.randint(1, 10_000, (3, 7))
        torch.testing.assert_close(imdb_epoch.TorchReader(imdb_epoch._copy(model))(x), model(x), rtol=1e-5,
                                   atol=1e-6, msg=name)
    monkeypatch.setattr(imdb_epoch, "WARMUP_BATCHES", 1)
    [row] = imdb_epoch.run(["lstm"], {"reviews": 130, "words": 4}, torch.device("cpu"), epochs=1)
    assert row["model"] == "lstm" and row["torchseq eager"] > 0 and row["torch.nn eager"] > 0
    assert row["ratio eager"] == row["torchseq eager"] / row["torch.nn eager"]
