"""Every launch configuration of every Triton kernel the dispatcher can choose compiles ahead of time for sm_80 (A100) and sm_90
(H100) on this machine without a GPU, fits the target's shared memory and spills no register -- the check
behind the kernels' size limits (triton_lstm.MAX_HIDDEN, WARPS)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from torchseq.fast.triton_lstm import DTYPES, launch_configs

REPORT = Path(__file__).with_name("compile_report.py")
ROOT = REPORT.parents[2]
SHARED_MEMORY = {80: 166_912, 90: 232_448}          # bytes a block may use: A100 and H100 (opt-in maximum)


@pytest.mark.parametrize("capability", sorted(SHARED_MEMORY))
def test_every_configuration_fits_without_spills(capability):
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # compiled, not interpreted
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, str(REPORT), str(capability)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    expected = len(DTYPES) * (10 * len(launch_configs()) + 2 * len(launch_configs(peephole=True)))
    assert len(rows) == expected > 0                                                # 6 cells' kernels, each way
    for row in rows:
        assert row["shared"] <= SHARED_MEMORY[capability], row
        assert row["spill_stores"] == row["spill_loads"] == 0, row
