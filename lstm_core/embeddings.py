"""Word vectors from files, and the embedding matrix for a vocabulary.

Readers stream the file and keep only the rows a vocabulary asks for, so the
3.6 GB GoogleNews file never sits in memory whole. Formats:

- ``.npz``: ours (``words`` unicode array + ``vectors`` float16/32), read with
  ``allow_pickle=False``; the bundled IMDB word2vec ships this way;
- word2vec binary (``.bin``, ``.bin.gz``: header ``N D``, then word, space, D
  little-endian float32 per row) — the GoogleNews format;
- word2vec/GloVe text (``.txt``, ``.vec``, optionally ``.gz``; the ``N D``
  header is optional);

gensim's own ``KeyedVectors.save`` files (``.kv``, ``.model``, ``.wordvectors``)
are pickles: loading one runs whatever code its author put in it, so they are
refused with a message naming the formats that are read (gensim's
``save_word2vec_format`` writes the binary or text format, which are).

Every size a file declares (rows, dimension, a line, an ``.npz`` array) is
checked against ``lstm_core.limits.LIMITS`` before it is read, and messages
never quote the file's contents.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

import numpy as np

from .config import ExperimentConfig
from .errors import DataError
from .i18n import text
from .limits import LIMITS
from .storage import ASSETS, atomic_path
from .vocabulary import OOV, PAD, Vocabulary

BUNDLED_WORD2VEC = ASSETS / "word2vec_imdb.npz"
TEXT_SUFFIXES = (".txt", ".vec")
BINARY_SUFFIXES = (".bin",)
PICKLE_SUFFIXES = (".kv", ".model", ".wordvectors", ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".npy")
FORMATS = text("en", "data_errors.vectors.formats")  # the formats read, as the messages name them


@dataclass(frozen=True)
class Vectors:
    """Some rows of a vector file: ``vectors[i]`` belongs to ``words[i]``."""

    words: tuple[str, ...]
    vectors: np.ndarray  # (n, dim) float32
    dim: int
    rows_in_file: int  # how many rows the file has (read or skipped)
    source: str

    def __post_init__(self) -> None:
        if self.vectors.shape != (len(self.words), self.dim):
            raise ValueError(f"vectors must have shape {(len(self.words), self.dim)}, got {self.vectors.shape}")

    def as_dict(self) -> dict[str, np.ndarray]:
        return dict(zip(self.words, self.vectors))


def check_vector_file(path: str | Path) -> Path:
    """The vector file ``path`` names, if it exists and is not of a format that is never read
    (cheap: called before the data is prepared, so a refusal costs nothing)."""
    p = Path(str(path)).expanduser()
    if str(path).strip() == "":
        raise DataError.keyed("data_errors.vectors.empty_path")
    if not p.is_file():
        raise DataError.keyed("data_errors.vectors.missing", path=str(p))
    if p.name.lower().removesuffix(".gz").endswith(PICKLE_SUFFIXES):
        raise DataError.keyed("data_errors.vectors.pickle", name=p.name)
    return p


def load_vectors(path: str | Path, wanted: Iterable[str] | None = None) -> Vectors:
    """Read the rows for ``wanted`` words (all rows if None) from a vector file."""
    p = check_vector_file(path)
    keep = None if wanted is None else set(wanted)
    name = p.name.lower().removesuffix(".gz")
    try:
        if name.endswith(".npz"):
            return _read_npz(p, keep)
        with _open(p) as f:
            if name.endswith(BINARY_SUFFIXES):
                return _read_binary(f, keep, str(p))
            if name.endswith(TEXT_SUFFIXES):
                return _read_text(f, keep, str(p))
            head = f.peek(64)[:64] if hasattr(f, "peek") else b""
            is_text = all(32 <= b < 127 or b in (9, 10, 13) for b in head.split(b"\n", 1)[-1][:40])
            return (_read_text if is_text else _read_binary)(f, keep, str(p))
    except (OSError, EOFError, gzip.BadGzipFile, zipfile.BadZipFile) as e:
        raise DataError.keyed("data_errors.vectors.unreadable", path=str(p), problem=type(e).__name__) from None


def _open(p: Path) -> BinaryIO:
    with open(p, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    return io.BufferedReader(gzip.open(p, "rb")) if gz else open(p, "rb")


def _header(line: bytes, source: str) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(x.isdigit() for x in parts):
        n, dim = int(parts[0]), int(parts[1])
        if not 1 <= n <= LIMITS.vector_rows or not 1 <= dim <= LIMITS.vector_dim:
            raise DataError.keyed("data_errors.vectors.too_big_header", source=source, rows=n, dim=dim,
                                  max_rows=LIMITS.vector_rows, max_dim=LIMITS.vector_dim)
        return n, dim
    return None


def _readline(f: BinaryIO, source: str) -> bytes:
    """One line, refusing one longer than ``LIMITS.vector_line_bytes`` before holding more of it."""
    line = f.readline(LIMITS.vector_line_bytes + 1)
    if len(line) > LIMITS.vector_line_bytes:
        raise DataError.keyed("data_errors.vectors.long_line", source=source, mb=LIMITS.vector_line_bytes // 2**20)
    return line


def _lines(f: BinaryIO, source: str):
    while line := _readline(f, source):
        yield line


def _read_binary(f: BinaryIO, keep: set[str] | None, source: str) -> Vectors:
    head = _header(_readline(f, source), source)
    if head is None:
        raise DataError.keyed("data_errors.vectors.no_header", source=source)
    n, dim = head
    row_bytes = 4 * dim
    words, rows = [], []
    for i in range(n):
        word = _read_word(f, source, i)
        data = f.read(row_bytes)
        if len(data) < row_bytes:
            raise DataError.keyed("data_errors.vectors.row_ends_early", source=source, row=i + 1, rows=n)
        if keep is None or word in keep:
            words.append(word)
            rows.append(np.frombuffer(data, dtype="<f4"))
    return _vectors(words, rows, dim, n, source)


def _read_word(f: BinaryIO, source: str, i: int) -> str:
    buf = bytearray()
    while True:
        ch = f.read(1)
        if not ch:
            raise DataError.keyed("data_errors.vectors.row_no_vector", source=source, row=i + 1)
        if ch == b" ":
            break
        if ch != b"\n" or buf:  # rows may start with the previous row's newline
            buf += ch
        if len(buf) > 1000:
            raise DataError.keyed("data_errors.vectors.row_no_word", source=source, row=i + 1)
    return buf.decode("utf-8", errors="replace")


def _read_text(f: BinaryIO, keep: set[str] | None, source: str) -> Vectors:
    first = _readline(f, source)
    head = _header(first, source)
    lines = _lines(f, source) if head else _chain(first, _lines(f, source))
    dim = head[1] if head else None
    words, rows, n = [], [], 0
    for lineno, raw in enumerate(lines, start=2 if head else 1):
        parts = raw.rstrip(b"\r\n").split(b" ")
        if parts == [b""]:
            continue
        n += 1
        if dim is None:
            dim = len(parts) - 1
            if not 1 <= dim <= LIMITS.vector_dim:
                raise DataError.keyed("data_errors.vectors.bad_field_count", source=source, line=lineno,
                                      fields=dim, max_dim=LIMITS.vector_dim)
        if len(parts) - 1 != dim:
            found = len(parts) - 1
            raise DataError.keyed("data_errors.vectors.wrong_count_truncated" if found < dim
                                  else "data_errors.vectors.wrong_count", source=source, line=lineno,
                                  found=found, expected=dim)
        word = parts[0].decode("utf-8", errors="replace")
        if keep is None or word in keep:
            try:
                rows.append(np.array([float(x) for x in parts[1:]], dtype=np.float32))
            except ValueError:  # float()'s message would quote the file
                raise DataError.keyed("data_errors.vectors.not_a_number", source=source, line=lineno) from None
            words.append(word)
    if dim is None:
        raise DataError.keyed("data_errors.vectors.empty", source=source)
    if head and n < head[0]:
        raise DataError.keyed("data_errors.vectors.fewer_rows", source=source, promised=head[0], found=n)
    return _vectors(words, rows, dim, n, source)


def _chain(first: bytes, rest):
    yield first
    yield from rest


_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _npz_shapes(p: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each array's shape and dtype from its header, without reading (or inflating) its data."""
    out = {}
    with zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            with zf.open(info) as f:
                read_header = _NPY_HEADERS.get(np.lib.format.read_magic(f))
                if read_header is None:
                    raise ValueError("unknown .npy version")
                shape, _, dtype = read_header(f, max_header_size=10_000)
            out[info.filename.removesuffix(".npy")] = (shape, dtype)
    return out


