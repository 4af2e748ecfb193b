"""Review text → tokens: the tutorial's cleaning, each step switchable, fast, cached on disk.

The tutorial's ``clean_text`` strips HTML with BeautifulSoup, replaces every
non-letter by a space, drops words of 2 letters or fewer, lowercases and
lemmatizes each word as a verb with WordNet, and drops NLTK's English stopwords.
``Cleaner(PreprocessConfig(html_as_space=False, keep_negations=False))`` gives
exactly its tokens (tests check it on real reviews), hundreds of times faster
(``bench/bench_cleaning.py``):

- HTML: IMDB's markup is ``<br />`` and a few ``<i>``/``<p>``. When every ``<`` of
  a review is such a plain tag and no ``&`` starts an entity, a regex removes the
  tags (what ``get_text()`` gives); any other review goes through BeautifulSoup.
- Words: every step after the letters-only split looks at one word alone, so
  the word → cleaned word ("" when dropped) result is memoised per Cleaner.
- Lemmas: :class:`lstm_core.lemmatizer.VerbLemmatizer` reads only WordNet's verb
  index and exception list (milliseconds, where loading WordNet takes seconds).

``keep_negations`` (default on) first spells "n't" out as " not" ("don't" → "do
not", "can't" → "can not"), keeps the words of :data:`NEGATIONS` whatever their
length, and removes them from the stopword list. Stopwords are NLTK's English
list, from NLTK_DATA when there, else the identical copy in
``assets/stopwords_english.txt`` (``unzip -p stopwords.zip stopwords/english``).
Lowercasing is its own switch; the stopword test is case-insensitive either way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import warnings as _warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import lemmatizer as _wn
from .config import PreprocessConfig
from .lemmatizer import VerbLemmatizer

# Bump whenever a change here can change a cleaned token: it is part of the cache key.
CLEANING_VERSION = 1

NEGATIONS: frozenset[str] = frozenset({"not", "no", "nor", "never", "but"})

STOPWORDS_ASSET = Path(__file__).resolve().parent.parent / "assets" / "stopwords_english.txt"

Progress = Callable[[int, int], None]

# Tags that only format text: removing them is all get_text() does to them.
_PLAIN_TAGS = "br|p|i|b|u|em|strong|hr"
_PLAIN_TAG = re.compile(rf"<(?:{_PLAIN_TAGS})\s*/?>|</(?:{_PLAIN_TAGS})\s*>", re.IGNORECASE)
# html.parser turns "&name" and "&#..." into characters; anything else after "&" stays.
_ENTITY_START = re.compile(r"&[a-zA-Z#]")
_LETTERS = re.compile(r"[a-zA-Z]+")
_NON_LETTER = re.compile(r"[^a-zA-Z]")
# "n't" → " not"; the optional vowel catches "can't", "won't", "shan't" (see _spell_out_nt).
# A character class first keeps the scan fast (a leading \b or (?i) makes it 3-5x slower).
_NT = re.compile(r"([aAoO]?)[nN]['\u2019\u00b4`][tT]\b")
# Irregular stems: (letters before the vowel, vowel) → what replaces the vowel.
_NT_IRREGULAR = {("c", "a"): "an", ("w", "o"): "ill", ("sh", "a"): "all"}

_PROGRESS_EVERY = 500
_MEMO_LIMIT = 2_000_000


@dataclass(frozen=True)
class Stage:
    """One step of cleaning a review, as the Data page shows it.

    ``tokens`` is None while the review is still running text (raw, HTML
    stripped, negations spelled out); ``removed`` holds, in order, each word the
    step dropped (a letters-only step drops the chunks that had no letter)."""

    name: str
    text: str
    tokens: tuple[str, ...] | None
    removed: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- resources

@lru_cache(maxsize=8)
def _lemmatizer_at(location: str) -> VerbLemmatizer | None:
    return VerbLemmatizer.load(location)


@lru_cache(maxsize=8)
def _stopword_list(location: str | None) -> tuple[str, ...]:
    """NLTK's English list from a corpus found on NLTK's path, or the bundled copy (None)."""
    if location is None:
        raw = STOPWORDS_ASSET.read_text(encoding="utf-8")
    else:
        raw = _wn.read_corpus_files(location, "stopwords", ("english",))["english"]
    return tuple(w.strip() for w in raw.split("\n") if w.strip())


def _stopwords(keep_negations: bool) -> tuple[frozenset[str], bool]:
    """(the stopword set, whether it came from NLTK_DATA rather than the bundled copy)."""
    location = _wn.find_corpus("stopwords", ("english",))
    words = frozenset(_stopword_list(location))
    return (words - NEGATIONS if keep_negations else words), location is not None


def stopword_set(keep_negations: bool) -> frozenset[str]:
    """NLTK's English stopwords; without the words of :data:`NEGATIONS` if ``keep_negations``."""
    return _stopwords(keep_negations)[0]


def _soup_text(text: str, separator: str) -> str:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(text, "html.parser").get_text(separator)


