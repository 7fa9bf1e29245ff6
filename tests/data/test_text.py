"""Tokenizer and pad_sequences against Keras' own code (tests/fixtures/keras_text.json, made by
make_text_fixtures.py from keras_preprocessing 1.1.2), masks, lengths and the GloVe reader."""
import json
from pathlib import Path

import pytest
import torch

from torchseq.data import Tokenizer, lengths_of, load_glove, pad_sequences, padding_mask

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "keras_text.json").read_text())


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: f"num_words={c['num_words']}-oov={c['oov_token']}")
def test_tokenizer_matches_keras(case):
    tok = Tokenizer(num_words=case["num_words"], oov_token=case["oov_token"]).fit_on_texts(FIXTURE["corpus"])
    assert tok.word_index == case["word_index"]
    assert tok.texts_to_sequences(FIXTURE["corpus"] + FIXTURE["unseen"]) == case["sequences"]


@pytest.mark.parametrize("case", FIXTURE["padded"], ids=lambda c: f"{c['maxlen']}-{c['padding']}-{c['truncating']}")
def test_pad_sequences_matches_keras(case):
    got = pad_sequences(FIXTURE["cases"][0]["sequences"], maxlen=case["maxlen"], padding=case["padding"],
                        truncating=case["truncating"])
    assert got.dtype == torch.int64 and got.tolist() == case["result"]


def test_masks_and_lengths():
    padded = pad_sequences([[5, 6, 7], [8], [9, 4]], maxlen=4, padding="post")
    assert padding_mask(padded).tolist() == [[True] * 3 + [False], [True] + [False] * 3, [True] * 2 + [False] * 2]
    assert lengths_of(padded).tolist() == [3, 1, 2]
    with pytest.raises(ValueError, match="padding must be one of 'pre', 'post'; got 'both'"):
        pad_sequences([[1]], padding="both")
    with pytest.raises(RuntimeError, match="must be fitted first"):
        Tokenizer().texts_to_sequences(["x"])


def test_glove_matrix(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\ngreat -1 0 1\nzebra 9 9 9\n")
    tok = Tokenizer().fit_on_texts(["the great the movie"])                   # the=1, great=2, movie=3
    matrix = load_glove(path, tok.word_index, num_words=3)
    assert matrix.shape == (3, 3)
    assert torch.equal(matrix[0], torch.zeros(3)) and torch.allclose(matrix[1], torch.tensor([0.1, 0.2, 0.3]))
    assert torch.equal(matrix[2], torch.tensor([-1.0, 0.0, 1.0]))            # movie (3) is beyond num_words
    (tmp_path / "bad.txt").write_text("a 1 2\nb 1\n")
    with pytest.raises(ValueError, match="line 2: 1 numbers where the file's first line has 2"):
        load_glove(tmp_path / "bad.txt", tok.word_index, 3)
