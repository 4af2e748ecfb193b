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
- Lemmas: :class:`lstm_core.lemmatizer.VerbLemmatizer` reads only WordNet's verbs
  and irregular forms, from the table in ``assets/wordnet_verbs.txt`` (milliseconds,
  where loading WordNet takes seconds), else from NLTK's WordNet.

``keep_negations`` (default on) first spells "n't" out as " not" ("don't" → "do
not", "can't" → "can not"), keeps the words of :data:`NEGATIONS` whatever their
length, and removes them from the stopword list. Stopwords are NLTK's English
list, from the copy in ``assets/stopwords_english.txt`` (``scripts/make_stopwords.py``),
else from NLTK's data. Lowercasing is its own switch; the stopword test is
case-insensitive either way. No NLTK data is needed for any step.

No train/serve skew: a :class:`CleaningRecipe` says exactly how a run's text was
cleaned — the code's :data:`CLEANING_VERSION` and the digest of the verb table and
stopword list it read (another WordNet gives another digest). Training records
``Cleaner(cfg).recipe`` in the run; ``Cleaner(cfg, recipe)`` cleans new text for
the run the same way, with whichever source has that data, and says in
``problems`` (and ``unreproduced``) what this machine cannot reproduce.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import warnings as _warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import nltk_data
from .config import PreprocessConfig
from .errors import RunError
from .lemmatizer import VerbLemmatizer, find_lemmatizer
from .notices import Notice
from .storage import ASSETS

# Bump whenever a change here can change a cleaned token: it is part of the cache key and of
# every run's recipe.
CLEANING_VERSION = 1

NEGATIONS: frozenset[str] = frozenset({"not", "no", "nor", "never", "but"})

STOPWORDS_ASSET = ASSETS / "stopwords_english.txt"

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

STOPWORDS_NAME = "NLTK English stopwords"
_DIGEST = re.compile(r"[0-9a-f]{16}")


def data_digest(words: Iterable[str]) -> str:
    """16 hex digits identifying a word list (in order)."""
    return hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=8)
