"""Every launch configuration of every Triton kernel the dispatcher can choose -- each input type and product
precision -- compiles ahead of time for sm_80 (A100) and sm_90 (H100) on this machine without a GPU, fits the
target's shared memory and spills no register: the check behind the kernels' size limits (triton_lstm.MAX_HIDDEN*,
WARPS, launch_config, triton_lstm_steps.STEP_TILE). Both targets compile at once, one process each."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.triton.compile_report import configurations, step_configurations

REPORT = Path(__file__).with_name("compile_report.py")
ROOT = REPORT.parents[2]
SHARED_MEMORY = {80: 166_912, 90: 232_448}          # bytes a block may use: A100 and H100 (opt-in maximum)


@pytest.fixture(scope="module")
def reports():
    """The report's rows for each target, both compiled concurrently."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # compiled, not interpreted
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    runs = {capability: subprocess.Popen([sys.executable, str(REPORT), str(capability)], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
            for capability in SHARED_MEMORY}
    done = {capability: (run.communicate(timeout=900), run.returncode) for capability, run in runs.items()}
    return {capability: (rc, out, err) for capability, ((out, err), rc) in done.items()}


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
