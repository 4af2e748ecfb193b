"""A text as the model reads it: every input word marked kept, unknown, dropped or cut (pure; no Streamlit).

Input words are untrusted: each goes through ``html.escape`` (in ``ui.stages._span``) before it is
placed in our markup, so ``<script>`` typed by a student is shown as text. Uses the Data page's
classes (``ui.stages.STYLE``) so a dropped word looks the same on both pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from lstm_core.explain import CUT, DROPPED, UNKNOWN, Word
from ui.format import plain  # noqa: F401 (pages import it from here too)
from ui.stages import STYLE, _span

EXTRA_STYLE = """
<style>
.lab-sentence { font-size: 16px; line-height: 2.0; padding: 6px 2px 2px; word-wrap: break-word;
  max-height: 20em; overflow-y: auto; }
.lab-read { border-bottom: 2px solid #0E7C86; }
.lab-cut { color: #9AA5AB; }
.lab-step { color: #6B7280; font-size: 10px; vertical-align: sub; margin-left: 1px; }
</style>
"""
LEGEND = ('<div class="lab-legend"><span class="lab-read">read by the model</span>'
          '<span class="lab-oov">unknown word* (read as &lt;oov&gt;)</span>'
          '<span class="lab-removed">dropped by cleaning</span>'
          '<span class="lab-cut">cut (beyond max length)</span>'
          '<span>hover a word for why</span></div>')


def _word_html(word: Word) -> str:
    if word.status == DROPPED:
        return _span("lab-removed", word.text, f"dropped: {word.reason}")
    if word.status == CUT:
        return _span("lab-cut", word.text, f"cut: {word.reason}")
    step = f'<span class="lab-step">{word.step}</span>'
    if word.status == UNKNOWN:  # "?": unknown perhaps only because this machine cleans otherwise
        mark = "?" if word.unsure else "*"
        return _span("lab-oov", f"{word.text}{mark}", f"token {word.step}: {word.reason}") + step
    read_as = f"read as '{word.token}'" if word.token != word.text else "read as is"
    return _span("lab-read", word.text, f"token {word.step}: {read_as}") + step


def _collapsed(words: Sequence[Word], most: int, each_side: int) -> list[str]:
    """Word HTML with every run of more than ``most`` words the model does not read shortened to
    its first and last ``each_side`` words around a count (a 100,000-character paste stays small)."""
    out: list[str] = []
    run: list[Word] = []

    def flush() -> None:
        if len(run) > most:
            out.extend(_word_html(w) for w in run[:each_side])
            out.append(f'<span class="lab-cut">[… {len(run) - 2 * each_side:,} more words not read …]</span>')
            out.extend(_word_html(w) for w in run[-each_side:])
        else:
            out.extend(_word_html(w) for w in run)
        run.clear()

    for word in words:
        if word.status in (CUT, DROPPED):
            run.append(word)
            continue
        flush()
        out.append(_word_html(word))
    flush()
    return out


def sentence_html(words: Sequence[Word], *, most: int = 60, each_side: int = 15) -> str:
    """The words in order, marked, with a legend; long unread stretches collapsed."""
    if not words:
        return STYLE + EXTRA_STYLE + '<div class="lab-sentence lab-cut">(no words)</div>'
    body = " ".join(_collapsed(words, most, each_side))
    return STYLE + EXTRA_STYLE + LEGEND + f'<div class="lab-sentence">{body}</div>'

