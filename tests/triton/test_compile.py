"""Every launch configuration of every Triton kernel the dispatcher can choose -- each input type and product
precision -- compiles ahead of time for sm_80 (A100) and sm_90 (H100) on this machine without a GPU, fits the
target's shared memory and spills no register: the check behind the kernels' size limits (triton_lstm.MAX_HIDDEN*,
WARPS, launch_config, triton_lstm_steps.STEP_TILE). Both targets compile at once, one process each, in the
background from the moment the tests are collected."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.triton.compile_report import configurations, step_configurations

REPORT = Path(__file__).with_name("compile_report.py")
ROOT = REPORT.parents[2]
SHARED_MEMORY = {80: 166_912, 90: 232_448}          # bytes a block may use: A100 and H100 (opt-in maximum)


_RUNS = {}


def start_reports() -> dict:
    """{capability: (process, stdout file, stderr file)}: the report for each target, started once per session in
    the background (tests/conftest.py starts it as soon as the tests are collected, so that the two compiler
    processes overlap the rest of the suite)."""
    if not _RUNS:
        env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # compiled, not interpreted
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        for capability in SHARED_MEMORY:
            out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
            run = subprocess.Popen([sys.executable, str(REPORT), str(capability)], stdout=out, stderr=err, text=True,
                                   env=env, cwd=ROOT)
            _RUNS[capability] = (run, out, err)
    return _RUNS


@pytest.fixture(scope="module")
def reports():
    """The report's (exit status, stdout, stderr) for each target."""
    done = {}
    for capability, (run, out, err) in start_reports().items():
        returncode = run.wait(timeout=1800)
        out.seek(0)
        err.seek(0)
        done[capability] = (returncode, out.read(), err.read())
    return done


@pytest.mark.parametrize("capability", sorted(SHARED_MEMORY))
def test_every_configuration_fits_without_spills(capability, reports):
    returncode, out, err = reports[capability]
    assert returncode == 0, err[-3000:]
    rows = [json.loads(line) for line in out.splitlines()]
    expected = (10 * len(configurations()) + 2 * len(configurations(peephole=True))   # 7 cells' kernels, each way
                + 2 * len(configurations(layer_norm=True))
                + 8 * len(step_configurations()))                                     # the one-step kernels
    assert len(rows) == expected > 0
    for row in rows:
        assert row["shared"] <= SHARED_MEMORY[capability], row
        assert row["spill_stores"] == row["spill_loads"] == 0, row
