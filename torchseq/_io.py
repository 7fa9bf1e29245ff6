"""Small file helpers: results, checkpoints and downloads are written atomically, so an interrupted run never
leaves a file that looks complete."""
from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator, Union


@contextlib.contextmanager
def atomic_file(path: Union[str, Path], mode: str = "w", suffix: str = ".tmp") -> Iterator[IO]:
    """Yield a temporary file beside ``path``; rename it onto ``path`` only when the block completes.

    The rename is atomic on POSIX. If the block raises, the temporary file is removed and ``path`` is left
    as it was. The file gets the permissions a plain ``open`` would give (0o666 less the umask), not the
    0o600 of ``mkstemp``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        with open(tmp, mode) as f:  # f.name is the temporary path, for checks before the rename
            yield f
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_leftovers(path: Union[str, Path], suffix: str = ".tmp") -> None:
    """Delete the temporary files that :func:`atomic_file` writes beside ``path`` and that a killed process
    left behind (``.<name>.<random><suffix>``); ``path`` itself is never touched."""
    path = Path(path)
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*{suffix}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def write_atomic(path: Union[str, Path], text: str) -> None:
    """Write text to a temporary file beside ``path``, then rename it into place."""
    with atomic_file(path) as f:
        f.write(text)


def _umask() -> int:
    """The process umask (reading it means setting it; it is put straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
