"""lstm_core.data: the bundled sample, tarball / folder / pos-neg sources, subsampling, errors."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import numpy as np
import pytest

from lstm_core import data
from lstm_core.config import DataConfig
from lstm_core.data import (BUNDLED, Dataset, Split, describe_source, iter_unsup, load_dataset,
                            load_folder, subsample, write_jsonl)
from lstm_core.errors import DataError
from lstm_core.notices import in_lang


def _split(n_pos: int, n_neg: int) -> Split:
    ids = [f"train/pos/{i}_9" for i in range(n_pos)] + [f"train/neg/{i}_1" for i in range(n_neg)]
    return Split(tuple(f"review {i}" for i in ids), np.array([1] * n_pos + [0] * n_neg), tuple(ids))


def _all_texts(ds: Dataset) -> list[str]:
    return sorted(ds.train.texts + ds.test.texts)


def _expected(reviews: dict, split: str | None = None) -> list[str]:
    return sorted(t for (s, _), texts in reviews.items() if split in (None, s) for t in texts)


# --- bundled sample ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled() -> Dataset:
    return load_dataset(DataConfig())


def test_bundled_sample_is_the_tutorials_split(bundled):
    assert (len(bundled.train), len(bundled.test)) == (5000, 5000)
    assert bundled.train.counts() == bundled.test.counts() == {"pos": 2500, "neg": 2500}
    assert bundled.source == BUNDLED and bundled.warnings == ()
    assert all(i.startswith("train/") for i in bundled.train.ids)
    assert all(i.startswith("test/") for i in bundled.test.ids)
    assert not set(bundled.train.ids) & set(bundled.test.ids)
    # labels agree with the folder each review came from
    assert all((i.split("/")[1] == "pos") == bool(y) for i, y in zip(bundled.train.ids, bundled.train.labels))
    assert sum("<br />" in t for t in bundled.train.texts) > 1000  # raw: HTML kept
    assert bundled.train.labels.dtype == np.int64


def test_bundled_per_class_subsample(bundled):
    ds = load_dataset(DataConfig(per_class=100, seed=3))
    assert ds.train.counts() == ds.test.counts() == {"pos": 100, "neg": 100}
    assert set(ds.train.ids) <= set(bundled.train.ids)


# --- subsample ----------------------------------------------------------------------------------------

def test_subsample_is_stratified_and_capped():
    out = subsample(_split(50, 30), per_class=10, seed=1)
    assert out.counts() == {"pos": 10, "neg": 10}
    assert out.warnings == ()
    out = subsample(_split(50, 30), every_k=4, seed=1)
    assert out.counts() == {"pos": 13, "neg": 8}  # ceil(50 / 4), ceil(30 / 4)
    out = subsample(_split(50, 30), per_class=10, every_k=4, seed=1)
    assert out.counts() == {"pos": 10, "neg": 8}


def test_subsample_keeps_texts_labels_and_ids_together():
    source = _split(20, 20)
    out = subsample(source, per_class=5, seed=2)
    for text, label, id_ in zip(out.texts, out.labels, out.ids):
        assert text == f"review {id_}"
        assert label == (1 if "/pos/" in id_ else 0)
    assert len(set(out.ids)) == len(out)


def test_subsample_is_seeded():
    source = _split(40, 40)
    a, b = subsample(source, per_class=10, seed=7), subsample(source, per_class=10, seed=7)
    assert a == b
    assert set(subsample(source, per_class=10, seed=8).ids) != set(a.ids)


def test_subsample_shuffles_and_interleaves_classes():
    out = subsample(_split(100, 100), seed=0)
    assert sorted(out.ids) == sorted(_split(100, 100).ids)
    assert out.ids != _split(100, 100).ids
    first_half = out.labels[:100]
    assert 30 < first_half.sum() < 70  # not all of one class first


def test_subsample_asking_for_too_many_keeps_all_and_warns():
    out = subsample(_split(5, 3), per_class=10)
    assert out.counts() == {"pos": 5, "neg": 3}
    assert len(out.warnings) == 1 and "10 reviews per class" in out.warnings[0]


def test_subsample_rejects_bad_arguments():
    with pytest.raises(ValueError, match="every_k"):
        subsample(_split(3, 3), every_k=0)
    with pytest.raises(ValueError, match="per_class"):
        subsample(_split(3, 3), per_class=0)


def test_split_validates_and_is_read_only():
    with pytest.raises(ValueError, match="as many"):
        Split(("a", "b"), np.array([1]), ("x", "y"))
    with pytest.raises(ValueError, match="0 or 1"):
        Split(("a",), np.array([2]), ("x",))
    split = _split(2, 2)
    with pytest.raises(ValueError):
        split.labels[0] = 0
    assert len(split) == 4 and split.counts() == {"pos": 2, "neg": 2}


# --- tarball, folder, pos/neg folder -------------------------------------------------------------------

def test_tarball_and_folders_give_the_same_reviews(tiny_imdb_tarball, tiny_imdb_dir, tiny_posneg_dir,
                                                   tiny_reviews):
    from_tar = load_dataset(DataConfig(source=str(tiny_imdb_tarball)))
    from_dir = load_dataset(DataConfig(source=str(tiny_imdb_dir)))
    from_parent = load_dataset(DataConfig(source=str(tiny_imdb_dir.parent)))
    from_posneg = load_dataset(DataConfig(source=str(tiny_posneg_dir)))
    assert from_tar.train == from_dir.train == from_parent.train
    assert from_tar.test == from_dir.test == from_parent.test
    assert sorted(from_tar.train.texts) == _expected(tiny_reviews, "train")
    assert sorted(from_tar.test.texts) == _expected(tiny_reviews, "test")
    assert _all_texts(from_posneg) == _all_texts(from_tar) == _expected(tiny_reviews)
    assert from_tar.train.counts() == from_tar.test.counts() == {"pos": 6, "neg": 6}
    assert "train/pos/0_7" in from_tar.train.ids
    assert from_dir.source == str(tiny_imdb_dir)


def test_posneg_folder_split_is_stratified_seeded_and_disjoint(tiny_posneg_dir):
    a = load_dataset(DataConfig(source=str(tiny_posneg_dir), seed=1))
    b = load_dataset(DataConfig(source=str(tiny_posneg_dir), seed=1))
    c = load_dataset(DataConfig(source=str(tiny_posneg_dir), seed=2))
    assert a == b
    assert set(a.train.ids) != set(c.train.ids)
    assert a.train.counts() == a.test.counts() == {"pos": 6, "neg": 6}
    assert not set(a.train.ids) & set(a.test.ids)
    assert all(i.split("/")[0] in ("pos", "neg") for i in a.train.ids)


def test_latin1_file_is_decoded_and_reported(tiny_imdb_tarball, tiny_imdb_dir):
    for source in (tiny_imdb_tarball, tiny_imdb_dir):
        train = load_dataset(DataConfig(source=str(source))).train
        assert any("Café scenes" in t and "naïve" in t for t in train.texts)
        assert any("1 file was not UTF-8" in w and "train/pos/5_8" in w for w in train.warnings)


def test_empty_file_is_skipped_and_reported(tiny_imdb_dir):
    ds = load_dataset(DataConfig(source=str(tiny_imdb_dir)))
    assert "test/neg/6_1" not in ds.test.ids
    assert all(t.strip() for t in ds.test.texts)
    assert any("1 empty file was skipped" in w and "test/neg/6_1" in w for w in ds.test.warnings)
    assert not any("empty" in w for w in ds.train.warnings)


def test_unreadable_file_is_skipped_and_reported(tiny_posneg_dir, monkeypatch):
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "train_0_7.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    split = load_folder(tiny_posneg_dir)
    assert "pos/train_0_7" not in split.ids and split.counts() == {"pos": 11, "neg": 12}
    assert any("could not be read (Permission denied)" in w for w in split.warnings)


def test_utf8_bom_and_cp1252_and_undecodable_bytes(tmp_path):
    for cls in ("pos", "neg"):
        (tmp_path / cls).mkdir()
    (tmp_path / "pos" / "bom.txt").write_bytes("\ufeffGreat film".encode("utf-8"))
    (tmp_path / "pos" / "quotes.txt").write_bytes("\u201cGreat\u201d".encode("cp1252"))
    (tmp_path / "neg" / "odd.txt").write_bytes(b"Bad \x81 film")  # not UTF-8 nor cp1252
    split = load_folder(tmp_path)
    assert dict(zip(split.ids, split.texts)) == {
        "neg/odd": "Bad \x81 film", "pos/bom": "Great film", "pos/quotes": "\u201cGreat\u201d"}
    assert any("read as Latin-1 (neg/odd)" in w for w in split.warnings)
    assert any("read as Windows-1252" in w for w in split.warnings)


def test_load_folder_reads_a_posneg_or_aclimdb_split_folder(tiny_posneg_dir, tiny_imdb_dir, tiny_reviews):
    split = load_folder(tiny_posneg_dir)
    assert sorted(split.texts) == _expected(tiny_reviews)
    assert list(split.ids) == sorted(split.ids)
    test = load_folder(tiny_imdb_dir / "test")
    assert sorted(test.texts) == _expected(tiny_reviews, "test")
    assert test.counts() == {"pos": 6, "neg": 6}


def test_paths_expand_home_but_never_environment_variables(tiny_imdb_dir, monkeypatch):
    """A typed "$SECRET" must never be replaced by the variable's value (it was echoed back)."""
    monkeypatch.setenv("TINY_DATA", str(tiny_imdb_dir.parent))
    monkeypatch.setenv("HOME", str(tiny_imdb_dir.parent))
    assert len(load_dataset(DataConfig(source="~/aclImdb")).train) == 12
    message = _raises("$TINY_DATA/aclImdb", "$TINY_DATA/aclImdb does not exist")
    assert str(tiny_imdb_dir.parent) not in message


