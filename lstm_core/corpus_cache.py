"""Cleaned reviews kept on disk: cleaning 25,000 reviews takes seconds, reading them back a fraction.

One file per (texts, cleaning config, recipe, cleaning version), named by their hash, in
``$LSTM_LAB_CACHE`` or ``~/.cache/lstm_lab``; a header with the key and a checksum footer, so a
foreign or damaged file is ignored and rewritten. Bounded: beyond ``LIMITS.cache_bytes`` the least
recently used files are removed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .config import PreprocessConfig
from .limits import LIMITS
from .preprocessing import CLEANING_VERSION, Cleaner, Progress
from .storage import atomic_write_bytes


def default_cache_dir() -> Path:
    env = os.environ.get("LSTM_LAB_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "lstm_lab"


def corpus_key(texts: Sequence[str], cleaner: Cleaner) -> str:
    """Hash of the texts (in order), the config and the cleaning code version."""
    h = hashlib.sha256(cleaner.fingerprint().encode())
    h.update(len(texts).to_bytes(8, "little"))
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:32]


def _header(key: str, n: int) -> str:
    return f"# lstm_lab cleaned reviews v{CLEANING_VERSION} n={n} key={key}"


def _footer(body: str) -> str:
    return "# end sha256=" + hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _read_cache(path: Path, key: str, n: int) -> list[list[str]] | None:
    """The cached tokens, or None when the file is missing, foreign or damaged."""
    try:
        lines = path.read_bytes().decode("utf-8", "surrogatepass").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) != n + 3 or lines[0] != _header(key, n) or lines[n + 2]:
        return None
    body = lines[1:n + 1]
    if lines[n + 1] != _footer("\n".join(body)):
        return None
    return [line.split() for line in body]


def _write_cache(path: Path, key: str, tokens: Sequence[Sequence[str]]) -> None:
    """Header, one review a line (tokens joined by spaces), checksum footer; written
    to a temporary file in the same folder, then renamed over the old one."""
    body = "\n".join(" ".join(t) for t in tokens)
    text = f"{_header(key, len(tokens))}\n{body}\n{_footer(body)}\n"
    atomic_write_bytes(path, text.encode("utf-8", "surrogatepass"))


def cache_path(texts: Sequence[str], cfg: PreprocessConfig = PreprocessConfig(),
               cache_dir: str | Path | None = None) -> Path:
    """The file in which :func:`clean_corpus` keeps these texts cleaned with this config."""
    return _cache_file(texts, Cleaner(cfg), cache_dir)[0]


def _cache_file(texts: Sequence[str], cleaner: Cleaner, cache_dir: str | Path | None) -> tuple[Path, str]:
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    key = corpus_key(texts, cleaner)
    return folder / f"cleaned-{key}.txt", key


def clean_corpus(texts: Iterable[str], cfg: PreprocessConfig = PreprocessConfig(),
                 cache_dir: str | Path | None = None, progress: Progress | None = None, *,
                 cleaner: Cleaner | None = None) -> list[list[str]]:
    """``Cleaner(cfg).clean_many(texts)`` (or ``cleaner``'s), read from the disk cache when cleaned before.

    The cache (``cache_dir``, else ``$LSTM_LAB_CACHE``, else ``~/.cache/lstm_lab``)
    is keyed by the texts, the config, the recipe (the data read) and
    :data:`CLEANING_VERSION`. A damaged file is ignored and rewritten; a cache
    that cannot be written is skipped (the tokens are still returned)."""
    texts = texts if isinstance(texts, Sequence) else list(texts)
    cleaner = cleaner or Cleaner(cfg)
    path, key = _cache_file(texts, cleaner, cache_dir)
    cached = _read_cache(path, key, len(texts))
    if cached is not None:
        os.utime(path)  # recently used: pruned last
        if progress is not None:
            progress(len(texts), len(texts))
        return cached
    tokens = cleaner.clean_many(texts, progress)
    try:
        _write_cache(path, key, tokens)
        prune(path.parent, LIMITS.cache_bytes, keep=path)
    except OSError:
        pass  # a read-only or full disk costs speed next time, never the result
    return tokens


def prune(folder: Path, max_bytes: int, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used cleaned corpora until the folder's total is under
    ``max_bytes`` (a student toggling every switch writes one file per setting); never ``keep``."""
    files = sorted(folder.glob("cleaned-*.txt"), key=lambda f: f.stat().st_mtime)
    total = sum(f.stat().st_size for f in files)
    removed = []
    for f in files:
        if total <= max_bytes:
            break
        if f == keep:
            continue
        total -= f.stat().st_size
        f.unlink(missing_ok=True)
        removed.append(f)
    return removed
