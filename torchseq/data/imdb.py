"""The IMDB movie-review dataset (Maas et al. 2011) from its official archive layout:
aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt (the unlabelled train/unsup folder is skipped).

What is checked before anything is returned: an archive is read to its end (gzip's CRC-32 and length
included, see :mod:`torchseq.data.tar_reader`); a file of the official archive's size must have its SHA-256,
and the official archive must hold its 12,500 reviews per split and label; any archive or folder must hold
reviews in both splits and both labels, each review valid UTF-8.
"""
from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from .._validate import check_path
from .download import cache_dir, fetch, sha256
from .tar_reader import read_members

URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ARCHIVE = "aclImdb_v1.tar.gz"
OFFICIAL_SIZE = 84125825                                                          # bytes, aclImdb_v1.tar.gz
OFFICIAL_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
OFFICIAL_COUNT = 12500                                                            # reviews per split and label
SPLITS, LABELS = ("train", "test"), {"neg": 0, "pos": 1}
Reviews = Tuple[List[str], List[int]]


def _key(split: str, label: str, name: str):
    return SPLITS.index(split), LABELS[label], name                                # neg before pos, by file name


def _is_review(member: tarfile.TarInfo) -> bool:
    parts = member.name.split("/")                                                  # aclImdb/train/pos/0_9.txt
    return len(parts) == 4 and parts[1] in SPLITS and parts[2] in LABELS and parts[3].endswith(".txt")


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{where} is not valid UTF-8 text ({error})") from error


def _check_official(path: Path) -> bool:
    """True for the official archive; ValueError for a file of its size with other bytes (a damaged copy)."""
    size = path.stat().st_size
    if size != OFFICIAL_SIZE:
        return False
    digest = sha256(path)
    if digest != OFFICIAL_SHA256:
        raise ValueError(f"{path} has the official {ARCHIVE}'s size ({OFFICIAL_SIZE} bytes) but SHA-256 {digest}, "
                         f"not {OFFICIAL_SHA256}: it is damaged; download it again")
    return True


def _from_tar(path: Path) -> Dict[str, Reviews]:
    official = _check_official(path)
    found = []
    for name, data in read_members(path, _is_review):
        parts = name.split("/")
        found.append((_key(parts[1], parts[2], parts[3]), _decode(data, f"{path}: {name}")))
    return _collect(found, path, OFFICIAL_COUNT if official else None)


def _official_bytes(path: Path) -> None:
    """The download's check beyond its SHA-256, which fetch compares already: none (the archive is read,
    and so checked, once, when it is loaded)."""


def _from_folder(root: Path) -> Dict[str, Reviews]:
    found = []
    for split in SPLITS:
        for label in LABELS:
            for f in (root / split / label).glob("*.txt"):
                found.append((_key(split, label, f.name), _decode(f.read_bytes(), str(f))))
    return _collect(found, root, None)


def _collect(found, source: Path, expected: Optional[int]) -> Dict[str, Reviews]:
    """Sort, split and count: every split and label must hold reviews (``expected`` of them, when given)."""
    counts = {(s, label): 0 for s in range(len(SPLITS)) for label in LABELS.values()}
    for (split, label, _), _ in found:
        counts[split, label] += 1
    names = {v: k for k, v in LABELS.items()}
    for (split, label), count in counts.items():
        where = f"aclImdb/{SPLITS[split]}/{names[label]}"
        if count == 0 or (expected is not None and count != expected):
            wanted = f"{expected}" if expected is not None else "at least one"
            raise ValueError(f"{source} holds {count} reviews in {where}, expected {wanted}: the data is "
                             f"incomplete (or not in the aclImdb/{{train,test}}/{{pos,neg}}/*.txt layout)")
    found.sort(key=lambda item: item[0])
    out: Dict[str, Reviews] = {s: ([], []) for s in SPLITS}
    for (split, label, _), text in found:
        out[SPLITS[split]][0].append(text)
        out[SPLITS[split]][1].append(label)
    return out


def load_imdb(path: Optional[Union[str, Path]] = None, cache: Optional[Union[str, Path]] = None,
              download: bool = False) -> Dict[str, Reviews]:
    """{"train": (texts, labels), "test": (texts, labels)}, labels 0 = negative, 1 = positive; negatives then
    positives, each by file name (a fixed order; shuffle yourself).

    Args:
        path: the aclImdb_v1.tar.gz archive or the extracted ``aclImdb`` folder; by default the archive in the
            cache directory, fetched from Stanford when ``download=True``.

    Raises:
        ValueError: naming the file, for a damaged, truncated or incomplete archive or folder (see the
            module's checks); nothing is ever returned from part of one.
    """
    if path is None:
        path = cache_dir(cache) / ARCHIVE
        if not path.exists():
            if not download:
                raise FileNotFoundError(f"{path} does not exist; pass path= (the .tar.gz or the aclImdb folder) or "
                                        f"download=True")
            fetch(URL, path, _official_bytes, OFFICIAL_SHA256)
    path = check_path("path", path)
    if path.is_dir():
        root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
        reviews = _from_folder(root)
    elif path.exists():
        reviews = _from_tar(path)
    else:
        raise FileNotFoundError(f"{path} does not exist")
    return reviews
