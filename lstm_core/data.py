"""IMDB reviews as texts + labels for train and test, from any of three sources.

``DataConfig.source`` says where the reviews come from:

- ``"bundled"``: ``assets/imdb_sample.jsonl.gz``, the tutorial's split (5,000 train + 5,000 test raw
  reviews, HTML kept, 2,500 per class per split), written by ``scripts/make_sample.py``. The app and
  the tests need nothing else.
- ``"full"``: the path in the environment variable ``LSTM_LAB_IMDB``.
- a path (taken as it is: no ``$VARS`` expansion; a leading ``~`` is the user's home) to
  (a) ``aclImdb_v1.tar.gz``, streamed member by member, never extracted to disk;
  (b) an extracted ``aclImdb/`` folder, or the folder holding it, with ``train/`` and ``test/`` each
      holding ``pos/`` and ``neg/``;
  (c) any folder with ``pos/`` and ``neg/`` subfolders of ``.txt`` files. It has no train/test split of
      its own, so each class is shuffled with ``DataConfig.seed`` and cut in half: the first half
      (one more on odd counts) is train, the rest test. Same folder and seed, same split.
  (d) a ``.jsonl.gz`` file in the bundled format (see ``write_jsonl``).

Every source is read into splits sorted by review id, so a tarball and its extracted folder give equal
``Split`` objects; then ``subsample`` (seeded, stratified) applies ``per_class`` and ``every_k``.

Files are decoded as UTF-8; files that are not fall back to Windows-1252, then Latin-1 (which never
fails). Empty or whitespace-only files, files that cannot be read, review files larger than
``LIMITS.review_bytes`` and symbolic links (to files or folders) are skipped: a folder of links must
not turn other files into reviews. Each split reports
what it had to do in ``Split.warnings``, as sentences a student can read. A source with no usable
review in some class raises ``DataError``, as does every other user mistake, naming the path.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import json
import os
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .config import DataConfig
from .errors import DataError
from . import i18n
from .limits import LIMITS
from .notices import Notice
from .sampling import stratified_cut
from .storage import ASSETS, atomic_path

BUNDLED = "bundled"
FULL = "full"
ENV_VAR = "LSTM_LAB_IMDB"
BUNDLED_PATH = ASSETS / "imdb_sample.jsonl.gz"

LABELS = {"pos": 1, "neg": 0}
SPLITS = ("train", "test")

# "aclImdb/train/pos/123_9.txt" -> ("train", "pos", "123_9"); any prefix before train/test is allowed.
# Names starting with "." (macOS "._123_9.txt" shadow files in tarballs) are not reviews.
_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg|unsup)/([^/.][^/]*)\.txt$")
_ENCODING_NAMES = {"cp1252": "Windows-1252 (Latin-1)", "latin-1": "Latin-1", "utf-16": "UTF-16"}
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


@dataclass(frozen=True, eq=False)
class Split:
    """Reviews of one split. ``labels`` is read-only; equality compares every field."""

    texts: tuple[str, ...]
    labels: np.ndarray  # (n,) int64, 1 = positive, 0 = negative
    ids: tuple[str, ...]  # where each review came from, e.g. "train/pos/123_9"
    warnings: tuple[str, ...] = ()  # what reading had to skip or guess, as sentences

    def __post_init__(self) -> None:
        labels = np.array(self.labels, dtype=np.int64)
        labels.flags.writeable = False
        object.__setattr__(self, "labels", labels)
        for name in ("texts", "ids", "warnings"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if labels.ndim != 1 or not len(self.texts) == len(labels) == len(self.ids):
            raise ValueError(f"Split needs as many texts, labels and ids, got {len(self.texts)}, "
                             f"{labels.shape} and {len(self.ids)}")
        if not np.isin(labels, (0, 1)).all():
            raise ValueError(f"Split labels must be 0 or 1, got {sorted(set(labels.tolist()))}")

    def __len__(self) -> int:
        return len(self.texts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Split):
            return NotImplemented
        return (self.texts == other.texts and self.ids == other.ids
                and np.array_equal(self.labels, other.labels) and self.warnings == other.warnings)

    def counts(self) -> dict[str, int]:
        """{"pos": n, "neg": n}"""
        return {name: int(np.count_nonzero(self.labels == label)) for name, label in LABELS.items()}

    def _take(self, idx: np.ndarray, warnings: tuple[str, ...] = ()) -> "Split":
        return Split(tuple(self.texts[i] for i in idx), self.labels[idx],
                     tuple(self.ids[i] for i in idx), self.warnings + warnings)


@dataclass(frozen=True)
class Dataset:
    train: Split
    test: Split
    name: str  # short, for titles: "IMDB sample (bundled)"
    source: str  # "bundled" or the resolved path that was read

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings of both splits, each once."""
        return tuple(dict.fromkeys(self.train.warnings + self.test.warnings))