def test_full_reads_the_environment_variable(tiny_imdb_tarball, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(tiny_imdb_tarball))
    assert load_dataset(DataConfig(source="full")).train.counts() == {"pos": 6, "neg": 6}
    monkeypatch.delenv(data.ENV_VAR)
    with pytest.raises(DataError, match="LSTM_LAB_IMDB"):
        load_dataset(DataConfig(source="full"))


def test_jsonl_roundtrip(tiny_imdb_dir, tmp_path):
    ds = load_dataset(DataConfig(source=str(tiny_imdb_dir)))
    out = write_jsonl(ds, tmp_path / "mine.jsonl.gz")
    again = load_dataset(DataConfig(source=str(out)))
    assert sorted(again.train.ids) == sorted(ds.train.ids)
    assert _all_texts(again) == _all_texts(ds)
    assert write_jsonl(ds, tmp_path / "twice.jsonl.gz").read_bytes() == out.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- unlabelled reviews ------------------------------------------------------------------------------

def test_iter_unsup_from_tarball_and_folder(tiny_imdb_tarball, tiny_imdb_dir, tiny_unsup_reviews):
    expected = sorted(tiny_unsup_reviews)
    assert sorted(iter_unsup(tiny_imdb_tarball)) == expected
    assert sorted(iter_unsup(str(tiny_imdb_dir))) == expected
    assert sorted(iter_unsup(tiny_imdb_dir.parent)) == expected
    assert sorted(iter_unsup(tiny_imdb_dir / "train")) == expected


