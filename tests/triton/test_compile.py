"""Every launch configuration of every Triton kernel the dispatcher can choose compiles ahead of time for sm_80
(A100) and sm_90 (H100) on this machine without a GPU, fits the target's shared memory and spills no register:
the check behind the kernels' size limits (triton_lstm.MAX_HIDDEN*, WARPS, launch_config,
triton_lstm_steps.STEP_TILE). Within CI's time the suite compiles every tile of every kernel for sm_90 (the
H100/H200 this project's GPU runs use) in float32 (strict products) and bfloat16; TORCHSEQ_FULL_COMPILE_CHECK=1
adds sm_80, float32 with TF32 products and float16 (four times the compiles: about ten CPU-minutes cold on the
project's VM). The compiler processes run in the background from the moment the tests are collected."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.triton.compile_report import configurations, step_configurations

FULL = os.environ.get("TORCHSEQ_FULL_COMPILE_CHECK") == "1"

REPORT = Path(__file__).with_name("compile_report.py")
ROOT = REPORT.parents[2]
SHARED_MEMORY = {80: 166_912, 90: 232_448}          # bytes a block may use: A100 and H100 (opt-in maximum)
TARGETS = sorted(SHARED_MEMORY) if FULL else [90]


_RUNS = {}


def start_reports() -> dict:
    """{capability: (process, stdout file, stderr file)}: the report for each target, started once per session in
    the background (tests/conftest.py starts it as soon as the tests are collected, so that the two compiler
    processes overlap the rest of the suite)."""
    if not _RUNS:
        env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # compiled, not interpreted
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        for capability in TARGETS:
            out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
            command = [sys.executable, str(REPORT), str(capability), *([] if FULL else ["--suite"])]
            run = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env, cwd=ROOT)
            _RUNS[capability] = (run, out, err)
    return _RUNS


@pytest.fixture(scope="module")
def reports():
    """The report's (exit status, stdout, stderr) for each target."""
    done = {}
    for capability, (run, out, err) in start_reports().items():
        returncode = run.wait(timeout=1800)
        with out, err:
            out.seek(0)
            err.seek(0)
            done[capability] = (returncode, out.read(), err.read())
    return done


@pytest.mark.parametrize("capability", TARGETS)
def test_every_configuration_fits_without_spills(capability, reports):
    returncode, out, err = reports[capability]
    assert returncode == 0, err[-3000:]
    rows = [json.loads(line) for line in out.splitlines()]
    expected = (10 * len(configurations(full=FULL)) + 2 * len(configurations(peephole=True, full=FULL))
                + 2 * len(configurations(layer_norm=True, full=FULL))                # 7 cells' kernels, each way
                + 8 * len(step_configurations(FULL)))                                 # the one-step kernels
    assert len(rows) == expected > 0
    for row in rows:
        assert row["shared"] <= SHARED_MEMORY[capability], row
        assert row["spill_stores"] == row["spill_loads"] == 0, row
