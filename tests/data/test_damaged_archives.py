"""A damaged IMDB archive or folder is refused, naming the file -- never loaded in part: truncations and
flipped bytes anywhere in a .tar.gz, a damaged header inside an intact gzip stream, a file of the official
archive's size with other bytes, a missing split or label, text that is not UTF-8."""
import gzip
import io
import shutil
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data.test_loaders import write_reviews
from torchseq.data import imdb, load_imdb


def _archive(tmp_path, name="a.tar.gz", reviews=12):
    """A small aclImdb archive; its long reviews make a multi-block stream where damage can land anywhere."""
    root = tmp_path / "src"
    if not root.exists():
        write_reviews(root)
        for i in range(3, reviews):
            (root / "aclImdb" / "test" / "pos" / f"{i}_9.txt").write_text(f"review {i} " * 400)
    path = tmp_path / name
    with tarfile.open(path, "w:gz") as tar:
        tar.add(root / "aclImdb", arcname="aclImdb")
    return path


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("imdb")
    path = _archive(tmp)
    return path.read_bytes(), load_imdb(path)


def _load_damaged(tmp_path, data, intact_reviews):
    """Load damaged bytes: either a ValueError naming the file, or (when the damage changed nothing the
    reader depends on, e.g. gzip's header mtime) exactly the intact reviews."""
    path = tmp_path / "damaged.tar.gz"
    path.write_bytes(data)
    try:
        reviews = load_imdb(path)
    except ValueError as error:
        assert str(path) in str(error)
        return
    assert reviews == intact_reviews


@settings(max_examples=40, deadline=None)
@given(fraction=st.floats(0.0, 0.9999))
def test_a_truncated_archive_is_refused(tmp_path_factory, intact, fraction):
    data, _ = intact
    path = tmp_path_factory.mktemp("cut") / "damaged.tar.gz"
    path.write_bytes(data[:int(fraction * len(data))])
    with pytest.raises(ValueError, match=str(path)):
        load_imdb(path)


@settings(max_examples=40, deadline=None)
@given(position=st.floats(0.0, 0.9999), bit=st.integers(0, 7))
def test_a_flipped_bit_anywhere_is_refused_or_harmless(tmp_path_factory, intact, position, bit):
    data, reviews = intact
    index = int(position * len(data))
    damaged = bytearray(data)
    damaged[index] ^= 1 << bit
    _load_damaged(tmp_path_factory.mktemp("flip"), bytes(damaged), reviews)


def test_a_damaged_tar_inside_an_intact_gzip_stream(tmp_path, intact):
    tar = gzip.decompress(intact[0])
    path = tmp_path / "recompressed.tar.gz"
    header = tar.index(b"aclImdb/test/", 512)                                       # a member header past the first
    broken = bytearray(tar)
    broken[header + 148:header + 156] = b"garbage!"                                   # its checksum field
    path.write_bytes(gzip.compress(bytes(broken)))
    with pytest.raises(ValueError, match=str(path)):
        load_imdb(path)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        last = archive.getmembers()[-1]
    end = last.offset_data + -(-last.size // 512) * 512                              # after its last data block
    path.write_bytes(gzip.compress(tar[:end]))                                        # no end-of-archive block
    with pytest.raises(ValueError, match=f"{path} is damaged: the tar stream breaks off after {end} bytes"):
        load_imdb(path)
    path.write_bytes(gzip.compress(tar + b"not padding"))
    with pytest.raises(ValueError, match="data follows the tar end-of-archive block"):
        load_imdb(path)


def test_not_a_tar_and_not_gzip(tmp_path):
    path = tmp_path / "reviews.tar.gz"
    path.write_text("just some text, no archive")
    with pytest.raises(ValueError, match=f"{path} is not a complete, undamaged tar archive"):
        load_imdb(path)


def test_a_file_of_the_official_size_must_have_its_sha256(tmp_path, monkeypatch, intact):
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(intact[0])
    monkeypatch.setattr(imdb, "OFFICIAL_SIZE", len(intact[0]))
    with pytest.raises(ValueError, match="has the official aclImdb_v1.tar.gz's size .* but SHA-256"):
        load_imdb(path)
    monkeypatch.setattr(imdb, "OFFICIAL_SHA256", imdb.sha256(path))        # now it is "the official one"
    with pytest.raises(ValueError, match=r"holds 3 reviews in aclImdb/train/neg, expected 12500"):
        load_imdb(path)
    monkeypatch.setattr(imdb, "OFFICIAL_COUNT", 3)
    with pytest.raises(ValueError, match=r"holds 12 reviews in aclImdb/test/pos, expected 3"):
        load_imdb(path)


def test_a_missing_split_or_label_is_refused(tmp_path):
    write_reviews(tmp_path)
    shutil.rmtree(tmp_path / "aclImdb" / "test" / "neg")
    with pytest.raises(ValueError, match=r"holds 0 reviews in aclImdb/test/neg, expected at least one"):
        load_imdb(tmp_path / "aclImdb")
    path = tmp_path / "partial.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(tmp_path / "aclImdb", arcname="aclImdb")
    with pytest.raises(ValueError, match=r"partial.tar.gz holds 0 reviews in aclImdb/test/neg"):
        load_imdb(path)


def test_a_review_that_is_not_utf8_is_named(tmp_path):
    write_reviews(tmp_path)
    bad = tmp_path / "aclImdb" / "train" / "pos" / "1_7.txt"
    bad.write_bytes(b"caf\xe9")
    with pytest.raises(ValueError, match=f"{bad} is not valid UTF-8"):
        load_imdb(tmp_path / "aclImdb")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(tmp_path / "aclImdb", arcname="aclImdb")
    path = tmp_path / "latin1.tar.gz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="latin1.tar.gz: aclImdb/train/pos/1_7.txt is not valid UTF-8"):
        load_imdb(path)
