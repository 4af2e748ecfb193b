"""A text as the model reads it: every input word marked kept, unknown, dropped or cut (pure; no Streamlit).

Input words are untrusted: each goes through ``html.escape`` (in ``ui.stages._span``) before it is
placed in our markup, so ``<script>`` typed by a student is shown as text. Uses the Data page's
classes (``ui.stages.STYLE``) so a dropped word looks the same on both pages. The legend and the
hover texts are in ``lang`` (``explain.sentence`` in the catalogue; each word's reason comes from
``explain(..., lang=)``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from lstm_core.explain import CUT, DROPPED, UNKNOWN, Word
from lstm_core.i18n import text
from lstm_core.vocabulary import OOV_TOKEN
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


def _t(lang: str, key: str, /, **fields) -> str:
    return text(lang, f"explain.sentence.{key}", **fields)


def legend(lang: str = "en") -> str:
    """What each mark means, above the words."""
    parts = [("lab-read", _t(lang, "read")), ("lab-oov", _t(lang, "unknown", oov=OOV_TOKEN)),
             ("lab-removed", _t(lang, "dropped")), ("lab-cut", _t(lang, "cut")), ("", _t(lang, "hover"))]
    spans = "".join(f'<span class="{cls}">{html.escape(said)}</span>' if cls else f"<span>{html.escape(said)}</span>"
                    for cls, said in parts)
    return f'<div class="lab-legend">{spans}</div>'


def _word_html(word: Word, lang: str) -> str:
    if word.status == DROPPED:
        return _span("lab-removed", word.text, _t(lang, "word_dropped", reason=word.reason))
    if word.status == CUT:
        return _span("lab-cut", word.text, _t(lang, "word_cut", reason=word.reason))
    step = f'<span class="lab-step">{word.step}</span>'
    if word.status == UNKNOWN:  # "?": unknown perhaps only because this machine cleans otherwise
        mark = "?" if word.unsure else "*"
        return _span("lab-oov", f"{word.text}{mark}", _t(lang, "word_unknown", step=word.step, reason=word.reason)) + step
    read_as = (_t(lang, "word_read_as", step=word.step, token=word.token) if word.token != word.text
               else _t(lang, "word_read", step=word.step))
    return _span("lab-read", word.text, read_as) + step


def _collapsed(words: Sequence[Word], most: int, each_side: int, lang: str) -> list[str]:
    """Word HTML with every run of more than ``most`` words the model does not read shortened to
    its first and last ``each_side`` words around a count (a 100,000-character paste stays small)."""
    out: list[str] = []
    run: list[Word] = []

    def flush() -> None:
        if len(run) > most:
            out.extend(_word_html(w, lang) for w in run[:each_side])
            out.append(f'<span class="lab-cut">{html.escape(_t(lang, "not_read", n=len(run) - 2 * each_side))}</span>')
            out.extend(_word_html(w, lang) for w in run[-each_side:])
        else:
            out.extend(_word_html(w, lang) for w in run)
        run.clear()

    for word in words:
        if word.status in (CUT, DROPPED):
            run.append(word)
            continue
        flush()
        out.append(_word_html(word, lang))
    flush()
    return out


def sentence_html(words: Sequence[Word], *, most: int = 60, each_side: int = 15, lang: str = "en") -> str:
    """The words in order, marked, with a legend; long unread stretches collapsed."""
    if not words:
        return STYLE + EXTRA_STYLE + f'<div class="lab-sentence lab-cut">{html.escape(_t(lang, "no_words"))}</div>'
    body = " ".join(_collapsed(words, most, each_side, lang))
    return STYLE + EXTRA_STYLE + legend(lang) + f'<div class="lab-sentence">{body}</div>'
