"""How numbers read on the pages."""

from __future__ import annotations


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def seconds(value: float | None) -> str:
    """"42 s" or "2:05"; "–" when unknown."""
    if value is None:
        return "–"
    value = int(round(value))
    return f"{value // 60}:{value % 60:02d}" if value >= 60 else f"{value} s"
