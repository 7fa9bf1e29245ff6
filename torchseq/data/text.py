"""Text to integer sequences, with the indices Keras' Tokenizer and pad_sequences give (Deep Learning with
Python, chapter 6): 0 is padding, 1 the out-of-vocabulary word when one is reserved, then words by falling
frequency (ties in order of first appearance)."""
from __future__ import annotations

import numbers
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch

from .._validate import check_bool, check_choice, check_path, check_size

KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_words(text: str, filters: str = KERAS_FILTERS, lower: bool = True, split: str = " ") -> List[str]:
    """Keras' text_to_word_sequence: lower-case, turn every filter character into the separator, split."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in text.split(split) if w]


class Tokenizer:
    """Keras' Tokenizer: ``fit_on_texts`` ranks the words; ``texts_to_sequences`` maps texts to indices.

    Args:
        num_words: keep only indices below num_words (the num_words - 1 most frequent words, as Keras);
            None keeps all.
        oov_token: a word reserved at index 1 that stands for every unknown or dropped word; None drops them.
        filters, lower, split: as Keras.
    """

    def __init__(self, num_words: Optional[int] = None, oov_token: Optional[str] = None,
                 filters: str = KERAS_FILTERS, lower: bool = True, split: str = " "):
        self.num_words = None if num_words is None else check_size("num_words", num_words)
        for name, value in (("oov_token", oov_token), ("filters", filters), ("split", split)):
            if value is not None and not isinstance(value, str) or value is None and name != "oov_token":
                raise TypeError(f"{name} must be a str{' or None' if name == 'oov_token' else ''}, got "
                                f"{type(value).__name__} {value!r}")
        if split == "":
            raise ValueError("split must be a non-empty separator, got ''")
        lower = check_bool("lower", lower)
        self.oov_token, self.filters, self.lower, self.split = oov_token, filters, lower, split
        self.word_counts: Counter = Counter()
        self.word_index: Dict[str, int] = {}

    def words(self, text: str) -> List[str]:
        return text_to_words(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[str]) -> "Tokenizer":
        for text in texts:
            self.word_counts.update(self.words(text))
        ranked = sorted(self.word_counts, key=self.word_counts.__getitem__, reverse=True)  # stable: ties keep order
        vocabulary = ([self.oov_token] if self.oov_token is not None else []) + ranked
        self.word_index = {w: i for i, w in enumerate(vocabulary, start=1)}
        return self

    @property
    def index_word(self) -> Dict[int, str]:
        return {i: w for w, i in self.word_index.items()}

    def texts_to_sequences(self, texts: Iterable[str]) -> List[List[int]]:
        if not self.word_index:
            raise RuntimeError("Tokenizer must be fitted first: call fit_on_texts(training_texts)")
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        limit = self.num_words
        sequences = []
        for text in texts:
            seq = []
            for w in self.words(text):
                i = self.word_index.get(w)
                if i is not None and (limit is None or i < limit):
                    seq.append(i)
                elif oov is not None:
                    seq.append(oov)
            sequences.append(seq)
        return sequences


def pad_sequences(sequences: Sequence[Sequence[int]], maxlen: Optional[int] = None, padding: str = "pre",
                  truncating: str = "pre", value: int = 0) -> torch.Tensor:
    """Keras' pad_sequences: (N, maxlen) int64, each sequence cut to its last (``truncating='pre'``) or first
    (``'post'``) maxlen items and padded with ``value`` before (``padding='pre'``, Keras' default) or after.
    maxlen defaults to the longest sequence."""
    check_choice("padding", padding, ("pre", "post"))
    check_choice("truncating", truncating, ("pre", "post"))
    value = _word_index("value", value)
    if (isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable)
            or isinstance(sequences, torch.Tensor) and sequences.dim() != 2):
        raise TypeError(f"sequences must be a list of sequences of word indices, got {type(sequences).__name__}")
    sequences = list(sequences)
    for n, seq in enumerate(sequences):
        if isinstance(seq, torch.Tensor):
            seq = seq.tolist()
        if isinstance(seq, (str, bytes)) or not isinstance(seq, Iterable) or not all(
                isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in seq):
            raise TypeError(f"sequences[{n}] must be a sequence of int word indices, got {seq!r:.60}")
    lengths = [len(s) for s in sequences]
    maxlen = max(lengths, default=0) if maxlen is None else check_size("maxlen", maxlen)
    out = np.full((len(sequences), maxlen), value, dtype=np.int64)
    for n, seq in enumerate(sequences):
        seq = list(seq)[-maxlen:] if truncating == "pre" else list(seq)[:maxlen]
        if seq:
            if padding == "post":
                out[n, :len(seq)] = seq
            else:
                out[n, -len(seq):] = seq
    return torch.from_numpy(out)


def _word_index(name: str, value) -> int:
    """The padding value: an int (a NumPy integer or a one-element integer tensor included)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int word index, got {type(value).__name__} {value!r:.40}")
    return int(value)


def padding_mask(padded: torch.Tensor, value: int = 0) -> torch.Tensor:
    """True at real steps, False at padding: (N, L) bool (index 0 is reserved for padding)."""
    if not isinstance(padded, torch.Tensor) or padded.dim() != 2:
        shown = tuple(padded.shape) if isinstance(padded, torch.Tensor) else type(padded).__name__
        raise ValueError(f"padded must be a 2-D tensor (N, L) of word indices, got {shown}")
    if padded.is_floating_point() or padded.is_complex():
        raise TypeError(f"padded must hold int word indices, got dtype {padded.dtype}")
    return padded != _word_index("value", value)


def lengths_of(padded: torch.Tensor, value: int = 0) -> torch.Tensor:
    """(N,) number of real steps of each post-padded row -- the ``lengths=`` a recurrent layer takes.

    The rows must be padded after their words (``pad_sequences(..., padding="post")``): lengths count steps
    from the start, so a pre-padded row (Keras' default) would run the layer on its padding and skip its
    last words. Such a row is refused, naming it."""
    mask = padding_mask(padded, _word_index("value", value))                         # (N, L)
    late = mask[:, 1:] & ~mask[:, :-1]                                               # a word after padding
    if bool(late.any()):
        row = int(late.any(dim=1).nonzero()[0])
        raise ValueError(f"row {row} of padded has padding ({value}) before some of its words; lengths_of needs "
                         f"rows padded after their words: pad_sequences(sequences, padding='post')")
    return mask.sum(dim=1)


def load_glove(path: Union[str, Path], word_index: Dict[str, int], num_words: int) -> torch.Tensor:
    """Embedding matrix (num_words, d) from a GloVe text file ("word v1 ... vd" per line): row i holds the
    vector of the word with index i < num_words, zeros for words GloVe lacks and for row 0 (padding)."""
    num_words = check_size("num_words", num_words)
    path = check_path("path", path)
    if not isinstance(word_index, dict):
        raise TypeError(f"word_index must be a dict word -> index (Tokenizer.word_index), got {type(word_index).__name__}")
    wanted = {w: i for w, i in word_index.items() if i < num_words}
    matrix, dim = None, None
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as error:
                raise ValueError(f"{path}, line {line_no}: not UTF-8 text ({error})") from None
            parts = line.rstrip().split(" ")
            if dim is None:
                dim = len(parts) - 1
                if dim < 1:
                    raise ValueError(f"{path}, line 1: expected 'word v1 ... vd', got {line.rstrip()[:40]!r}")
                matrix = np.zeros((num_words, dim), dtype=np.float32)
            if len(parts) != dim + 1:
                raise ValueError(f"{path}, line {line_no}: {len(parts) - 1} numbers where the file's first line "
                                 f"has {dim}")
            i = wanted.get(parts[0])
            if i is not None:
                try:
                    matrix[i] = np.asarray(parts[1:], dtype=np.float32)
                except ValueError:
                    raise ValueError(f"{path}, line {line_no}: the vector of {parts[0]!r} holds something that "
                                     f"is not a number") from None
    if matrix is None:
        raise ValueError(f"{path} holds no vectors")
    return torch.from_numpy(matrix)
