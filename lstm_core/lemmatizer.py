"""WordNet verb lemmas without loading WordNet, and NLTK data found without importing NLTK.

``WordNetLemmatizer().lemmatize(word, pos="v")`` loads the whole of WordNet (all
four index files, the exception lists and the adjective satellites: seconds),
and ``import nltk`` alone takes about a second. A verb lemma needs two small
files only, ``index.verb`` (which words are verbs) and ``verb.exc`` (irregular
forms), so :class:`VerbLemmatizer` reads those two and replays NLTK 3.10's
``WordNetCorpusReader._morphy`` for ``pos="v"`` step by step; a test checks it
against NLTK on every distinct word of real reviews.

Files are looked up like ``nltk.data.find`` does: each folder of the search path
(``nltk.data.path`` when NLTK is already imported, else the same list NLTK would
build from ``NLTK_DATA`` and its default folders), first as an extracted
``corpora/<name>/`` folder, then as ``corpora/<name>.zip``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from pathlib import Path

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


def nltk_search_path() -> list[str]:
    """The folders NLTK searches for data, in its order."""
    nltk = sys.modules.get("nltk")
    data = getattr(nltk, "data", None) if nltk is not None else None
    if data is not None and isinstance(getattr(data, "path", None), list):
        return [str(p) for p in data.path]
    # Mirrors the module-level ``path`` of nltk/data.py (3.10) on POSIX.
    paths = [os.path.expanduser(d) for d in os.environ.get("NLTK_DATA", "").split(os.pathsep) if d]
    if "APPENGINE_RUNTIME" not in os.environ and os.path.expanduser("~/") != "~/":
        paths.append(os.path.expanduser("~/nltk_data"))
    if sys.platform.startswith("win"):
        paths += [os.path.join(sys.prefix, "nltk_data"), os.path.join(sys.prefix, "share", "nltk_data"),
                  os.path.join(sys.prefix, "lib", "nltk_data"),
                  os.path.join(os.environ.get("APPDATA", "C:\\"), "nltk_data"),
                  r"C:\nltk_data", r"D:\nltk_data", r"E:\nltk_data"]
    else:
        paths += [os.path.join(sys.prefix, "nltk_data"), os.path.join(sys.prefix, "share", "nltk_data"),
                  os.path.join(sys.prefix, "lib", "nltk_data"), "/usr/share/nltk_data",
                  "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"]
    return paths


def find_corpus(name: str, members: tuple[str, ...]) -> str | None:
    """Where ``corpora/<name>`` with all of ``members`` lives: a folder, or
    ``"<zip path>"`` for a zip holding ``<name>/<member>``; None if nowhere."""
    paths = nltk_search_path()
    for base in paths:
        folder = Path(base, "corpora", name)
        if all((folder / m).is_file() for m in members):
            return str(folder)
    for base in paths:
        archive = Path(base, "corpora", f"{name}.zip")
        if archive.is_file():
            try:
                with zipfile.ZipFile(archive) as zf:
                    present = set(zf.namelist())
            except (OSError, zipfile.BadZipFile):
                continue
            if all(f"{name}/{m}" in present for m in members):
                return str(archive)
    return None


def read_corpus_files(location: str, name: str, members: tuple[str, ...]) -> dict[str, str]:
    """The UTF-8 text of each member of a corpus found by :func:`find_corpus`."""
    if location.endswith(".zip"):
        with zipfile.ZipFile(location) as zf:
            return {m: zf.read(f"{name}/{m}").decode("utf-8") for m in members}
    return {m: Path(location, m).read_text(encoding="utf-8") for m in members}


class VerbLemmatizer:
    """``lemmatize(w)`` equals ``nltk.stem.WordNetLemmatizer().lemmatize(w, pos="v")``.

    Build it with :meth:`load` (finds WordNet like NLTK) or from the two files'
    text with :meth:`from_text`.
    """

    FILES = ("index.verb", "verb.exc")

    def __init__(self, verbs: frozenset[str], exceptions: dict[str, list[str]], source: str = "",
                 digest: str = ""):
        self.verbs = verbs
        self.exceptions = exceptions
        self.source = source
        self.digest = digest  # of the two files: another WordNet version gives another digest

    @classmethod
    def from_text(cls, index_verb: str, verb_exc: str, source: str = "") -> "VerbLemmatizer":
        # _load_lemma_pos_offset_map: lines starting with a space are the licence;
        # the first field is the lemma (index.verb holds verbs only).
        verbs = frozenset(line.split(None, 1)[0] for line in index_verb.splitlines()
                          if line and not line.startswith(" ") and line.strip())
        # _load_exception_map: the last line for a form wins.
        exceptions: dict[str, list[str]] = {}
        for line in verb_exc.splitlines():
            terms = line.split()
            if terms:
                exceptions[terms[0]] = terms[1:]
        digest = hashlib.sha256(f"{index_verb}\0{verb_exc}".encode()).hexdigest()[:16]
        return cls(verbs, exceptions, source, digest)

    @classmethod
    def load(cls, location: str | None = None) -> "VerbLemmatizer | None":
        """From the WordNet corpus at ``location`` (a folder or zip found by
        :func:`find_corpus`), by default the one on NLTK's search path; None if none."""
        location = location or find_corpus("wordnet", cls.FILES)
        if location is None:
            return None
        texts = read_corpus_files(location, "wordnet", cls.FILES)
        return cls.from_text(texts["index.verb"], texts["verb.exc"], source=location)

    def candidates(self, form: str) -> list[str]:
        """``wn._morphy(form, "v")``: the form itself, then its exception targets or
        its rule rewrites, each kept once and only if WordNet lists it as a verb."""
        if form in self.exceptions:
            forms = self.exceptions[form]
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