def _spell_out_nt(match: re.Match[str]) -> str:
    """"don't" → "do not", "can't" → "can not", "won't" → "will not", "shan't" → "shall not"."""
    vowel = match.group(1)
    out = vowel + " not"
    if vowel:
        text, i = match.string, match.start()
        for start in (i - 1, i - 2):
            key = (text[max(start, 0):i].lower(), vowel.lower())
            if start >= 0 and key in _NT_IRREGULAR and (start == 0 or not text[start - 1].isalpha()):
                out = _NT_IRREGULAR[key] + " not"
                break
    return out.upper() if match.group(0).isupper() else out


def _dropped(before: Sequence[str], kept_flags: Sequence[bool]) -> tuple[str, ...]:
    return tuple(w for w, keep in zip(before, kept_flags) if not keep)


# ----------------------------------------------------------------------------- cleaner

class Cleaner:
    """Cleans reviews with one :class:`PreprocessConfig`.

    ``warnings`` says what could not be done as asked (WordNet missing: no
    lemmas) or was done from a fallback (the bundled stopword list)."""

    def __init__(self, cfg: PreprocessConfig = PreprocessConfig()):
        if not isinstance(cfg, PreprocessConfig):
            raise ValueError(f"preprocess must be a PreprocessConfig, got {cfg!r}")
        self.cfg = cfg
        self.warnings: list[str] = []
        self.lemmatizer: VerbLemmatizer | None = None
        if cfg.lemmatize:
            location = _wn.find_corpus("wordnet", VerbLemmatizer.FILES)
            if location is None:
                self.warnings.append(
                    "WordNet not found in NLTK_DATA (searched: " + ", ".join(_wn.nltk_search_path())
                    + "): lemmatization skipped. Point NLTK_DATA at a folder with corpora/wordnet.zip.")
            else:
                self.lemmatizer = _lemmatizer_at(location)
        self.stopwords: frozenset[str] = frozenset()
        if cfg.remove_stopwords:
            self.stopwords, from_nltk = _stopwords(cfg.keep_negations)
            if not from_nltk:
                self.warnings.append("NLTK stopwords not found in NLTK_DATA: using the bundled copy of "
                                     "NLTK's English list (assets/stopwords_english.txt).")
        self._memo: dict[str, str] = {}

    # ---- what the cleaning depends on, for cache keys
    def fingerprint(self) -> str:
        """Changes whenever the same texts could give other tokens."""
        parts = {
            "version": CLEANING_VERSION,
            "config": dataclasses.asdict(self.cfg),
            "wordnet": self.lemmatizer.digest if self.lemmatizer is not None else None,
            "stopwords": sorted(self.stopwords),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    # ---- one step at a time (shared by clean and stages)
    def strip_html(self, text: str) -> str:
        sep = " " if self.cfg.html_as_space else ""
        if "<" not in text and "&" not in text:
            return text
        fast = _PLAIN_TAG.sub(sep, text)
        if "<" in fast or _ENTITY_START.search(text):
            return _soup_text(text, sep)
        return fast

    @staticmethod
    def spell_out_negations(text: str) -> str:
        return _NT.sub(_spell_out_nt, text)

    def _is_negation(self, word: str) -> bool:
        return self.cfg.keep_negations and word.lower() in NEGATIONS

    def long_enough(self, word: str) -> bool:
        return len(word) >= self.cfg.min_word_len or self._is_negation(word)

    def normalise(self, word: str) -> str:
        """Lowercase, then verb lemma, each as configured (the tutorial does both at once)."""
        if self.cfg.lowercase:
            word = word.lower()
        return self.lemmatizer.lemmatize(word) if self.lemmatizer is not None else word

    def is_stopword(self, word: str) -> bool:
        return self.cfg.remove_stopwords and word.lower() in self.stopwords

    def _text_steps(self, text: str) -> str:
        if self.cfg.strip_html:
            text = self.strip_html(text)
        if self.cfg.keep_negations:
            text = self.spell_out_negations(text)
        return text

    def _word(self, word: str) -> str:
        """The cleaned word, or "" when a filter drops it."""
        if not self.long_enough(word):
            return ""
        out = self.normalise(word)
        return "" if self.is_stopword(out) else out

    # ---- the fast path
    def clean(self, text: str) -> list[str]:
        """One review → its tokens."""
        text = self._text_steps(text)
        words = _LETTERS.findall(text) if self.cfg.letters_only else text.split()
        memo = self._memo
        cleaned = list(map(memo.get, words))  # None: not seen yet; "": dropped
        if None in cleaned:
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            cleaned = [self._memo_word(w) if c is None else c for c, w in zip(cleaned, words)]
        return list(filter(None, cleaned))

    def _memo_word(self, word: str) -> str:
        out = self._memo.get(word)
        if out is None:
            out = self._memo[word] = self._word(word)
        return out

    def clean_many(self, texts: Iterable[str], progress: Progress | None = None) -> list[list[str]]:
        """Many reviews → their tokens; ``progress(done, total)`` now and then and at the end."""
        texts = texts if isinstance(texts, Sequence) else list(texts)
        total = len(texts)
        out = []
        clean = self.clean
        for i, text in enumerate(texts, 1):
            out.append(clean(text))
            if progress is not None and i % _PROGRESS_EVERY == 0 and i < total:
                progress(i, total)
        if progress is not None:
            progress(total, total)
        return out

    # ---- the slow path, for showing
    def stages(self, text: str) -> list[Stage]:
        """Every intermediate stage of one review; see :func:`clean_stages`."""
        cfg = self.cfg
        stages = [Stage("raw", text, None)]
        if cfg.strip_html:
            text = self.strip_html(text)
            stages.append(Stage("HTML stripped", text, None))
        if cfg.keep_negations:
            text = self.spell_out_negations(text)
            stages.append(Stage("negations spelled out", text, None))
        if cfg.letters_only:
            chunks = text.split()
            text = _NON_LETTER.sub(" ", text)
            tokens = text.split()
            stages.append(Stage("letters only", text, tuple(tokens),
                                tuple(c for c in chunks if not _LETTERS.search(c))))
        else:
            tokens = text.split()
        if cfg.min_word_len > 1:
            keep = [self.long_enough(w) for w in tokens]
            removed = _dropped(tokens, keep)
            tokens = [w for w, k in zip(tokens, keep) if k]
            stages.append(Stage("short words dropped", " ".join(tokens), tuple(tokens), removed))
        steps = [name for name, on in (("lowercased", cfg.lowercase),
                                       ("lemmatized", self.lemmatizer is not None)) if on]
        if steps:
            tokens = [self.normalise(w) for w in tokens]
            stages.append(Stage(" + ".join(steps), " ".join(tokens), tuple(tokens)))
        if cfg.remove_stopwords:
            keep = [not self.is_stopword(w) for w in tokens]
            removed = _dropped(tokens, keep)
            tokens = [w for w, k in zip(tokens, keep) if k]
            stages.append(Stage("stopwords dropped", " ".join(tokens), tuple(tokens), removed))
        if stages[-1].tokens is None:
            stages.append(Stage("words", " ".join(tokens), tuple(tokens)))
        return stages


def clean_stages(text: str, cfg: PreprocessConfig = PreprocessConfig()) -> list[Stage]:
    """Every intermediate stage of one review, in order:

    ``raw`` → ``HTML stripped`` → ``negations spelled out`` → ``letters only`` →
    ``short words dropped`` → ``lowercased + lemmatized`` → ``stopwords dropped``.

    A step that is switched off is omitted (so is lemmatization when WordNet is
    missing: the label then reads ``lowercased``; ``short words dropped`` is
    omitted when ``min_word_len`` is 1). The last stage always has tokens, equal
    to ``Cleaner(cfg).clean(text)``: if every token step is off it is ``words``,
    the text split on whitespace."""
    return Cleaner(cfg).stages(text)


# ----------------------------------------------------------------------------- disk cache

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
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n".join(" ".join(t) for t in tokens)
    text = f"{_header(key, len(tokens))}\n{body}\n{_footer(body)}\n"
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8", "surrogatepass"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cache_path(texts: Sequence[str], cfg: PreprocessConfig = PreprocessConfig(),
               cache_dir: str | Path | None = None) -> Path:
    """The file in which :func:`clean_corpus` keeps these texts cleaned with this config."""
    return _cache_file(texts, Cleaner(cfg), cache_dir)[0]


