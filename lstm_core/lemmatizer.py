"""WordNet verb lemmas without loading WordNet: a compact table shipped in assets/, NLTK's as a second source.

``WordNetLemmatizer().lemmatize(word, pos="v")`` loads the whole of WordNet (all
four index files, the exception lists and the adjective satellites: seconds),
and ``import nltk`` alone takes about a second. A verb lemma needs two small
files only, ``index.verb`` (which words are verbs) and ``verb.exc`` (irregular
forms). :class:`VerbLemmatizer` holds what those two say — the set of verbs and
each irregular form's lemmas, its *table* — and replays NLTK 3.10's
``WordNetCorpusReader._morphy`` for ``pos="v"`` step by step; a test checks it
against NLTK on every distinct word of the bundled reviews.

Where the table comes from, in this order (:func:`find_lemmatizer`):

1. ``assets/wordnet_verbs.txt``, made from NLTK's WordNet 3.0 by
   ``scripts/make_wordnet_verbs.py`` (WordNet's licence is in its header), so
   lemmatization works on every machine with nothing to download;
2. NLTK's WordNet, looked up like ``nltk.data.find`` does (:mod:`lstm_core.nltk_data`).

Both give the same table, hence the same :attr:`VerbLemmatizer.digest`; a run
records that digest (:class:`lstm_core.preprocessing.CleaningRecipe`), and
cleaning for the run asks for a table with it.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from functools import lru_cache
from pathlib import Path

from .nltk_data import find_corpus, read_corpus_files
from .storage import ASSETS

WORDNET_ASSET = ASSETS / "wordnet_verbs.txt"
TABLE_FORMAT = "lstm-lab-wordnet-verbs/1"
VERBS, EXCEPTIONS = "[verbs]", "[exceptions]"  # section lines of a table ("[" is in no lemma)

# NLTK 3.10 wordnet.py, WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS[VERB], in order:
# the order decides which of two equally short lemmas wins.
VERB_SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("s", ""),
    ("ies", "y"),
    ("es", "e"),
    ("es", ""),
    ("ed", "e"),
    ("ed", ""),
    ("ing", "e"),
    ("ing", ""),
)
_VERSION = re.compile(r"WordNet (\d+(?:\.\d+)*) Copyright")


class VerbLemmatizer:
    """``lemmatize(w)`` equals ``nltk.stem.WordNetLemmatizer().lemmatize(w, pos="v")``.

    Build it from NLTK's two files with :meth:`from_wordnet` (or :meth:`load`, which
    finds them like NLTK), or from a bundled table with :meth:`from_table` (or
    :meth:`bundled`). ``source`` is "bundled" or "nltk"; ``version`` the WordNet
    version its licence names ("3.0"); ``digest`` identifies the table itself.
    """

    FILES = ("index.verb", "verb.exc")

    def __init__(self, verbs: frozenset[str], exceptions: dict[str, tuple[str, ...]], version: str = "",
                 source: str = ""):
        self.verbs = verbs
        self.exceptions = exceptions
        self.version = version
        self.source = source
        # of the table: two sources with the same verbs and forms share it, another WordNet does not
        self.digest = hashlib.sha256(self.table().encode("utf-8")).hexdigest()[:16]

    @property
    def name(self) -> str:
        return f"WordNet {self.version or '(unknown version)'} verbs"

    # ---- from NLTK's WordNet
    @classmethod
    def from_wordnet(cls, index_verb: str, verb_exc: str, source: str = "nltk") -> "VerbLemmatizer":
        # _load_lemma_pos_offset_map: lines starting with a space are the licence;
        # the first field is the lemma (index.verb holds verbs only).
        verbs = frozenset(line.split(None, 1)[0] for line in index_verb.splitlines()
                          if line and not line.startswith(" ") and line.strip())
        # _load_exception_map: the last line for a form wins.
        exceptions: dict[str, tuple[str, ...]] = {}
        for line in verb_exc.splitlines():
            terms = line.split()
            if terms:
                exceptions[terms[0]] = tuple(terms[1:])
        found = _VERSION.search(index_verb)
        return cls(verbs, exceptions, found.group(1) if found else "", source)

    @classmethod
    def load(cls, location: str | None = None) -> "VerbLemmatizer | None":
        """From the WordNet corpus at ``location`` (a folder or zip found by
        :func:`find_corpus`), by default the one on NLTK's search path; None if none."""
        location = location or find_corpus("wordnet", cls.FILES)
        return _nltk_at(location) if location is not None else None

    # ---- the bundled table
    def table(self) -> str:
        """The table as text: every verb, then every irregular form with its lemmas, sorted."""
        lines = [VERBS, *sorted(self.verbs), EXCEPTIONS]
        lines += [" ".join((form, *lemmas)) for form, lemmas in sorted(self.exceptions.items())]
        return "\n".join(lines) + "\n"

    def to_asset(self, licence: str) -> str:
        """The text of ``assets/wordnet_verbs.txt``: a header (what, from where, format, version,
        digest, WordNet's ``licence``) and :meth:`table`."""
        header = [
            f"LSTM Lab: the verbs and irregular verb forms of WordNet {self.version}, for the verb",
            "lemmatizer in lstm_core/lemmatizer.py (so that lemmatizing needs no NLTK data).",
            "Made by scripts/make_wordnet_verbs.py from NLTK's copy of WordNet (corpora/wordnet):",
            "[verbs] is every lemma of index.verb, [exceptions] every form of verb.exc and its lemmas.",
            f"format: {TABLE_FORMAT}",
            f"wordnet: {self.version}",
            f"digest: {self.digest}",
            "",
            "WordNet's licence, which applies to this file:",
            "",
            *licence.rstrip("\n").splitlines(),
        ]
        return "".join(f"# {line}".rstrip() + "\n" for line in header) + self.table()

    @classmethod
    def from_table(cls, text: str, source: str = "bundled") -> "VerbLemmatizer":
        """Read :meth:`to_asset`'s text; ValueError if it is not one or its digest does not match."""
        head, sep, body = text.partition(VERBS + "\n")
        fields: dict[str, str] = {}
        for line in head.splitlines():  # the first "# key: value" of each key (the licence comes last)
            key, colon, value = line.removeprefix("# ").partition(": ")
            if colon:
                fields.setdefault(key, value)
        if not sep or fields.get("format") != TABLE_FORMAT:
            raise ValueError(f"not a WordNet verb table of format {TABLE_FORMAT}")
        verbs_part, sep, exc_part = body.partition(EXCEPTIONS + "\n")
        if not sep:
            raise ValueError(f"the table has no {EXCEPTIONS} section")
        exceptions = {}
        for line in exc_part.splitlines():
            terms = line.split()
            if terms:
                exceptions[terms[0]] = tuple(terms[1:])
        lem = cls(frozenset(verbs_part.split()), exceptions, fields.get("wordnet", ""), source)
        if lem.digest != fields.get("digest"):
            raise ValueError(f"the table is damaged: its digest is {lem.digest}, its header says "
                             f"{fields.get('digest')}")
        return lem

    @classmethod
    def bundled(cls) -> "VerbLemmatizer | None":
        """The table shipped in ``assets/`` (:data:`WORDNET_ASSET`); None when missing or damaged."""
        return _bundled_at(str(WORDNET_ASSET))

    # ---- lemmas
    def candidates(self, form: str) -> list[str]:
        """``wn._morphy(form, "v")``: the form itself, then its exception targets or
        its rule rewrites, each kept once and only if WordNet lists it as a verb."""
        if form in self.exceptions:
            forms = list(self.exceptions[form])
        else:
            forms = [form[: -len(old)] + new for old, new in VERB_SUBSTITUTIONS if form.endswith(old)]
        result: list[str] = []
        for f in [form, *forms]:
            if f in self.verbs and f not in result:
                result.append(f)
        return result

    def lemmatize(self, word: str) -> str:
        """The shortest candidate (the first of equal length), else the word unchanged."""
        lemmas = self.candidates(word)
        return min(lemmas, key=len) if lemmas else word


@lru_cache(maxsize=4)
def _bundled_at(path: str) -> VerbLemmatizer | None:
    try:
        return VerbLemmatizer.from_table(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


@lru_cache(maxsize=8)
def _nltk_at(location: str) -> VerbLemmatizer | None:
    try:
        texts = read_corpus_files(location, "wordnet", VerbLemmatizer.FILES)
    except (OSError, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
        return None
    return VerbLemmatizer.from_wordnet(texts["index.verb"], texts["verb.exc"])


def find_lemmatizer(digest: str | None = None) -> VerbLemmatizer | None:
    """The bundled table, else NLTK's WordNet — the first whose digest is ``digest`` (any when
    None); None when neither has it. NLTK's is only read when the bundled one does not do."""
    for load in (VerbLemmatizer.bundled, VerbLemmatizer.load):
        lem = load()
        if lem is not None and (digest is None or lem.digest == digest):
            return lem
    return None