def test_iter_unsup_without_unsup_reviews(tiny_posneg_dir, tmp_path):
    with pytest.raises(DataError, match="unsup"):
        iter_unsup(tiny_posneg_dir)
    with pytest.raises(DataError, match="no unlabelled"):
        iter_unsup(BUNDLED)
    with pytest.raises(DataError, match="not a .tar.gz"):
        iter_unsup(tiny_posneg_dir / "pos" / "train_0_7.txt")  # raised at the call, not when iterated
    tarball = _tarball(tmp_path / "labelled.tar.gz", {"aclImdb/train/pos/0_9.txt": b"great"})
    with pytest.raises(DataError, match=f"{tarball}.*no unlabelled"):
        list(iter_unsup(tarball))
    unsup = tmp_path / "aclImdb" / "train" / "unsup"
    unsup.mkdir(parents=True)
    (unsup / "0_0.txt").write_text(" \n")
    with pytest.raises(DataError, match="no unlabelled"):
        list(iter_unsup(tmp_path))


# --- user mistakes ------------------------------------------------------------------------------------

def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    src = path.parent / (path.name + ".src")
    for name, content in members.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(content)
    with tarfile.open(path, "w:gz") as tar:
        for name in members:
            tar.add(src / name, arcname=name)
    return path


def _raises(source, *fragments: str) -> str:
    with pytest.raises(DataError) as info:
        load_dataset(DataConfig(source=str(source)))
    for fragment in fragments:
        assert fragment in str(info.value)
    return str(info.value)


