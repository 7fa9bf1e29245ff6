"""On the real archive at ../shared/data/aclImdb_v1.tar.gz (skipped where it is absent)."""
from pathlib import Path

import pytest

from torchseq.data import Tokenizer, load_imdb

ARCHIVE = Path(__file__).parents[2].parent / "shared" / "data" / "aclImdb_v1.tar.gz"
pytestmark = [pytest.mark.data, pytest.mark.skipif(not ARCHIVE.exists(), reason=f"{ARCHIVE} is absent")]


def test_real_archive_counts_and_vocabulary():
    reviews = load_imdb(ARCHIVE)
    for split in ("train", "test"):
        texts, labels = reviews[split]
        assert len(texts) == 25000 and sum(labels) == 12500
    tok = Tokenizer(num_words=10000).fit_on_texts(reviews["train"][0])
    assert len(tok.word_index) == 88582                                     # "Found 88582 unique tokens." (DLwP 6.1.3)
