"""Every text the app shows, in English and Japanese: one catalogue per language.

A language's catalogue is the folder ``assets/i18n/<lang>/``, one TOML file per page or part
(``gates.toml``, ``train.toml``, …) so that a translator can work page by page. A key is the file's
name and the dotted path inside it: ``gates.caption_lstm`` is ``caption_lstm`` in ``gates.toml``.
Both languages have exactly the same keys and the same ``{fields}`` in each text
(tests/test_i18n.py).

A text is a whole sentence (or a label, or a paragraph) with named fields, filled by ``str.format``:
``text("ja", "gates.verdict", p=0.97)``. Texts are never built from translated fragments — a word
order that suits English rarely suits Japanese — so a variant is its own key. Whole sentences may be
joined with ``sentences``, which knows that Japanese sentences follow each other without a space.

The templates are ours; what a user typed only ever enters as a field's value (escaped by the page).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lstm_core.storage import ASSETS

CATALOGUES = ASSETS / "i18n"
LANGUAGES = {"en": "English", "ja": "日本語"}  # code -> the language's own name, for the switch
DEFAULT = "en"
SENTENCE_GAP = {"en": " ", "ja": ""}  # what goes between two sentences: Japanese needs no space after 。


@dataclass(frozen=True)
class Catalogue:
    """One language's texts, by key."""

    lang: str
    texts: Mapping[str, str]

    def __call__(self, key: str, /, **fields: Any) -> str:
        return self.texts[key].format(**fields)  # always: a literal brace is written {{ or }}


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str], source: Path) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping):
            _flatten(key, value, out, source)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ValueError(f"{source.name}: {key} must be a text, got {type(value).__name__}")


def read_catalogue(folder: Path, lang: str) -> Catalogue:
    """The catalogue in ``folder`` (every ``*.toml`` in it); a key defined twice is an error."""
    texts: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        part: dict[str, str] = {}
        _flatten(path.stem, tomllib.loads(path.read_text(encoding="utf-8")), part, path)
        texts.update(part)
    return Catalogue(lang, texts)


@cache
def catalogue(lang: str) -> Catalogue:
    """The shipped catalogue of ``lang`` (one of LANGUAGES), read once per process."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return read_catalogue(CATALOGUES / lang, lang)


def text(lang: str, key: str, /, **fields: Any) -> str:
    """The text of ``key`` in ``lang``, its fields filled; English if ``lang`` lacks it (the key-parity
    test keeps that from happening in what ships), a KeyError naming the key if English lacks it too."""
    texts = catalogue(lang if lang in LANGUAGES else DEFAULT)
    if key not in texts.texts and lang != DEFAULT:
        texts = catalogue(DEFAULT)
    if key not in texts.texts:
        raise KeyError(f"no text {key!r} in the {DEFAULT!r} catalogue ({CATALOGUES / DEFAULT})")
    return texts(key, **fields)


def sentences(lang: str, parts: Iterable[str]) -> str:
    """Whole sentences one after the other (empty ones left out), spaced as ``lang`` writes them."""
    return SENTENCE_GAP.get(lang, " ").join(p for p in parts if p)


class Keyed:
    """A text in English that also carries its catalogue key and fields, so that the app can say it in the
    reader's language (``lstm_core.notices.in_lang``): mixed into ``LstmLabError`` (an error's message) and
    ``lstm_core.notices.Notice`` (a ``str``)."""

    key: str | None = None
    fields: dict[str, Any] = {}

    @classmethod
    def keyed(cls, key: str, /, **fields: Any):
        """This class made from the English text of catalogue ``key``, carrying the key and fields."""
        made = cls(text(DEFAULT, key, **fields))
        made.key, made.fields = key, fields
        return made


def fields_of(template: str) -> set[str]:
    """The names of a template's ``{fields}`` (for the test that both languages ask for the same)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