def test_missing_path(tmp_path):
    _raises(tmp_path / "nope.tar.gz", str(tmp_path / "nope.tar.gz"), "does not exist")


def test_empty_path():
    with pytest.raises(DataError, match="empty"):
        load_folder("   ")
    with pytest.raises(DataError, match="empty"):
        iter_unsup("")


def test_file_that_is_not_a_tarball(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    _raises(text, str(text), "not a .tar.gz")
    gz = tmp_path / "reviews.tar.gz"
    gz.write_bytes(gzip.compress(b"just text, no tar"))
    _raises(gz, str(gz), "not a .tar.gz")


def test_truncated_tarball(tiny_imdb_tarball, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(tiny_imdb_tarball.read_bytes()[:600])
    _raises(cut, str(cut), "damaged or truncated")


def test_tarball_without_imdb_members(tmp_path):
    tarball = _tarball(tmp_path / "other.tar.gz", {"photos/cat.txt": b"meow"})
    _raises(tarball, str(tarball), "no IMDB reviews", "photos/cat.txt")


def test_tarball_missing_a_class(tmp_path):
    tarball = _tarball(tmp_path / "half.tar.gz", {
        "aclImdb/train/pos/0_9.txt": b"great", "aclImdb/train/neg/0_1.txt": b"awful",
        "aclImdb/test/pos/0_9.txt": b"great"})
    _raises(tarball, str(tarball), "test/neg", "no usable reviews")


def test_folder_without_pos_and_neg_never_lists_its_entries(tmp_path):
    """The message says what was expected, not what the folder holds (it listed any folder)."""
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    message = _raises(tmp_path, str(tmp_path), "pos/ and neg/", "not laid out like IMDB")
    assert "bad" not in message and "good/" not in message
    with pytest.raises(DataError, match="not laid out like IMDB"):
        load_folder(tmp_path / "good")


def test_symlinked_reviews_and_folders_are_not_followed(tiny_posneg_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the server's password file")
    (tiny_posneg_dir / "pos" / "999_10.txt").symlink_to(secret)
    before = len(load_folder(tiny_posneg_dir))
    assert not any("password" in t for t in load_folder(tiny_posneg_dir).texts)
    outside = tmp_path / "outside"
    (outside / "pos").mkdir(parents=True)
    (outside / "neg").mkdir()
    (outside / "pos" / "1_9.txt").write_text("great")
    (outside / "neg" / "1_1.txt").write_text("awful")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "pos").symlink_to(outside / "pos")
    (linked / "neg").symlink_to(outside / "neg")
    _raises(linked, "not laid out like IMDB")
    assert before == len(load_folder(tiny_posneg_dir))


def test_a_review_file_over_the_size_limit_is_skipped_unread(tiny_posneg_dir, monkeypatch):
    monkeypatch.setattr(data, "LIMITS", data.LIMITS.__class__(review_bytes=100))
    (tiny_posneg_dir / "pos" / "998_10.txt").write_text("long " * 100)
    split = load_folder(tiny_posneg_dir)
    assert not any(t.startswith("long long") for t in split.texts)
    assert any("larger than" in w for w in split.warnings)


def test_aclimdb_folder_missing_a_class(tiny_imdb_dir):
    for path in (tiny_imdb_dir / "test" / "neg").iterdir():
        path.unlink()
    (tiny_imdb_dir / "test" / "neg").rmdir()
    _raises(tiny_imdb_dir, str(tiny_imdb_dir / "test"), "no neg/ subfolder")


def test_class_with_no_usable_reviews(tiny_posneg_dir):
    for path in (tiny_posneg_dir / "neg").iterdir():
        path.write_bytes(b"  \n")
    with pytest.raises(DataError, match="no usable reviews: 13 files, 13 empty") as info:
        load_folder(tiny_posneg_dir)
    assert str(tiny_posneg_dir / "neg") in str(info.value)
    for path in (tiny_posneg_dir / "neg").iterdir():
        path.rename(path.with_suffix(".md"))
    _raises(tiny_posneg_dir, str(tiny_posneg_dir / "neg"), "no .txt files")


def test_too_few_reviews_to_split_a_posneg_folder(tmp_path):
    for cls, text in (("pos", "great"), ("neg", "awful")):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "0.txt").write_text(text)
    _raises(tmp_path, str(tmp_path / "pos"), "1 usable review;", "at least 2")


def test_load_folder_on_a_whole_aclimdb_folder_points_at_test(tiny_imdb_dir, tiny_imdb_tarball):
    with pytest.raises(DataError, match="give one of them"):
        load_folder(tiny_imdb_dir)
    with pytest.raises(DataError, match="is a file"):
        load_folder(tiny_imdb_tarball)


def test_missing_bundled_sample(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "BUNDLED_PATH", tmp_path / "gone.jsonl.gz")
    _raises(BUNDLED, str(tmp_path / "gone.jsonl.gz"), "make_sample.py")


def test_corrupt_jsonl(tmp_path):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"split": "train", "label": "pos", "id": "a", "text": "ok"}\n{oops\n'))
    _raises(bad, str(bad), "line 2")


# --- describe_source ------------------------------------------------------------------------------------

def test_describe_source(tiny_imdb_tarball, tiny_imdb_dir, tiny_posneg_dir, tmp_path, monkeypatch):
    assert "5,000 train + 5,000 test" in describe_source(BUNDLED)
    assert "IMDB tarball" in describe_source(str(tiny_imdb_tarball))
    assert "extracted aclImdb" in describe_source(str(tiny_imdb_dir.parent))
    assert "12 pos + 13 neg" in describe_source(str(tiny_posneg_dir))  # the empty file counts
    assert describe_source(str(tmp_path / "nope")).startswith("Not usable:")
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    assert "LSTM_LAB_IMDB" in describe_source("full")


# --- in the reader's language ---------------------------------------------------------------------------

def test_describe_source_in_japanese(tiny_posneg_dir, tmp_path):
    assert in_lang(describe_source(BUNDLED), "ja").startswith("同梱の IMDB サンプル")
    assert "`pos/` に 12 個、`neg/` に 13 個" in in_lang(describe_source(str(tiny_posneg_dir)), "ja")
    gone = describe_source(str(tmp_path / "nope"))  # a sentence about a sentence: both in Japanese
    assert in_lang(gone, "ja") == f"使えません: {tmp_path / 'nope'} は存在しません。"
    assert in_lang(gone, "ja", escape=str.upper) == f"使えません: {str(tmp_path / 'nope').upper()} は存在しません。"


def test_errors_and_warnings_carry_their_keys(tiny_imdb_dir, tmp_path):
    with pytest.raises(DataError) as info:
        load_dataset(DataConfig(source=str(tmp_path / "nope")))
    assert info.value.key == "data_errors.missing"
    assert in_lang(info.value, "ja") == f"{tmp_path / 'nope'} は存在しません。"
    ds = load_dataset(DataConfig(source=str(tiny_imdb_dir), per_class=100))
    said = [in_lang(w, "ja") for w in ds.warnings]
    assert any("空のファイル 1 個を飛ばしました（test/neg/6_1）" in w for w in said)
    assert any("`UTF-8` ではなかったため" in w and "train/pos/5_8" in w for w in said)
    assert any(w.startswith("クラスごとに 100 件のレビューを指定しましたが、学習用データには") for w in said)
    assert ds.name == "IMDB folder aclImdb" and in_lang(ds.name, "ja") == "IMDB フォルダ aclImdb"


def test_notices_survive_pickling_with_their_key(tiny_imdb_dir):
    """The worker's pipe and st.cache_data pickle a dataset's warnings: they keep their language."""
    import pickle

    ds = load_dataset(DataConfig(source=str(tiny_imdb_dir)))
    again = pickle.loads(pickle.dumps(ds))
    assert again.train == ds.train and again.warnings == ds.warnings
    assert [in_lang(w, "ja") for w in again.warnings] == [in_lang(w, "ja") for w in ds.warnings]
    assert in_lang(again.name, "ja") == "IMDB フォルダ aclImdb"
