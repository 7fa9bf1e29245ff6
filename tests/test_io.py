"""Atomic writes: the file appears whole or not at all, with the permissions a plain open would give."""
import os
import stat

import pytest

from torchseq._io import atomic_file, write_atomic
from torchseq.train.checkpoint import save_atomic


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.md", "text")
        save_atomic({"x": 1}, tmp_path / "c.pt")
        with open(tmp_path / "plain", "w") as f:
            f.write("text")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.md") == _mode(tmp_path / "plain") == 0o644
    assert _mode(tmp_path / "c.pt") == 0o644


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "result.json"
    write_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]