# ---------------------------------------------------------------------------------------------------
# Public API


def load_dataset(cfg: DataConfig) -> Dataset:
    """Read ``cfg.source`` (see the module docstring) and subsample both splits with
    ``cfg.per_class``, ``cfg.every_k`` and ``cfg.seed``."""
    train, test, name, source = _read_source(cfg.source, cfg.seed)
    return Dataset(subsample(train, cfg.per_class, cfg.every_k, cfg.seed),
                   subsample(test, cfg.per_class, cfg.every_k, cfg.seed), name, source)


def subsample(split: Split, per_class: int | None = None, every_k: int = 1, seed: int = 0) -> Split:
    """Shuffle with ``seed``, keep every ``every_k``-th review of each class, then at most
    ``per_class`` of each; the result is shuffled again with the same generator, so classes are
    interleaved. Same split and arguments, same result. Asking for more than there is keeps all
    there is and says so in ``warnings``."""
    DataConfig(per_class=per_class, every_k=every_k, seed=seed)  # validates, ValueError naming the field
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(split))
    kept = {name: order[split.labels[order] == label][::every_k][:per_class]
            for name, label in LABELS.items()}
    notes: tuple[str, ...] = ()
    if per_class is not None and any(len(idx) < per_class for idx in kept.values()):
        key = f"data_errors.warn.short.{_split_name(split)}{'_every' if every_k > 1 else ''}"
        notes = (Notice.keyed(key, per_class=per_class, pos=len(kept["pos"]), neg=len(kept["neg"]),
                              every_k=every_k),)
    idx = np.concatenate(list(kept.values()))
    return split._take(idx[rng.permutation(len(idx))], notes)


def load_folder(path: str | os.PathLike) -> Split:
    """All reviews of a folder with ``pos/`` and ``neg/`` subfolders of ``.txt`` files (an aclImdb
    ``test/`` or ``train/`` folder is one), sorted by id ("pos/0_10"): for evaluating on reviews
    from elsewhere."""
    folder = _resolve(path)
    if not folder.is_dir():
        raise DataError.keyed("data_errors.folder_is_file", folder=str(folder))
    kind, root = _layout(folder)
    if kind == "aclimdb":
        raise DataError.keyed("data_errors.folder_is_aclimdb", root=str(root), example=str(root / "test"))
    return _read_posneg_dir(root)


def iter_unsup(source: str | os.PathLike) -> Iterator[str]:
    """The unlabelled reviews (``train/unsup``) of an aclImdb tarball or extracted folder, one at a
    time, undecodable bytes read as in labelled data and empty files skipped. Path mistakes raise
    ``DataError`` at the call; a tarball without unsup reviews raises it at the end of the stream."""
    if str(source).strip() == BUNDLED:
        raise DataError.keyed("data_errors.bundled_no_unsup")
    path = _resolve(source)
    if path.is_file():
        if not tarfile.is_tarfile(path):
            raise _not_an_archive(path)
        return _unsup_texts((content for _, content in _tar_members(path, ("unsup",), [])), path)
    folder = _unsup_folder(path)
    files = _txt_files(folder)
    if not files:
        raise DataError.keyed("data_errors.no_unsup_files", folder=str(folder))
    return _unsup_texts(_readable(files), folder)


def full_dataset_available() -> bool:
    """Whether source "full" can be read: ``$LSTM_LAB_IMDB`` names an existing path (the teacher
    sets it where the server starts; the app then offers the full dataset without a typed path)."""
    try:
        _resolve(FULL)
    except DataError:
        return False
    return True


def describe_source(source: str) -> Notice:
    """One line saying what ``source`` is, for the app and the CLI (a Notice: the page shows it in the
    reader's language). Never raises on a bad source: it says what is wrong with it instead."""
    try:
        if source.strip() == BUNDLED:
            if not BUNDLED_PATH.is_file():
                return Notice.keyed("data.source.bundled_missing")
            return Notice.keyed("data.source.bundled", size=_megabytes(BUNDLED_PATH))
        via = f"${ENV_VAR} = " if source.strip() == FULL else ""
        path = _resolve(source)
        if path.is_file():
            kind = "review_file" if _is_jsonl(path) else "tarball"
            return Notice.keyed(f"data.source.{kind}", via=via, path=str(path), size=_megabytes(path))
        kind, root = _layout(path)
        if kind == "aclimdb":
            return Notice.keyed("data.source.aclimdb", via=via, path=str(root))
        dirs = _class_dirs(root)
        n = {name: len(_txt_files(d)) for name, d in dirs.items()}
        return Notice.keyed("data.source.posneg", via=via, path=str(root), pos=n["pos"], neg=n["neg"])
    except DataError as e:
        return Notice.keyed("data.source.unusable", problem=Notice.of(e))


