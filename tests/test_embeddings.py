import gzip
import struct

import numpy as np
import pytest

from lstm_core.embeddings import Vectors, embedding_matrix, load_vectors, nearest, save_npz
from lstm_core.errors import DataError
from lstm_core.vocabulary import Vocabulary
from lstm_core.word2vec import Word2VecConfig, train_word2vec, train_word2vec_cached

WORDS = ["good", "bad", "film", "great", "zebra"]
VECS = np.arange(len(WORDS) * 3, dtype=np.float32).reshape(len(WORDS), 3) / 10 - 0.5


def write_binary(path, words=WORDS, vecs=VECS, header=None, cut=0):
    body = b"".join(w.encode() + b" " + struct.pack(f"<{vecs.shape[1]}f", *v) + b"\n"
                    for w, v in zip(words, vecs))
    data = (header or f"{len(words)} {vecs.shape[1]}\n").encode() + body
    data = data[: len(data) - cut] if cut else data
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(data)
    return path


def write_text(path, header=True, words=WORDS, vecs=VECS):
    lines = ([f"{len(words)} {vecs.shape[1]}"] if header else []) + [
        w + " " + " ".join(f"{x:.6f}" for x in v) for w, v in zip(words, vecs)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("name", ["v.bin", "v.bin.gz", "v.w2v"])
def test_binary_reader_keeps_only_wanted_rows(tmp_path, name):
    v = load_vectors(write_binary(tmp_path / name), wanted={"bad", "great", "absent"})
    assert v.words == ("bad", "great") and v.dim == 3 and v.rows_in_file == 5
    np.testing.assert_array_equal(v.vectors, VECS[[1, 3]])


@pytest.mark.parametrize("header", [True, False])
def test_text_reader_with_and_without_header(tmp_path, header):
    v = load_vectors(write_text(tmp_path / "v.txt", header=header))
    assert v.words == tuple(WORDS)
    np.testing.assert_allclose(v.vectors, VECS, atol=1e-6)


def test_gensim_word2vec_format_and_npz_round_trip(tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=3)
    kv.add_vectors(WORDS, VECS)
    kv.save_word2vec_format(str(tmp_path / "v.bin"), binary=True)  # what the refusal of .kv suggests
    assert load_vectors(tmp_path / "v.bin", {"film"}).words == ("film",)
    np.testing.assert_allclose(load_vectors(tmp_path / "v.bin").vectors, VECS)
    save_npz(Vectors(tuple(WORDS), VECS, 3, 5, "x"), tmp_path / "v.npz")
    np.testing.assert_allclose(load_vectors(tmp_path / "v.npz").vectors, VECS, atol=1e-3)  # float16


@pytest.mark.parametrize("make, message", [
    (lambda p: (p.with_suffix(".bin").write_bytes(b"hello world this is not vectors"), p.with_suffix(".bin"))[1],
     "not a word2vec file"),
    (lambda p: write_binary(p.with_suffix(".bin"), cut=7), "truncated"),
    (lambda p: (p.with_suffix(".txt").write_text("3 2\na 0.1 0.2\nb 0.3\n"), p.with_suffix(".txt"))[1],
     "line 3 has 1 numbers; expected 2"),
    (lambda p: (p.with_suffix(".txt").write_text("5 2\na 0.1 0.2\n"), p.with_suffix(".txt"))[1], "truncated"),
    (lambda p: (p.with_suffix(".txt").write_text("a x y\n"), p.with_suffix(".txt"))[1], "not '<word> <numbers>'"),
    (lambda p: (p.with_suffix(".npz").write_bytes(b"PK junk"), p.with_suffix(".npz"))[1], "not an LSTM Lab"),
    (lambda p: (p.with_suffix(".kv").write_bytes(b"junk"), p.with_suffix(".kv"))[1], "pickle-based"),
    (lambda p: p / "missing.bin", "does not exist"),
])
def test_bad_files_give_clear_errors(tmp_path, make, message):
    with pytest.raises(DataError, match=message):
        load_vectors(make(tmp_path / "v"))


def vocab():
    return Vocabulary(max_size=10).fit([["good", "good", "film", "bad", "unseen", "unseen", "unseen"]])


def test_matrix_rows_equal_the_vectors_and_report_coverage():
    v = Vectors(tuple(WORDS), VECS, 3, 5, "test")
    voc = vocab()
    m, cov = embedding_matrix(voc, v, 3, unknown="zero")
    assert m.shape == (voc.size, 3) and m.dtype == np.float32
    for w in ("good", "bad", "film"):
        np.testing.assert_array_equal(m[voc.index_[w]], VECS[WORDS.index(w)])
    assert not m[0].any() and not m[1].any() and not m[voc.index_["unseen"]].any()
    assert (cov.vocab_words, cov.found_words) == (4, 3)
    assert (cov.corpus_tokens, cov.found_tokens) == (7, 4)
    assert cov.token_share == pytest.approx(4 / 7)


def test_random_rows_for_unknown_words_are_seeded():
    v = Vectors(tuple(WORDS), VECS, 3, 5, "test")
    a, _ = embedding_matrix(vocab(), v, 3, unknown="random", seed=3)
    b, _ = embedding_matrix(vocab(), v, 3, unknown="random", seed=3)
    c, _ = embedding_matrix(vocab(), v, 3, unknown="random", seed=4)
    row = vocab().index_["unseen"]
    assert a[row].any() and np.array_equal(a, b) and not np.array_equal(a[row], c[row])
    assert not a[0].any()


def test_dimension_mismatch_names_both_sizes():
    with pytest.raises(DataError, match="dimension 3.*has 8"):
        embedding_matrix(vocab(), Vectors(tuple(WORDS), VECS, 3, 5, "f.bin"), 8)


def test_vector_errors_are_said_in_the_readers_language(tmp_path):
    from lstm_core.embeddings import WrongDimension
    from lstm_core.notices import in_lang

    with pytest.raises(WrongDimension) as info:
        embedding_matrix(vocab(), Vectors(tuple(WORDS), VECS, 3, 5, "f.bin"), 8)
    assert (info.value.found, info.value.expected) == (3, 8)  # the page's fix still knows both sizes
    assert in_lang(info.value, "ja") == ("f.bin の単語ベクトルの次元は 3 ですが、モデルの埋め込みの次元は 8 です。"
                                         "埋め込みの次元を 3 にしてください。")
    with pytest.raises(DataError) as info:
        load_vectors(tmp_path / "model.kv")
    assert info.value.key == "data_errors.vectors.missing"
    (tmp_path / "model.kv").write_bytes(b"x")
    with pytest.raises(DataError) as info:
        load_vectors(tmp_path / "model.kv")
    assert in_lang(info.value, "ja").startswith("model.kv は `pickle` を使ったファイル")


def test_nearest_by_cosine_and_unknown_word():
    words = ("a", "b", "c")
    m = np.array([[1, 0], [0.9, 0.1], [-1, 0]], np.float32)
    assert [w for w, _ in nearest(words, m, "a", k=2)] == ["b", "c"]
    with pytest.raises(DataError, match="'zzz' is not in the vocabulary"):
        nearest(words, m, "zzz")


def test_word2vec_learns_that_praise_words_go_together(tmp_path):
    rng = np.random.default_rng(0)
    groups = [["great", "superb", "wonderful"], ["awful", "dreadful", "terrible"], ["film", "plot", "actor", "scene"]]
    texts = [[str(w) for w in rng.choice(groups[i % 3], 6)] for i in range(3000)]
    cfg = Word2VecConfig(dim=16, window=2, min_count=1, epochs=10, workers=1)
    v = train_word2vec(texts, cfg)
    top = [w for w, _ in nearest(v.words, v.vectors, "great", k=2)]
    assert set(top) == {"superb", "wonderful"}
    again = train_word2vec_cached(texts, cfg, cache_dir=tmp_path)
    assert list(tmp_path.glob("word2vec-*.npz"))
    np.testing.assert_array_equal(train_word2vec_cached(texts, cfg, cache_dir=tmp_path).vectors, again.vectors)


def test_word2vec_config_validation_and_empty_corpus():
    with pytest.raises(ValueError, match="word2vec.dim"):
        Word2VecConfig(dim=0)
    with pytest.raises(ValueError, match="at least one text"):
        train_word2vec([["lonely"]])