def _cache_file(texts: Sequence[str], cleaner: Cleaner, cache_dir: str | Path | None) -> tuple[Path, str]:
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    key = corpus_key(texts, cleaner)
    return folder / f"cleaned-{key}.txt", key


def clean_corpus(texts: Iterable[str], cfg: PreprocessConfig = PreprocessConfig(),
                 cache_dir: str | Path | None = None, progress: Progress | None = None) -> list[list[str]]:
    """``Cleaner(cfg).clean_many(texts)``, read from the disk cache when cleaned before.

    The cache (``cache_dir``, else ``$LSTM_LAB_CACHE``, else ``~/.cache/lstm_lab``)
    is keyed by the texts, the config, the NLTK data found and
    :data:`CLEANING_VERSION`. A damaged file is ignored and rewritten; a cache
    that cannot be written is skipped (the tokens are still returned)."""
    texts = texts if isinstance(texts, Sequence) else list(texts)
    cleaner = Cleaner(cfg)
    path, key = _cache_file(texts, cleaner, cache_dir)
    cached = _read_cache(path, key, len(texts))
    if cached is not None:
        if progress is not None:
            progress(len(texts), len(texts))
        return cached
    tokens = cleaner.clean_many(texts, progress)
    try:
        _write_cache(path, key, tokens)
    except OSError:
        pass  # a read-only or full disk costs speed next time, never the result
    return tokens