def _stopword_list(location: str, nltk_corpus: bool) -> tuple[str, ...] | None:
    """NLTK's English list from the bundled copy at ``location``, or from the NLTK corpus there
    (``nltk_corpus``, found by ``find_corpus``); None when it cannot be read."""
    try:
        if nltk_corpus:
            raw = nltk_data.read_corpus_files(location, "stopwords", ("english",))["english"]
        else:
            raw = Path(location).read_text(encoding="utf-8")
    except (OSError, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
        return None
    return tuple(w.strip() for w in raw.split("\n") if w.strip()) or None


def find_stopwords(digest: str | None = None) -> tuple[str, ...] | None:
    """The bundled English stopword list, else NLTK's — the first whose :func:`data_digest` is
    ``digest`` (any when None); None when neither has it. NLTK's is only read when needed."""
    lists = [_stopword_list(str(STOPWORDS_ASSET), False)]
    if lists[0] is None or (digest is not None and data_digest(lists[0]) != digest):
        location = nltk_data.find_corpus("stopwords", ("english",))
        lists.append(_stopword_list(location, True) if location is not None else None)
    return next((w for w in lists if w is not None and (digest is None or data_digest(w) == digest)), None)


def stopword_set(keep_negations: bool) -> frozenset[str]:
    """NLTK's English stopwords; without the words of :data:`NEGATIONS` if ``keep_negations``."""
    words = frozenset(find_stopwords() or ())
    return words - NEGATIONS if keep_negations else words


def lemmatization_available() -> bool:
    """Whether this machine can lemmatize (the bundled verb table, or NLTK's WordNet)."""
    return find_lemmatizer() is not None


@dataclass(frozen=True)
class DataUsed:
    """A word list that a cleaning step read: its name and the digest of its content."""

    name: str  # "WordNet 3.0 verbs", "NLTK English stopwords"
    digest: str  # 16 hex digits; another version of the list has another

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not 0 < len(self.name) <= 80 or not self.name.isprintable():
            raise ValueError(f"name must be a short line of text, got {self.name!r:.100}")
        if not isinstance(self.digest, str) or not _DIGEST.fullmatch(self.digest):
            raise ValueError(f"digest must be 16 hex digits, got {self.digest!r:.100}")


@dataclass(frozen=True)
class CleaningRecipe:
    """Exactly how a text was cleaned, beyond its :class:`PreprocessConfig`: the cleaning code's
    version, and the verb table and stopword list read (None: that step did nothing — switched off,
    or its data was missing where the run was trained). A run keeps it in ``RunInfo.cleaning``."""

    version: int
    lemmas: DataUsed | None
    stopwords: DataUsed | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Any) -> "CleaningRecipe":
        """Strict: a ValueError naming the field and echoing the value."""
        if not isinstance(d, dict) or set(d) != {"version", "lemmas", "stopwords"}:
            raise ValueError(f"cleaning must be a mapping of version, lemmas and stopwords, got {d!r:.200}")
        version = d["version"]
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10_000:
            raise ValueError(f"cleaning.version must be a positive integer, got {version!r:.100}")
        parts = {}
        for key in ("lemmas", "stopwords"):
            part = d[key]
            if part is None:
                parts[key] = None
                continue
            if not isinstance(part, dict) or set(part) != {"name", "digest"}:
                raise ValueError(f"cleaning.{key} must be null or a mapping of name and digest, got {part!r:.200}")
            try:
                parts[key] = DataUsed(part["name"], part["digest"])
            except ValueError as e:
                raise ValueError(f"cleaning.{key}.{e}") from None
        return cls(version, parts["lemmas"], parts["stopwords"])

    @classmethod
    def of_run(cls, cfg: PreprocessConfig, info: Any) -> "CleaningRecipe":
        """The recipe a run recorded in its ``RunInfo.cleaning`` (RunError if it is not one); for a
        run saved before runs recorded it, the one its code used (:data:`LEGACY_LEMMAS`,
        :data:`LEGACY_STOPWORDS`, no lemmas if its warnings say WordNet was not found)."""
        recorded = info.cleaning
        if recorded is not None:
            try:
                return cls.from_dict(recorded)
            except ValueError as e:
                raise RunError.keyed("cleaning.recipe_invalid", problem=str(e)) from None
        skipped = any("WordNet not found" in str(w) for w in info.warnings or ())
        return cls(1, LEGACY_LEMMAS if cfg.lemmatize and not skipped else None,
                   LEGACY_STOPWORDS if cfg.remove_stopwords else None)


# What lstm_core 0.1.0 read before runs recorded their recipe: NLTK's WordNet 3.0 and English
# stopwords, which are exactly the bundled copies (tests check both digests against the assets).
LEGACY_LEMMAS = DataUsed("WordNet 3.0 verbs", "2ee81586b938a67f")
LEGACY_STOPWORDS = DataUsed(STOPWORDS_NAME, "2faef318155a30d7")

