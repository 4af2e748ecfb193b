"""Sentences that ``lstm_core`` hands to the reader without raising: a split's warnings, a cleaner's
problems, a dataset's name, what a data source is.

A :class:`Notice` is a ``str`` — its English text, so it compares, joins, prints and goes into JSON
as before — that also carries its catalogue key and fields (like ``LstmLabError.keyed``), so a page
can show it in the reader's language with :func:`in_lang`. It survives pickling (the worker's pipe,
``st.cache_data``); once written to JSON it is plain English text again. A field may itself be a
Notice (a sentence inside a sentence: "Not usable: <why>"), shown in the same language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lstm_core.i18n import Keyed, text


class Notice(Keyed, str):
    """English text that knows its catalogue ``key`` and ``fields`` (``Notice.keyed(key, **fields)``)."""

    @classmethod
    def of(cls, message: Any) -> Notice:
        """``message`` (a keyed error, a Notice, any text) as a Notice with the same key, if it has one."""
        key = getattr(message, "key", None)
        return cls.keyed(key, **message.fields) if key else cls(str(message))

    def __reduce__(self) -> tuple:
        return _rebuild, (str(self), self.key, self.fields)


def _rebuild(english: str, key: str | None, fields: dict[str, Any]) -> Notice:
    notice = Notice(english)
    notice.key, notice.fields = key, fields
    return notice


def in_lang(message: Any, lang: str, escape: Callable[[str], str] | None = None) -> str:
    """``message`` (a Notice, a keyed ``LstmLabError``, or any text) in ``lang`` when it has a key, its
    own text otherwise (a message from elsewhere, or a Notice read back from JSON).

    ``escape`` (a page's ``plain``) is applied to the text fields — paths, names, what a user typed —
    and to a message without a key, never to our template: a page can then show the template's
    Markdown (the Japanese texts write file names as `code`) with the user's text shown as typed."""
    escape = escape or (lambda s: s)
    key = getattr(message, "key", None)
    if not key:
        return escape(str(message))
    fields = {name: in_lang(value, lang, escape) if getattr(value, "key", None)
              else escape(value) if isinstance(value, str) else value
              for name, value in message.fields.items()}
    return text(lang, key, **fields)
