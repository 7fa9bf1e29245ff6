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
