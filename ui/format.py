"""How numbers and user text read on the pages."""

from __future__ import annotations

import html

from lstm_core.limits import estimate_training, training_reviews
from lstm_core.notices import in_lang
from ui.i18n import lang, t


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def seconds(value: float | None) -> str:
    """"42 s" or "2:05" (in the reader's language: "42秒"); "–" when unknown."""
    if value is None:
        return "–"
    value = int(round(value))
    return f"{value // 60}:{value % 60:02d}" if value >= 60 else t("train.seconds", n=value)


def training_estimate(cfg, reviews: int | None = None) -> str:
    """What training ``cfg`` (an ExperimentConfig) on ``reviews`` training reviews (by default as
    many as its data should hold) should take, said before it starts (the Data and Train pages;
    the live progress measures it once it runs)."""
    reviews = training_reviews(cfg) if reviews is None else reviews
    est = estimate_training(cfg, reviews)
    return t("train.estimate", reviews=reviews, per_epoch=seconds(est.seconds / cfg.train.max_epochs),
             total=seconds(est.seconds), epochs=cfg.train.max_epochs)


def plain(text: str) -> str:
    """User text for Streamlit markdown (titles, captions, alerts, toasts): HTML escaped and every
    markdown, LaTeX ($) and colour-directive (:) character backslash-escaped, so it shows exactly
    as typed (a run named "![x](http://…)" shows those characters, never an outside image)."""
    escaped = html.escape(str(text), quote=False)
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|~$:" else c for c in escaped)


def error_markdown(error: Exception | str) -> str:
    """A user-caused error (or a ``Notice``) for markdown, in this session's language: what the user typed
    (paths, names inside it) shown exactly as typed, our template's own markdown (a file name as `code`)
    kept. A text without a catalogue key is escaped whole."""
    return in_lang(error, lang(), escape=plain)
