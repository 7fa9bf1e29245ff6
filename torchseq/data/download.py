"""Files fetched on first use into a cache directory, atomically and checked.

The cache directory is ``$TORCHSEQ_CACHE`` when set, else ``~/.cache/torchseq``, or the ``cache_dir`` a
loader is given. A download goes to a temporary file beside its destination and is renamed into place only
after it was read completely and passed its check, so an interrupted or corrupt download never leaves a
file that looks valid.
"""
from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path
from typing import Callable, Optional, Union

from torchseq._io import atomic_file

CACHE_ENV = "TORCHSEQ_CACHE"


def cache_dir(override: Optional[Union[str, Path]] = None) -> Path:
    """``override``, else $TORCHSEQ_CACHE, else ~/.cache/torchseq (created if missing)."""
    path = Path(override or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "torchseq").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256(path: Union[str, Path]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, destination: Path, check: Callable[[Path], None], expected_sha256: Optional[str] = None,
          opener: Callable = urllib.request.urlopen) -> Path:
    """Download ``url`` to ``destination`` unless it is already there; return the path.

    ``check(path)`` must raise ValueError for a file that is not what it should be (it runs on the
    temporary file before the rename); ``expected_sha256``, when given, is compared too. On any failure the
    temporary file is removed and an OSError says where to put the file by hand.
    """
    if destination.exists():
        return destination
    try:
        with atomic_file(destination, "wb", suffix=".part") as out:
            with opener(url) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
            out.flush()
            if expected_sha256 is not None and sha256(out.name) != expected_sha256:
                raise ValueError(f"SHA-256 {sha256(out.name)} differs from the expected {expected_sha256}")
            check(Path(out.name))
    except (OSError, ValueError) as error:
        raise OSError(f"could not download {url} ({error}). Download it yourself and place it at {destination} "
                      f"(or set ${CACHE_ENV} to the folder that holds it)") from error
    return destination