def _read_npz(p: Path, keep: set[str] | None) -> Vectors:
    bad = DataError.keyed("data_errors.vectors.not_npz", path=str(p))
    try:
        shapes = _npz_shapes(p)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        raise bad from None
    if set(shapes) != {"words", "vectors"}:
        raise bad
    (w_shape, w_dtype), (v_shape, v_dtype) = shapes["words"], shapes["vectors"]
    if (len(w_shape) != 1 or len(v_shape) != 2 or w_shape[0] != v_shape[0] or w_dtype.kind != "U"
            or v_dtype.kind != "f"):
        raise DataError.keyed("data_errors.vectors.bad_npz_shape", path=str(p))
    if v_shape[0] > LIMITS.vector_rows or v_shape[1] > LIMITS.vector_dim or w_dtype.itemsize > 4 * 1000:
        raise DataError.keyed("data_errors.vectors.too_big_npz", path=str(p), rows=v_shape[0], dim=v_shape[1],
                              max_rows=LIMITS.vector_rows, max_dim=LIMITS.vector_dim)
    try:
        with np.load(p, allow_pickle=False) as z:
            words, vectors = z["words"], z["vectors"]
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile):
        raise bad from None
    idx = np.arange(len(words)) if keep is None else np.array(
        [i for i, w in enumerate(words) if w in keep], dtype=np.int64)
    return Vectors(tuple(str(w) for w in words[idx]), vectors[idx].astype(np.float32),
                   int(vectors.shape[1]), len(words), str(p))