def write_jsonl(dataset: Dataset, path: str | os.PathLike) -> Path:
    """Write ``dataset`` as gzip'd JSON lines {"split", "label", "id", "text"} (label "pos"/"neg"),
    sorted by split and id, gzip level 9 with a zero timestamp, so equal data gives equal bytes.
    Atomic: a temporary file next to ``path`` is renamed over it once complete."""
    path = Path(path)
    names = {label: name for name, label in LABELS.items()}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
                for split_name in SPLITS:
                    split = getattr(dataset, split_name)
                    for i in sorted(range(len(split)), key=split.ids.__getitem__):
                        row = {"split": split_name, "label": names[int(split.labels[i])],
                               "id": split.ids[i], "text": split.texts[i]}
                        gz.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
    return path


# ---------------------------------------------------------------------------------------------------
# Reading


class _Tally:
    """Reviews of one split as they are read, and what had to be skipped or guessed."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, str]] = []  # (id, label, text)
        self.seen = dict.fromkeys(LABELS, 0)
        self.fallback: dict[str, list[str]] = {}  # encoding -> ids
        self.empty: list[tuple[str, str]] = []  # (class, id)
        self.unreadable: list[tuple[str, str]] = []
        self.reason = ""

    def add(self, cls: str, id_: str, data: bytes | str | OSError) -> None:
        self.seen[cls] += 1
        if isinstance(data, OSError):
            self.unreadable.append((cls, id_))
            self.reason = self.reason or (data.strerror or str(data))
            return
        text = data
        if isinstance(data, bytes):
            text, encoding = _decode(data)
            if encoding != "utf-8":
                self.fallback.setdefault(encoding, []).append(id_)
        if text.strip():
            self.rows.append((id_, LABELS[cls], text))
        else:
            self.empty.append((cls, id_))

    def split(self, place: Callable[[str], str]) -> Split:
        """The reviews sorted by id; ``place(cls)`` names where a class was looked for."""
        for cls, label in LABELS.items():
            if not any(row[1] == label for row in self.rows):
                raise self._none_usable(cls, place(cls))
        rows = sorted(self.rows)
        return Split(tuple(r[2] for r in rows), np.array([r[1] for r in rows], dtype=np.int64),
                     tuple(r[0] for r in rows), self._warnings())

    def _none_usable(self, cls: str, place: str) -> DataError:
        if not self.seen[cls]:
            return DataError.keyed("data_errors.no_reviews_no_files", place=place)
        return DataError.keyed(f"data_errors.no_reviews_counted.{_one_or_many(self.seen[cls])}", place=place,
                               files=self.seen[cls], empty=sum(c == cls for c, _ in self.empty),
                               unreadable=sum(c == cls for c, _ in self.unreadable))

    def _warnings(self) -> tuple[str, ...]:
        out = [_skipped("not_utf8", ids, encoding=_ENCODING_NAMES[enc]) for enc, ids in self.fallback.items()]
        if self.empty:
            out.append(_skipped("empty", [i for _, i in self.empty]))
        if self.unreadable:
            out.append(_skipped("unreadable", [i for _, i in self.unreadable], reason=self.reason))
        return tuple(out)


def _read_source(source: str, seed: int) -> tuple[Split, Split, str, str]:
    """(train, test, name, resolved source) before subsampling."""
    if source.strip() == BUNDLED:
        if not BUNDLED_PATH.is_file():
            raise DataError.keyed("data_errors.bundled_missing", path=str(BUNDLED_PATH))
        train, test = _read_file(BUNDLED_PATH)
        return train, test, Notice.keyed("data.dataset.bundled"), BUNDLED
    path = _resolve(source)
    if path.is_file():
        train, test = _read_file(path)
        return train, test, Notice.keyed("data.dataset.file", name=path.name), str(path)
    kind, root = _layout(path)
    if kind == "aclimdb":
        tallies = {s: _Tally() for s in SPLITS}
        for split_name in SPLITS:
            for cls, folder in _class_dirs(_child(root, split_name)).items():
                _read_files(folder, f"{split_name}/{cls}/", cls, tallies[split_name])
        train, test = (tallies[s].split(lambda c, s=s: str(root / s / c)) for s in SPLITS)
        return train, test, Notice.keyed("data.dataset.folder", name=root.name), str(root)
    train, test = _halve(_read_posneg_dir(root), seed, root)
    return train, test, Notice.keyed("data.dataset.posneg", name=root.name), str(root)


def _read_file(path: Path) -> tuple[Split, Split]:
    st = path.stat()
    return _read_file_cached(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _read_file_cached(path_str: str, mtime_ns: int, size: int) -> tuple[Split, Split]:
    """Files are cached by path, mtime and size: the splits are immutable, so sharing them is safe."""
    path = Path(path_str)
    tallies = _read_jsonl(path) if _is_jsonl(path) else _read_tarball(path)
    return tuple(tallies[s].split(lambda c, s=s: f"{path} ({s}/{c})") for s in SPLITS)


def _read_tarball(path: Path) -> dict[str, _Tally]:
    tallies = {s: _Tally() for s in SPLITS}
    others: list[str] = []
    for (split_name, cls, stem), content in _tar_members(path, ("pos", "neg"), others):
        tallies[split_name].add(cls, f"{split_name}/{cls}/{stem}", content)
    if not any(t.rows or t.empty for t in tallies.values()):
        if not others:
            raise DataError.keyed("data_errors.no_imdb_members_empty", path=str(path))
        raise DataError.keyed("data_errors.no_imdb_members", path=str(path), examples=", ".join(others[:3]))
    return tallies


def _tar_members(path: Path, classes: tuple[str, ...],
                 others: list[str]) -> Iterator[tuple[tuple[str, str, str], bytes]]:
    """((split, class, stem), bytes) of each train|test/<class>/*.txt member with a class in
    ``classes``, streamed in archive order; names of non-review files go to ``others``."""
    try:
        archive = tarfile.open(path, "r:*")
    except _ARCHIVE_ERRORS:
        raise _not_an_archive(path) from None
    with archive:
        try:
            for info in archive:
                match = _MEMBER.search(info.name) if info.isfile() else None
                if match and match.group(2) in classes:
                    yield match.groups(), archive.extractfile(info).read()
                elif info.isfile() and not match:
                    others.append(info.name)
        except _ARCHIVE_ERRORS as e:
            raise DataError.keyed("data_errors.damaged_archive", path=str(path), problem=str(e)) from None


def _not_an_archive(path: Path) -> DataError:
    return DataError.keyed("data_errors.not_an_archive", path=str(path))


def _read_jsonl(path: Path) -> dict[str, _Tally]:
    tallies = {s: _Tally() for s in SPLITS}
    line_no = 0
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if line.strip():
                    row = json.loads(line)
                    tallies[row["split"]].add(row["label"], str(row["id"]), str(row["text"]))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        raise DataError.keyed("data_errors.bad_jsonl", path=str(path), line=line_no,
                              problem=f"{type(e).__name__}: {e}") from None
    return tallies


def _read_posneg_dir(root: Path) -> Split:
    tally = _Tally()
    for cls, folder in _class_dirs(root).items():
        _read_files(folder, f"{cls}/", cls, tally)
    return tally.split(lambda c: str(root / c))


def _read_files(folder: Path, prefix: str, cls: str, tally: _Tally) -> None:
    for path in _txt_files(folder):
        try:
            data: bytes | OSError = _read_review(path)
        except OSError as e:
            data = e
        tally.add(cls, prefix + path.stem, data)


def _read_review(path: Path) -> bytes:
    """A review file's bytes; OSError for one larger than ``LIMITS.review_bytes`` (checked first)."""
    if path.stat().st_size > LIMITS.review_bytes:
        raise OSError(errno.EFBIG, i18n.text("en", "data_errors.too_large", mb=LIMITS.review_bytes // 2**20))
    return path.read_bytes()


def _halve(split: Split, seed: int, root: Path) -> tuple[Split, Split]:
    """Stratified, seeded 50/50 train/test split of a pos/neg folder; train gets the odd one."""
    for cls, label in LABELS.items():
        n = int(np.count_nonzero(split.labels == label))
        if n < 2:
            raise DataError.keyed(f"data_errors.too_few_to_halve.{_one_or_many(n)}", folder=str(root / cls), n=n)
    train, test = stratified_cut(split.labels, lambda n: (n + 1) // 2, np.random.default_rng(seed),
                                 classes=list(LABELS.values()))
    return split._take(np.sort(train)), split._take(np.sort(test))


def _unsup_texts(contents: Iterator[bytes], where: Path) -> Iterator[str]:
    """Decoded, non-empty texts; DataError at the end if there were none."""
    yielded = 0
    for content in contents:
        text = _decode(content)[0]
        if text.strip():
            yielded += 1
            yield text
    if not yielded:
        raise DataError.keyed("data_errors.no_unsup_reviews", where=str(where))


def _readable(files: list[Path]) -> Iterator[bytes]:
    for path in files:
        try:
            yield _read_review(path)
        except OSError:
            continue


# ---------------------------------------------------------------------------------------------------
# Paths and layouts


def _resolve(source: str | os.PathLike) -> Path:
    """The existing path ``source`` names: "full" means $LSTM_LAB_IMDB. No ``$VARS`` are expanded
    (the shell does that for the command line, and in the app the text is only ever a path); a
    leading ``~`` is the user's home."""
    text = os.fspath(source).strip()
    if text == FULL:
        text = os.environ.get(ENV_VAR, "").strip()
        if not text:
            raise DataError.keyed("data_errors.full_unset", var=ENV_VAR)
    if not text:
        raise DataError.keyed("data_errors.empty_path")
    path = Path(os.path.expanduser(text) if text.startswith("~") else text)
    if not path.exists():
        raise DataError.keyed("data_errors.missing", path=text)
    return path


def _subdirs(folder: Path) -> dict[str, Path]:
    """Subfolders by lower-case name (so POS/ and Neg/ count too)."""
    try:
        return {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_dir() and not p.is_symlink()}
    except OSError as e:
        raise DataError.keyed("data_errors.unlisted", folder=str(folder), problem=str(e.strerror or e)) from None


def _child(folder: Path, name: str) -> Path:
    sub = _subdirs(folder).get(name)
    if sub is None:
        raise DataError.keyed("data_errors.no_subfolder", folder=str(folder), name=name)
    return sub


def _class_dirs(folder: Path) -> dict[str, Path]:
    return {cls: _child(folder, cls) for cls in LABELS}


def _layout(folder: Path) -> tuple[str, Path]:
    """("aclimdb", root with train/ and test/) or ("posneg", root with pos/ and neg/)."""
    subs = _subdirs(folder)
    if "train" in subs and "test" in subs:
        return "aclimdb", folder
    inner = subs.get("aclimdb")
    if inner is not None and {"train", "test"} <= set(_subdirs(inner)):
        return "aclimdb", inner
    if "pos" in subs and "neg" in subs:
        return "posneg", folder
    raise DataError.keyed("data_errors.not_imdb_layout", folder=str(folder))


def _unsup_folder(path: Path) -> Path:
    """train/unsup/ below an aclImdb folder, its parent or its train/ folder (or unsup/ itself)."""
    if path.name.lower() == "unsup":
        return path
    for names in (("train", "unsup"), ("aclimdb", "train", "unsup"), ("unsup",)):
        folder: Path | None = path
        for name in names:
            folder = _subdirs(folder).get(name)
            if folder is None:
                break
        if folder is not None:
            return folder
    raise DataError.keyed("data_errors.no_unsup_folder", path=str(path))


def _txt_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".txt" and not p.name.startswith(".")
                      and p.is_file() and not p.is_symlink())
    except OSError as e:
        raise DataError.keyed("data_errors.unlisted", folder=str(folder), problem=str(e.strerror or e)) from None


def _is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith((".jsonl", ".jsonl.gz"))


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a BOM is dropped), UTF-16 with a BOM, else Windows-1252, else
    Latin-1, which decodes any bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "latin-1"


def _split_name(split: Split) -> str:
    """"train" or "test" as its ids say, "other" for a split whose ids do not (a pos/neg folder's)."""
    first = split.ids[0].split("/")[0] if split.ids else ""
    return first if first in SPLITS else "other"


def _megabytes(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def _one_or_many(n: int) -> str:
    """Which of a text's two forms (``one``, ``many``) counts ``n`` things: English needs both."""
    return "one" if n == 1 else "many"


def _skipped(kind: str, ids: list[str], **fields: str) -> Notice:
    """A warning about ``ids`` (the first three named) that reading had to skip or guess."""
    named = ", ".join(ids[:3]) + (", …" if len(ids) > 3 else "")
    return Notice.keyed(f"data_errors.warn.{kind}.{_one_or_many(len(ids))}", n=len(ids), ids=named, **fields)
