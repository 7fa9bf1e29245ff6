"""The processor a measurement ran on, for the records that benchmarks and reproductions write."""
from __future__ import annotations

import platform
from pathlib import Path


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's name (Linux's /proc/cpuinfo "model name", e.g. "AMD EPYC"), else what ``platform``
    knows: the same library calls (MKL's, oneDNN's) rank differently on different processors."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