def _vectors(words, rows, dim, n, source) -> Vectors:
    matrix = np.stack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
    if not np.isfinite(matrix).all():
        raise DataError.keyed("data_errors.vectors.not_finite", source=source)
    return Vectors(tuple(words), matrix, dim, n, source)


def save_npz(vectors: Vectors, path: str | Path, dtype: str = "float16") -> Path:
    """Write vectors in our pickle-free format (float16 halves the file; cosine neighbours do not change)."""
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, words=np.array(vectors.words, dtype=str), vectors=vectors.vectors.astype(dtype))
    return Path(path)


class WrongDimension(DataError):
    """The vectors' dimension is not the model's embedding size (``found`` and ``expected``, so a
    page can offer the fix)."""

    def __init__(self, message: str, found: int, expected: int):
        super().__init__(message)
        self.found, self.expected = found, expected

    @classmethod
    def of(cls, source: str, found: int, expected: int) -> "WrongDimension":
        """The error for vectors of dimension ``found`` where the model has ``expected``, with its key
        (``keyed`` cannot build a class that needs ``found`` and ``expected``)."""
        fields = {"source": source, "found": found, "expected": expected}
        error = cls(text("en", "data_errors.vectors.wrong_dimension", **fields), found=found, expected=expected)
        error.key, error.fields = "data_errors.vectors.wrong_dimension", fields
        return error


