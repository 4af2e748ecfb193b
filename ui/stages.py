"""One review through every cleaning stage, as side-by-side HTML cards (pure; no Streamlit).

Review text is untrusted (IMDB reviews contain HTML): every piece of it goes
through ``html.escape`` before it is placed in our markup; the raw stage shows
its tags as text, highlighted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from lstm_core import i18n
from lstm_core.vocabulary import OOV, PAD

_TAG = re.compile(r"<[^>]{0,200}>")
_NOT = re.compile(r"\b(not)\b", re.IGNORECASE)

STYLE = """
<style>
.lab-stages { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px;
  padding: 4px 2px 12px; }
.lab-stage { border: 1px solid #D5E2E3; border-radius: 10px; background: #FBFDFD; display: flex;
  flex-direction: column; min-width: 0; }
.lab-stage h4 { margin: 0; padding: 8px 10px 2px; font-size: 14px; color: #0E7C86; }
.lab-stage .lab-count { padding: 0 10px 6px; font-size: 12px; color: #6B7280; border-bottom: 1px solid #E5EEEF; }
.lab-stage .lab-body { padding: 8px 10px; font-size: 13px; line-height: 1.55; max-height: 260px; overflow-y: auto;
  word-wrap: break-word; white-space: pre-wrap; }
.lab-removed { color: #B42318; text-decoration: line-through; background: #FDECEA; border-radius: 3px; }
.lab-tag { color: #B42318; background: #FDECEA; border-radius: 3px; font-family: monospace; font-size: 12px; }
.lab-changed { background: #EDE9FB; border-radius: 3px; }
.lab-oov { background: #FFF1D6; color: #8A4B00; border-radius: 3px; font-weight: 600; }
.lab-id { color: #6B7280; font-size: 11px; }
.lab-pad { color: #B8C2C7; }
.lab-legend { font-size: 12px; color: #44515A; margin: 2px 0 6px; }
.lab-legend span { padding: 0 4px; margin-right: 10px; }
</style>
"""

# lstm_core.preprocessing.Stage names (English, what tests and the code match on) -> their card titles.
STAGE_KEYS = {"raw": "cleaning.stage.raw", "HTML stripped": "cleaning.stage.html_stripped",
              "negations spelled out": "cleaning.stage.negations", "letters only": "cleaning.stage.letters_only",
              "short words dropped": "cleaning.stage.short_dropped", "lowercased": "cleaning.stage.lowercased",
              "lemmatized": "cleaning.stage.lemmatized",
              "lowercased + lemmatized": "cleaning.stage.lowercased_lemmatized",
              "stopwords dropped": "cleaning.stage.stopwords_dropped", "words": "cleaning.stage.words"}


def legend(lang: str = "en") -> str:
    """What the highlights mean."""
    spans = (("lab-removed", "removed"), ("lab-changed", "changed"), ("lab-oov", "oov"), ("lab-tag", "tag"))
    return ('<div class="lab-legend">' + "".join(_span(cls, i18n.text(lang, f"data.stages.legend.{key}"))
                                                 for cls, key in spans) + "</div>")


def stage_title(name: str, lang: str = "en") -> str:
    """A stage's card title in ``lang`` (a name we do not know is shown as it is)."""
    key = STAGE_KEYS.get(name)
    return i18n.text(lang, key) if key else name


def _card(title: str, count: str, body: str) -> str:
    return (f'<div class="lab-stage"><h4>{html.escape(title)}</h4><div class="lab-count">{html.escape(count)}</div>'
            f'<div class="lab-body">{body}</div></div>')


def _span(cls: str, text: str, title: str | None = None) -> str:
    tip = f' title="{html.escape(title)}"' if title else ""
    return f'<span class="{cls}"{tip}>{html.escape(text)}</span>'


def raw_html(text: str) -> str:
    """The text escaped, with its HTML tags shown (escaped) and highlighted."""
    out, pos = [], 0
    for m in _TAG.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        out.append(_span("lab-tag", m.group(0)))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def marked_tokens(before: Sequence[str], kept: Sequence[str]) -> str:
    """``before`` with the words not in ``kept`` (a subsequence of it) struck through."""
    out, k = [], 0
    for word in before:
        if k < len(kept) and word == kept[k]:
            out.append(html.escape(word))
            k += 1
        else:
            out.append(_span("lab-removed", word))
    return " ".join(out)


def changed_tokens(before: Sequence[str], after: Sequence[str], lang: str = "en") -> str:
    """``after`` with the words that differ from ``before`` (same length) highlighted."""
    return " ".join(_span("lab-changed", a, i18n.text(lang, "data.stages.was", word=b)) if a != b else html.escape(a)
                    for b, a in zip(before, after))


def _count(lang: str, kind: str, n: int, **fields: int) -> str:
    """A card's count line: ``kind`` (words, words_removed, ids) in the form that counts ``n``."""
    return i18n.text(lang, f"data.stages.count.{kind}_{'one' if n == 1 else 'many'}", n=n, **fields)


def stages_html(stages: Sequence, ids: Sequence[int], padded: Sequence[int], *, words: Sequence[str],
                max_len: int, keep: str, lang: str = "en") -> str:
    """Cards for ``lstm_core.preprocessing.Stage`` objects, then the token ids and the padded row,
    titled and counted in ``lang`` (the review's words stay as they are).

    ``words`` are the final tokens, ``ids`` their vocabulary ids and ``padded`` the row the model
    reads (``max_len`` long, keeping the ``keep`` end of a longer review)."""
    cards, prev_tokens = [], None
    for stage in stages:
        if stage.tokens is None:
            body = raw_html(stage.text) if stage.name == "raw" else html.escape(stage.text)
            if "negation" in stage.name:
                body = _NOT.sub(r'<span class="lab-changed">\1</span>', body)
            cards.append(_card(stage_title(stage.name, lang), _count(lang, "words", len(stage.text.split())), body))
            continue
        tokens = list(stage.tokens)
        if prev_tokens is not None and stage.removed:
            body = marked_tokens(prev_tokens, tokens)
        elif prev_tokens is not None and len(prev_tokens) == len(tokens) and prev_tokens != tokens:
            body = changed_tokens(prev_tokens, tokens, lang)
        else:
            body = html.escape(" ".join(tokens))
            if stage.removed:  # letters only: chunks without a letter
                body += ("<br><br>" + html.escape(i18n.text(lang, "data.stages.dropped")) + " "
                         + " ".join(_span("lab-removed", r) for r in stage.removed))
        count = (_count(lang, "words_removed", len(tokens), removed=len(stage.removed)) if stage.removed
                 else _count(lang, "words", len(tokens)))
        cards.append(_card(stage_title(stage.name, lang), count, body))
        prev_tokens = tokens
    oov = sum(1 for i in ids if i == OOV)
    cards.append(_card(i18n.text(lang, "cleaning.stage.token_ids"), _count(lang, "ids", len(ids), oov=oov),
                       " ".join(_span("lab-oov", f"{w}·{i}") if i == OOV
                                else f'{html.escape(w)}<span class="lab-id">·{i}</span>'
                                for w, i in zip(words, ids))))
    cut = max(0, len(ids) - max_len)
    pads = sum(1 for i in padded if i == PAD)
    note = (i18n.text(lang, f"data.stages.cut_{'start' if keep == 'end' else 'end'}", n=cut) if cut
            else i18n.text(lang, "data.stages.padding", n=pads))
    cards.append(_card(i18n.text(lang, "cleaning.stage.padded", max_len=max_len), note,
                       " ".join(f'<span class="lab-pad">{i}</span>' if i == PAD
                                else (_span("lab-oov", str(i)) if i == OOV else str(i)) for i in padded)))
    return STYLE + legend(lang) + '<div class="lab-stages">' + "".join(cards) + "</div>"
