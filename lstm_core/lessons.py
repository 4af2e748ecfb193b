"""Guided lessons: a teacher's small TOML file of steps, each saying what to do and where.

    title = "Your first LSTM"
    [[steps]]
    page = "train"                       # the page the step opens (home, why_lstm, data, train, gates, compare)
    text = "Press **Train** and watch…"  # Markdown: what to do and what to look at
    highlight = "train"                  # the key of the control to point at (optional)
    settings = { "train.max_epochs" = 3 }   # config fields set when the step opens (optional)
    gates_text = "not good at all"       # the Gates page's sentence (optional)

Lessons live in ``assets/lessons/`` (any ``*.toml`` there is offered); a file is read strictly, and a
mistake names the file, the step and the key. No Streamlit here: ``ui.tour`` draws the steps.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .storage import ASSETS

LESSONS = ASSETS / "lessons"
PAGES = ("home", "why_lstm", "data", "train", "gates", "compare")
STEP_KEYS = {"page", "text", "highlight", "settings", "gates_text"}
MAX_STEPS, MAX_TEXT = 40, 4000


class LessonError(ValueError):
    """A lesson file that cannot be used: names the file, the step and what is wrong."""


@dataclass(frozen=True)
class Step:
    page: str
    text: str
    highlight: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # "section.field" -> value
    gates_text: str | None = None


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem
    title: str
    steps: tuple[Step, ...]

    def config_at(self, index: int, base: ExperimentConfig) -> ExperimentConfig:
        """``base`` with every setting of the steps up to ``index`` applied (a step keeps the ones before)."""
        cfg = base
        for step in self.steps[: index + 1]:
            for key, value in step.settings.items():
                section, name = key.split(".")
                cfg = cfg.replace(**{section: {name: value}})
        return cfg


def parse_lesson(text: str, name: str) -> Lesson:
    where = f"lesson {name}"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LessonError(f"{where} is not valid TOML: {e}") from None
    title, steps = doc.get("title"), doc.get("steps")
    if not isinstance(title, str) or not title.strip():
        raise LessonError(f"{where} needs a title")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise LessonError(f"{where} needs between 1 and {MAX_STEPS} [[steps]]")
    return Lesson(name, title.strip(), tuple(_step(s, f"{where}, step {i}") for i, s in enumerate(steps, 1)))


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise LessonError(f"{where} must be a table")
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise LessonError(f"{where}: unknown keys {sorted(unknown)}; known: {', '.join(sorted(STEP_KEYS))}")
    page, text = raw.get("page"), raw.get("text")
    if page not in PAGES:
        raise LessonError(f"{where}: page must be one of {', '.join(PAGES)}, got {page!r}")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise LessonError(f"{where}: text must be between 1 and {MAX_TEXT} characters")
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise LessonError(f"{where}: settings must be a table of config fields")
    for key, value in settings.items():
        section, _, name = key.partition(".")
        try:
            ExperimentConfig().replace(**{section: {name: value}})
        except (TypeError, ValueError) as e:
            raise LessonError(f"{where}: settings {key} = {value!r}: {e}") from None
    highlight, gates_text = raw.get("highlight"), raw.get("gates_text")
    for key, value in (("highlight", highlight), ("gates_text", gates_text)):
        if value is not None and not isinstance(value, str):
            raise LessonError(f"{where}: {key} must be a string, got {value!r}")
    return Step(page, text.strip(), highlight, dict(settings), gates_text)


def read_lessons(folder: Path = LESSONS) -> dict[str, Lesson]:
    """Every lesson in ``folder`` by name, sorted; a bad file raises :class:`LessonError`."""
    if not folder.is_dir():
        return {}
    return {p.stem: parse_lesson(p.read_text(encoding="utf-8"), p.stem) for p in sorted(folder.glob("*.toml"))}