@dataclass(frozen=True)
class Coverage:
    vocab_words: int  # words in the vocabulary (without padding and OOV)
    found_words: int  # of those, how many the vectors have
    corpus_tokens: int  # training tokens the vocabulary counted
    found_tokens: int  # of those, how many are of words the vectors have
    unknown_rows: str  # what rows of words without a vector hold

    @property
    def word_share(self) -> float:
        return self.found_words / self.vocab_words if self.vocab_words else 0.0

    @property
    def token_share(self) -> float:
        return self.found_tokens / self.corpus_tokens if self.corpus_tokens else 0.0

    def to_dict(self) -> dict:
        return {"vocab_words": self.vocab_words, "found_words": self.found_words,
                "word_share": round(self.word_share, 4), "corpus_tokens": self.corpus_tokens,
                "found_tokens": self.found_tokens, "token_share": round(self.token_share, 4),
                "unknown_rows": self.unknown_rows}


def embedding_matrix(vocab: Vocabulary, vectors: Vectors, dim: int, *, unknown: str = "random",
                     seed: int = 0) -> tuple[np.ndarray, Coverage]:
    """The (vocab.size, dim) starting embedding and how much of it came from ``vectors``.

    Row 0 (padding) is zero. Words with a vector get it as is. The OOV row and
    words without a vector get ``unknown``: "zero", or "random" — seeded normal
    values with the spread of the found vectors, so they are neither silent nor
    louder than real words.
    """
    if vectors.dim != dim:
        raise WrongDimension.of(vectors.source, found=vectors.dim, expected=dim)
    if unknown not in ("zero", "random"):
        raise ValueError(f"unknown must be 'zero' or 'random', got {unknown!r}")
    found = vectors.as_dict()
    std = float(vectors.vectors.std()) if len(vectors.words) else 0.05
    rng = np.random.default_rng(seed)
    matrix = (rng.normal(0.0, std, (vocab.size, dim)) if unknown == "random"
              else np.zeros((vocab.size, dim))).astype(np.float32)  # (V, dim)
    matrix[PAD] = 0.0
    hits = tokens = hit_tokens = 0
    for word, i in vocab.index_.items():
        count = vocab.counts_.get(word, 0)
        tokens += count
        vec = found.get(word)
        if vec is not None:
            matrix[i] = vec
            hits += 1
            hit_tokens += count
    assert OOV == 1  # the OOV row keeps the "unknown" initialisation
    return matrix, Coverage(len(vocab.index_), hits, tokens, hit_tokens, unknown)


def nearest(words: list[str] | tuple[str, ...], matrix: np.ndarray, word: str, k: int = 10) -> list[tuple[str, float]]:
    """The k rows most similar (cosine) to ``word``'s row; ``words[i]`` names row i."""
    try:
        i = list(words).index(word)
    except ValueError:
        raise DataError.keyed("data_errors.vectors.not_in_vocabulary", word=word) from None
    m = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1)
    norms[norms == 0] = 1.0
    sims = (m @ m[i]) / (norms * norms[i])  # (V,)
    sims[i] = -np.inf
    order = np.argsort(-sims)[:k]
    return [(words[j], float(sims[j])) for j in order if np.isfinite(sims[j])]


def word2vec_matrix(cfg: ExperimentConfig, vocab: Vocabulary) -> tuple[np.ndarray, Coverage]:
    """The starting embedding for ``cfg.model.embedding_init == "word2vec"``: rows of the vectors at
    ``cfg.model.embedding_path`` (default: the IMDB word2vec bundled in assets/) for the
    vocabulary's words; words without a vector get seeded random rows. Returns (matrix, Coverage)."""
    path = cfg.model.embedding_path or BUNDLED_WORD2VEC
    if not cfg.model.embedding_path and not BUNDLED_WORD2VEC.is_file():
        raise DataError.keyed("data_errors.vectors.bundled_missing")
    vectors = load_vectors(path, wanted=vocab.index_)
    return embedding_matrix(vocab, vectors, cfg.model.embedding_dim, unknown="random", seed=cfg.train.seed)
