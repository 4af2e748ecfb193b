"""Guided lessons: a teacher's small TOML file of steps, each saying what to do and where.

    title = "Your first LSTM"
    title_ja = "はじめての LSTM"           # the title in Japanese (optional: English is shown without it)
    [[steps]]
    page = "train"                       # the page the step opens (home, why_lstm, data, train, gates, compare)
    text = "Press **Train** and watch…"  # Markdown: what to do and what to look at
    text_ja = "**学習する** を押して…"     # the same in Japanese (optional: English is shown without it)
    highlight = "train"                  # the key of the control to point at (optional)
    settings = { "train.max_epochs" = 3 }   # config fields set when the step opens (optional)
    gates_text = "not good at all"       # the Gates page's sentence (optional; the model reads English)

English (``title``, ``text``) is required; each other language of the app (``lstm_core.i18n.LANGUAGES``)
may add ``title_<lang>`` and ``text_<lang>`` beside it, and a reader in that language sees those, or the
English where a file has none. (A line break inside a paragraph shows as a space, which Japanese does not
put between words: end a Japanese line with ``\\`` inside the triple quotes and TOML joins the lines.)
Lessons live in ``assets/lessons/`` (any ``*.toml`` there is offered); a
file is read strictly, and a mistake names the file, the step and the key (in the reader's language:
a :class:`LessonError` carries its catalogue key, ``lessons.*``). No Streamlit here: ``ui.tour`` draws
the steps.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .errors import LstmLabError
from .i18n import DEFAULT, LANGUAGES
from .storage import ASSETS

LESSONS = ASSETS / "lessons"
PAGES = ("home", "why_lstm", "data", "train", "gates", "compare")
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT)
STEP_KEYS = {"page", "text", "highlight", "settings", "gates_text"} | {f"text_{code}" for code in OTHER_LANGUAGES}
LESSON_KEYS = {"title", "steps"} | {f"title_{code}" for code in OTHER_LANGUAGES}
MAX_STEPS, MAX_TEXT = 40, 4000


class LessonError(LstmLabError):
    """A lesson file that cannot be used: names the file, the step and what is wrong."""


@dataclass(frozen=True)
class Step:
    page: str
    text: str  # English Markdown
    highlight: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # "section.field" -> value
    gates_text: str | None = None
    texts: Mapping[str, str] = field(default_factory=dict)  # other languages: "ja" -> Markdown

    def text_in(self, lang: str) -> str:
        """The step's text in ``lang``, English where the file has none."""
        return self.texts.get(lang, self.text)


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem
    title: str  # English
    steps: tuple[Step, ...]
    titles: Mapping[str, str] = field(default_factory=dict)  # other languages: "ja" -> title

    def title_in(self, lang: str) -> str:
        return self.titles.get(lang, self.title)

    def config_at(self, index: int, base: ExperimentConfig) -> ExperimentConfig:
        """``base`` with every setting of the steps up to ``index`` applied (a step keeps the ones before)."""
        cfg = base
        for step in self.steps[: index + 1]:
            for key, value in step.settings.items():
                section, name = key.split(".")
                cfg = cfg.replace(**{section: {name: value}})
        return cfg


def _error(key: str, /, **fields: Any) -> LessonError:
    return LessonError.keyed(f"lessons.{key}", **fields)


def parse_lesson(text: str, name: str) -> Lesson:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _error("not_toml", name=name, problem=str(e)) from None
    unknown = set(doc) - LESSON_KEYS
    if unknown:
        raise _error("unknown_lesson_keys", name=name, unknown=sorted(unknown), known=", ".join(sorted(LESSON_KEYS)))
    title, steps = doc.get("title"), doc.get("steps")
    if not isinstance(title, str) or not title.strip():
        raise _error("needs_title", name=name)
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise _error("needs_steps", name=name, max=MAX_STEPS)
    titles = _translations(doc, "title",
                           lambda code: _error("bad_title", name=name, key=f"title_{code}", max=MAX_TEXT))
    return Lesson(name, title.strip(), tuple(_step(s, name, i) for i, s in enumerate(steps, 1)), titles)


def _translations(raw: Mapping[str, Any], key: str, bad: Any) -> dict[str, str]:
    """The ``<key>_<lang>`` texts of ``raw`` by language; ``bad(lang)`` is the error for one that is not text."""
    found = {}
    for code in OTHER_LANGUAGES:
        value = raw.get(f"{key}_{code}")
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise bad(code)
        found[code] = value.strip()
    return found


def _step(raw: Any, name: str, step: int) -> Step:
    where = {"name": name, "step": step}
    if not isinstance(raw, dict):
        raise _error("step_not_table", **where)
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise _error("unknown_step_keys", **where, unknown=sorted(unknown), known=", ".join(sorted(STEP_KEYS)))
    page, text = raw.get("page"), raw.get("text")
    if page not in PAGES:
        raise _error("bad_page", **where, pages=", ".join(PAGES), page=page)
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise _error("bad_text", **where, key="text", max=MAX_TEXT)
    texts = _translations(raw, "text", lambda code: _error("bad_text", **where, key=f"text_{code}", max=MAX_TEXT))
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise _error("settings_not_table", **where)
    for key, value in settings.items():
        section, _, field_name = key.partition(".")
        try:
            ExperimentConfig().replace(**{section: {field_name: value}})
        except (TypeError, ValueError) as e:
            raise _error("bad_setting", **where, key=key, value=value, problem=str(e)) from None
    highlight, gates_text = raw.get("highlight"), raw.get("gates_text")
    for key, value in (("highlight", highlight), ("gates_text", gates_text)):
        if value is not None and not isinstance(value, str):
            raise _error("not_string", **where, key=key, value=value)
    return Step(page, text.strip(), highlight, dict(settings), gates_text, texts)


def read_lessons(folder: Path = LESSONS) -> dict[str, Lesson]:
    """Every lesson in ``folder`` by name, sorted; a bad file raises :class:`LessonError`."""
    if not folder.is_dir():
        return {}
    return {p.stem: parse_lesson(p.read_text(encoding="utf-8"), p.stem) for p in sorted(folder.glob("*.toml"))}
