"""``update_section(title, markdown)``: write one ``## title`` section of ``bench/results.md``.

Each benchmark owns one section; the others are kept as they are, in their order.
A new section goes at the end. The file is written to a temporary file, then renamed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lstm_core.storage import atomic_write_bytes  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"
HEADER = "# Benchmarks\n\nEach section is written by the script it names; rerun that script to refresh it.\n"


def _split(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(text before the first section, [(title, body), ...])."""
    parts = re.split(r"^## (.+)$\n?", text, flags=re.MULTILINE)
    head, rest = parts[0], parts[1:]
    return head, [(rest[i].strip(), rest[i + 1]) for i in range(0, len(rest), 2)]


def update_section(title: str, markdown: str, path: str | Path = RESULTS) -> Path:
    """Replace (or append) the section ``## title`` with ``markdown``; returns the file."""
    title = title.strip()
    if not title or "\n" in title:
        raise ValueError(f"title must be one non-empty line, got {title!r}")
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    head, sections = _split(text)
    if any(t == title for t, _ in sections):
        sections = [(t, markdown if t == title else b) for t, b in sections]
    else:
        sections.append((title, markdown))
    out = head.rstrip("\n") + "\n\n" + "".join(f"## {t}\n\n{b.strip(chr(10))}\n\n" for t, b in sections)
    return atomic_write_bytes(path, (out.rstrip("\n") + "\n").encode("utf-8"))
