"""The IMDB movie-review dataset (Maas et al. 2011) from its official archive layout:
aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt (the unlabelled train/unsup folder is skipped)."""
from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from .download import cache_dir, fetch

URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ARCHIVE = "aclImdb_v1.tar.gz"
SPLITS, LABELS = ("train", "test"), {"neg": 0, "pos": 1}
Reviews = Tuple[List[str], List[int]]


def _key(split: str, label: str, name: str):
    return SPLITS.index(split), LABELS[label], name                                # neg before pos, by file name


def _check_tar(path: Path) -> None:
    try:
        with tarfile.open(path) as tar:
            if not any(m.name.startswith("aclImdb/train/pos/") for m in tar):
                raise ValueError(f"{path.name} has no aclImdb/train/pos/ reviews")
    except (tarfile.TarError, EOFError) as error:
        raise ValueError(f"{path.name} is not a readable tar archive ({error})") from error


def _from_tar(path: Path) -> Dict[str, Reviews]:
    found = []
    with tarfile.open(path) as tar:
        for member in tar:
            parts = member.name.split("/")                                          # aclImdb/train/pos/0_9.txt
            if (member.isfile() and len(parts) == 4 and parts[1] in SPLITS and parts[2] in LABELS
                    and parts[3].endswith(".txt")):
                text = tar.extractfile(member).read().decode("utf8")
                found.append((_key(parts[1], parts[2], parts[3]), text))
    return _collect(found)


def _from_folder(root: Path) -> Dict[str, Reviews]:
    found = []
    for split in SPLITS:
        for label in LABELS:
            for f in (root / split / label).glob("*.txt"):
                found.append((_key(split, label, f.name), f.read_text(encoding="utf8")))
    return _collect(found)


def _collect(found) -> Dict[str, Reviews]:
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
    """
    if path is None:
        path = cache_dir(cache) / ARCHIVE
        if not path.exists():
            if not download:
                raise FileNotFoundError(f"{path} does not exist; pass path= (the .tar.gz or the aclImdb folder) or "
                                        f"download=True")
            fetch(URL, path, _check_tar)
    path = Path(path)
    if path.is_dir():
        root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
        reviews = _from_folder(root)
    elif path.exists():
        reviews = _from_tar(path)
    else:
        raise FileNotFoundError(f"{path} does not exist")
    if not reviews["train"][0]:
        raise ValueError(f"{path} holds no reviews in the aclImdb/{{train,test}}/{{pos,neg}}/*.txt layout")
    return reviews
