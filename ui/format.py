"""How numbers and user text read on the pages."""

from __future__ import annotations

import html


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def seconds(value: float | None) -> str:
    """"42 s" or "2:05"; "–" when unknown."""
    if value is None:
        return "–"
    value = int(round(value))
    return f"{value // 60}:{value % 60:02d}" if value >= 60 else f"{value} s"


def plain(text: str) -> str:
    """User text for Streamlit markdown (titles, captions, alerts, toasts): HTML escaped and every
    markdown, LaTeX ($) and colour-directive (:) character backslash-escaped, so it shows exactly
    as typed (a run named "![x](http://…)" shows those characters, never an outside image)."""
    escaped = html.escape(str(text), quote=False)
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|~$:" else c for c in escaped)
