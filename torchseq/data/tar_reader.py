"""Read a tar archive to its very end, or refuse it.

Python's ``tarfile`` stops without a word at the first damaged header after the first member, and
gzip checks its CRC-32 and length only when the stream is read to its end -- which a reader that stops
early never does. So a truncated or bit-flipped ``.tar.gz`` can look like a smaller, valid archive.
:func:`read_members` closes both gaps: it reads every member's bytes, requires the archive to end on
tar's end-of-archive zero block, then reads what follows to the end of the compressed stream (tar's
zero padding, nothing else), which makes gzip, bz2 or xz verify their checksums.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib
from pathlib import Path
from typing import Callable, Iterator, Tuple

BLOCK = tarfile.BLOCKSIZE                                                            # 512 bytes
_OPENERS = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))
_DAMAGE = (tarfile.TarError, EOFError, zlib.error, OSError, lzma.LZMAError)


class _LastRead:
    """A file object that remembers the bytes of its last ``read`` (tarfile's last header block)."""

    def __init__(self, raw):
        self.raw, self.last = raw, b""

    def read(self, size=-1):
        self.last = self.raw.read(size)
        return self.last

    def seek(self, offset, whence=0):
        return self.raw.seek(offset, whence)

    def tell(self):
        return self.raw.tell()


def _open(path: Path):
    with open(path, "rb") as f:
        magic = f.read(6)
    for prefix, opener in _OPENERS:
        if magic.startswith(prefix):
            return opener(path, "rb")
    return open(path, "rb")


def read_members(path: Path, wanted: Callable[[tarfile.TarInfo], bool]) -> Iterator[Tuple[str, bytes]]:
    """Yield (name, bytes) of every regular file ``wanted(member)`` accepts, in archive order, then check
    that the archive ended properly. Raises ValueError naming ``path`` for a damaged, truncated or
    non-tar file (raised when the damage is reached, so consume the whole iterator before using what it
    gave)."""
    try:
        with _open(path) as raw:
            stream = _LastRead(raw)
            with tarfile.open(fileobj=stream, mode="r:") as tar:
                for member in tar:
                    if member.isfile() and wanted(member):
                        yield member.name, tar.extractfile(member).read()
                if stream.last.count(0) != BLOCK:
                    raise ValueError(f"{path} is damaged: the tar stream breaks off after {tar.offset} bytes "
                                     f"without its end-of-archive block")
            for block in iter(lambda: raw.read(1 << 20), b""):                 # tar's zero padding to the end
                if block.count(0) != len(block):
                    raise ValueError(f"{path} is damaged: data follows the tar end-of-archive block")
    except _DAMAGE as error:
        raise ValueError(f"{path} is not a complete, undamaged tar archive ({type(error).__name__}: {error}); "
                         f"download it again") from error
