import numpy as np
import pytest

from lstm_core.errors import RunError
from lstm_core.notices import in_lang
from lstm_core.vocabulary import OOV, PAD, Vocabulary, pad_sequences

DOCS = [["good", "movie", "good"], ["bad", "movie"], ["good", "plot"]]


def test_fit_ranks_by_frequency_then_alphabet_and_returns_self():
    v = Vocabulary(max_size=10)
    assert v.fit(DOCS) is v
    assert v.words_ == ["good", "movie", "bad", "plot"]
    assert v.index_["good"] == 2 and v.size == 6
    assert v.counts_ == {"good": 3, "movie": 2, "bad": 1, "plot": 1}


def test_cap_maps_rare_words_to_oov_and_decode_inverts():
    v = Vocabulary(max_size=2).fit(DOCS)
    assert v.encode(["good", "plot", "zebra"]) == [2, OOV, OOV]
    assert v.decode([2, 3, PAD, OOV, 999]) == ["good", "movie", "<pad>", "<oov>", "<oov>"]


def test_coverage_counts_tokens_and_distinct_words():
    v = Vocabulary(max_size=2).fit(DOCS)
    cov = v.coverage([["good", "zebra", "good"]])
    assert cov["tokens"] == 3 and cov["known_tokens"] == 2
    assert cov["distinct_words"] == 2 and cov["known_distinct_words"] == 1


def test_json_round_trip(tmp_path):
    v = Vocabulary(max_size=3, min_count=1).fit(DOCS)
    v.save(tmp_path / "v.json")
    w = Vocabulary.load(tmp_path / "v.json")
    assert w.words_ == v.words_ and w.encode(["bad", "plot"]) == v.encode(["bad", "plot"])


def test_load_rejects_foreign_json(tmp_path):
    (tmp_path / "v.json").write_text('{"format": "other"}')
    with pytest.raises(RunError, match="format"):
        Vocabulary.load(tmp_path / "v.json")
    (tmp_path / "w.json").write_text("{not json")
    with pytest.raises(RunError, match="cannot be read") as info:
        Vocabulary.load(tmp_path / "w.json")
    assert in_lang(info.value, "ja").startswith(f"語彙ファイル {tmp_path / 'w.json'} を読み込めません")
    with pytest.raises(RunError, match=r"expected format 'lstm-lab-vocabulary/1', got 'other'") as info:
        Vocabulary.from_dict({"format": "other"})
    assert in_lang(info.value, "ja") == "語彙: 形式 'lstm-lab-vocabulary/1' のはずが、'other' でした。"


def test_fit_validates_parameters():
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary(max_size=0).fit(DOCS)


@pytest.mark.parametrize("keep, expected", [("start", [1, 2, 3]), ("end", [3, 4, 5])])
def test_pad_keeps_the_chosen_end_and_reports_cuts(keep, expected):
    x, stats = pad_sequences([[1, 2, 3, 4, 5], [7]], max_len=3, keep=keep)
    assert x.dtype == np.int32 and x.shape == (2, 3)
    assert x[0].tolist() == expected and x[1].tolist() == [7, 0, 0]
    assert (stats.truncated_sequences, stats.tokens_cut, stats.tokens) == (1, 2, 6)
    assert stats.share_truncated == 0.5


def test_pad_rejects_bad_arguments():
    with pytest.raises(ValueError, match="keep"):
        pad_sequences([[1]], 3, keep="middle")
    with pytest.raises(ValueError, match="max_len"):
        pad_sequences([[1]], 0)
