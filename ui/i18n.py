"""The reader's language: kept in the URL as ``lang=en`` / ``lang=ja`` (so ``/gates?lang=ja`` opens the
Gates page in Japanese and a copied link keeps it), chosen in the sidebar, and ``t`` for every text.

The texts are in ``assets/i18n/<lang>/`` (``lstm_core.i18n``). Pages write ``t("gates.title")``
and pass ``lang=lang()`` to the ``lstm_core`` builders that draw text of their own.
"""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lstm_core import i18n
from lstm_core.i18n import DEFAULT, LANGUAGES
from lstm_core.notices import in_lang

PARAM = "lang"
KEY = "lab_lang"
_READ = threading.local()  # memo: (the script run's cursors, the language read in it), per script thread


def lang() -> str:
    """This session's language: the URL's ``lang=`` when it names one we have, else the last chosen.

    Read once per script run (the URL and the session state cost 25 us a read, and a Gates page run
    asks some 250 times: 11% of it): the language changes only between runs, from the URL or the
    switch (whose callback forgets the reading)."""
    ctx = get_script_run_ctx()
    memo = getattr(_READ, "memo", None)
    if ctx is not None and memo is not None and memo[0] is ctx.cursors:  # a new run has new cursors
        return memo[1]
    asked = st.query_params.get(PARAM)
    if asked in LANGUAGES and asked != st.session_state.get(KEY):
        st.session_state[KEY] = asked
    current = st.session_state.get(KEY, DEFAULT)
    _READ.memo = (ctx.cursors, current) if ctx is not None else None
    return current


def keep_in_url() -> None:
    """Put the language back in the URL after a page change dropped it (``app.py``, every run)."""
    _write_url(lang())


def _write_url(current: str) -> None:
    if current != DEFAULT and st.query_params.get(PARAM) != current:
        st.query_params[PARAM] = current
    elif current == DEFAULT and PARAM in st.query_params:
        del st.query_params[PARAM]


def t(key: str, /, **fields: Any) -> str:
    """The text of ``key`` in this session's language, its fields filled."""
    return i18n.text(lang(), key, **fields)


def sentences(*parts: str) -> str:
    """Whole sentences one after the other, spaced as this session's language writes them."""
    return i18n.sentences(lang(), parts)


def error_text(error: Exception) -> str:
    """What a user-caused error (or a ``Notice``) says, in this session's language when it carries a key
    (sentences inside it too)."""
    return in_lang(error, lang())


def _switch() -> None:
    _READ.memo = None  # the language changes in this run
    picked = st.session_state[f"{KEY}_pick"]
    if picked in LANGUAGES:  # None when the chosen one is clicked again: keep it
        st.session_state[KEY] = picked
    _write_url(st.session_state.get(KEY, DEFAULT))  # not lang(): the URL still names the old language


def language_switch() -> None:
    """The sidebar's English / 日本語 switch."""
    st.session_state[f"{KEY}_pick"] = lang()
    st.segmented_control(t("app.language"), list(LANGUAGES), format_func=LANGUAGES.get, key=f"{KEY}_pick",
                         on_change=_switch, selection_mode="single", label_visibility="collapsed")