NO_WORDNET = Notice.keyed("cleaning.no_wordnet")
NO_STOPWORDS = Notice.keyed("cleaning.no_stopwords")


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
    """Cleans reviews with one :class:`PreprocessConfig`, and with ``recipe`` as a run's text was.

    Without ``recipe`` it reads the first verb table and stopword list it finds (the bundled
    ones); ``recipe`` (what it does) is what training records. With a run's ``recipe`` it reads
    data with the recorded digests, and where this machine has none, the closest it has: each
    such step is in ``unreproduced`` ("lemmas", "stopwords", "version") and explained in
    ``problems``. ``warnings`` says what could not be done as asked, ``problems`` included."""

    def __init__(self, cfg: PreprocessConfig = PreprocessConfig(), recipe: CleaningRecipe | None = None):
        if not isinstance(cfg, PreprocessConfig):
            raise ValueError(f"preprocess must be a PreprocessConfig, got {cfg!r}")
        if recipe is not None and not isinstance(recipe, CleaningRecipe):
            raise ValueError(f"recipe must be a CleaningRecipe or None, got {recipe!r:.200}")
        self.cfg = cfg
        self.warnings: list[str] = []
        self.problems: list[str] = []
        self.unreproduced: set[str] = set()
        if recipe is not None and recipe.version != CLEANING_VERSION:
            self._problem("version", Notice.keyed("cleaning.problem.version", recorded=recipe.version,
                                                  current=CLEANING_VERSION))
        self.lemmatizer: VerbLemmatizer | None = None
        if cfg.lemmatize:
            self.lemmatizer = self._lemmatizer(recipe)
        words: tuple[str, ...] | None = None
        if cfg.remove_stopwords:
            words = self._stopword_list(recipe)
        self.stopwords: frozenset[str] = frozenset(words or ())
        if cfg.keep_negations:
            self.stopwords -= NEGATIONS
        lemmas = self.lemmatizer
        self.recipe = CleaningRecipe(
            CLEANING_VERSION, DataUsed(lemmas.name, lemmas.digest) if lemmas is not None else None,
            DataUsed(STOPWORDS_NAME, data_digest(words)) if words else None)
        self._memo: dict[str, str] = {}

    def _problem(self, step: str, message: Notice) -> None:
        self.unreproduced.add(step)
        self.problems.append(message)
        self.warnings.append(message)

    def _lemmatizer(self, recipe: CleaningRecipe | None) -> VerbLemmatizer | None:
        want = recipe.lemmas if recipe is not None else None
        if recipe is not None and want is None:
            return None  # training did not lemmatize (WordNet was missing there): neither do we
        found = find_lemmatizer(want.digest if want is not None else None)
        if found is not None:
            return found
        other = find_lemmatizer()
        if want is None:
            self.warnings.append(NO_WORDNET)
        elif other is not None:
            self._problem("lemmas", Notice.keyed("cleaning.problem.lemmas_other", name=want.name,
                                                 digest=want.digest, other=other.name, other_digest=other.digest))
        else:
            self._problem("lemmas", Notice.keyed("cleaning.problem.lemmas_missing", name=want.name,
                                                 digest=want.digest))
        return other

    def _stopword_list(self, recipe: CleaningRecipe | None) -> tuple[str, ...] | None:
        want = recipe.stopwords if recipe is not None else None
        if recipe is not None and want is None:
            return None
        found = find_stopwords(want.digest if want is not None else None)
        if found is not None:
            return found
        other = find_stopwords()
        if want is None:
            self.warnings.append(NO_STOPWORDS)
        elif other is not None:
            self._problem("stopwords", Notice.keyed("cleaning.problem.stopwords_other", name=want.name,
                                                    digest=want.digest, other=STOPWORDS_NAME,
                                                    other_digest=data_digest(other)))
        else:
            self._problem("stopwords", Notice.keyed("cleaning.problem.stopwords_kept", name=want.name,
                                                    digest=want.digest))
        return other

    @property
    def exact(self) -> bool:
        """Whether this cleaner reproduces its recipe (always, without one) on this machine."""
        return not self.unreproduced

    # ---- what the cleaning depends on, for cache keys
    def fingerprint(self) -> str:
        """Changes whenever the same texts could give other tokens."""
        parts = {
            "version": CLEANING_VERSION,
            "config": dataclasses.asdict(self.cfg),
            "recipe": self.recipe.to_dict(),
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
        return word.lower() in self.stopwords  # empty unless stopwords are removed

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

    A step that is switched off is omitted (so is lemmatization when no verb
    table is found: the label then reads ``lowercased``; ``short words dropped`` is
    omitted when ``min_word_len`` is 1). The last stage always has tokens, equal
    to ``Cleaner(cfg).clean(text)``: if every token step is off it is ``words``,
    the text split on whitespace."""
    return Cleaner(cfg).stages(text)
