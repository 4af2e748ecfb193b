"""Lesson links: a URL that opens the app set up, with some controls hidden or locked.

    /train?train.max_epochs=2&model.cell=gru&hide=model.units,train.learning_rate&lock=model.cell
    /gates?page.gates_text=not+good+at+all&presenter=1

Every training setting is a query parameter named as the config field (``section.field``, the names
of ``lstm_core.config``); ``hide=`` lists controls not to draw, ``lock=`` controls drawn but not
changeable. A link is read once, when a session opens it; its settings go on top of the defaults.
A value that is not valid, a name this version does not know, or a path (links never name files on
the server) is left out with a notice naming it, and the rest of the link still applies. The
sidebar's "Lesson link" gives the link of what is on screen.

The URL is untrusted text: its length and number of parameters are bounded, every value goes
through the config's own validation, and notices show names and values escaped (``ui.format.plain``).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from lstm_core.config import ExperimentConfig
from ui import state
from ui.format import plain
from ui.presenter import PARAM as PRESENTER
from ui.presenter import presenter_on

HIDE, LOCK = "hide", "lock"
GATES_TEXT = "page.gates_text"  # the Gates page's sentence
OTHER_KEYS = ("presenter", "lang")  # read elsewhere (ui.presenter; the language)
MAX_PARAMS, MAX_VALUE = 60, 400  # a lesson sets a few dozen fields at most; a value (or hide= list) is short
MAX_GATES_TEXT = 2000  # a sentence or a short review: what a link can carry
NO_LINK_FIELDS = ("data.source", "model.embedding_path")  # paths: a link never names a server file
_APPLIED, _HIDDEN, _LOCKED, _NOTICES = "lesson_applied", "lesson_hidden", "lesson_locked", "lesson_notices"


def _field_types() -> dict[str, str]:
    """"train.max_epochs" -> its annotation ("int", "float | None", "Literal[...]", …)."""
    sections = {s.name: s.default_factory for s in dataclasses.fields(ExperimentConfig)}
    return {f"{name}.{f.name}": str(f.type) for name, cls in sections.items() for f in dataclasses.fields(cls)}


FIELDS = _field_types()


def parse_value(field: str, text: str) -> Any:
    """The link's text for ``field`` as the config's type; ValueError names what was wrong."""
    kind = FIELDS[field]
    if "None" in kind and text.lower() in ("", "none", "all"):
        return None
    if kind.startswith("bool"):
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"{field} must be true or false, got {text!r}")
        return text.lower() in ("true", "1")
    try:
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
    except ValueError:
        raise ValueError(f"{field} must be a number, got {text!r}") from None
    return text


def read_link(params: dict[str, str], base: ExperimentConfig) -> tuple[ExperimentConfig, set[str], set[str],
                                                                      list[str]]:
    """(config, hidden, locked, notices) of a link's query parameters on top of ``base``."""
    notices: list[str] = []
    if len(params) > MAX_PARAMS:
        return base, set(), set(), [f"The link has {len(params)} settings, more than {MAX_PARAMS}; it was ignored."]
    cfg, hidden, locked = base, set(), set()
    for key, text in params.items():
        text = str(text)[:MAX_VALUE + 1]
        if key in (HIDE, LOCK):
            names = {n.strip() for n in text.split(",") if n.strip()}
            unknown = sorted(n for n in names if n not in FIELDS)
            if unknown:
                notices.append(f"{key}= names controls this version does not have: {', '.join(unknown)}.")
            (hidden if key == HIDE else locked).update(names & FIELDS.keys())
        elif key in NO_LINK_FIELDS:
            notices.append(f"A link cannot set {key} (it would name a file on the server); the default is used.")
        elif key in FIELDS:
            section, name = key.split(".")
            try:
                if len(text) > MAX_VALUE:
                    raise ValueError(f"{key} is longer than {MAX_VALUE} characters")
                cfg = cfg.replace(**{section: {name: parse_value(key, text)}})
            except ValueError as e:
                notices.append(f"The link's {key} was not used: {e}.")
        elif key not in OTHER_KEYS and key != GATES_TEXT:  # those two are read elsewhere
            notices.append(f"The link names a setting this version does not have: {key[:60]}; it was ignored.")
    return cfg, hidden, locked, notices


def apply_link() -> None:
    """Read this session's link once (``app.py`` calls it on every run)."""
    params = {k: st.query_params.get(k) for k in st.query_params}
    signature = urlencode(sorted(params.items()))
    if st.session_state.get(_APPLIED) == signature:
        return
    st.session_state[_APPLIED] = signature
    if not params:
        return
    cfg, hidden, locked, notices = read_link(params, ExperimentConfig())
    text = params.get(GATES_TEXT)
    if text is not None:  # the Gates page's sentence: plain text, cut to what that page accepts
        st.session_state["gates_text"] = str(text)[:MAX_GATES_TEXT]
    state.set_config(cfg)
    st.session_state[_HIDDEN], st.session_state[_LOCKED] = hidden, locked
    st.session_state[_NOTICES] = notices


def show_notices() -> None:
    """What the link asked for that could not be applied, until the student dismisses it."""
    notices = st.session_state.get(_NOTICES)
    if not notices:
        return
    for notice in notices:
        st.warning(plain(notice), icon=":material/link_off:")
    st.button("Dismiss", key="lesson_dismiss", on_click=st.session_state.pop, args=(_NOTICES, None))


def hidden(field: str) -> bool:
    return field in st.session_state.get(_HIDDEN, set())


def locked(field: str) -> bool:
    return field in st.session_state.get(_LOCKED, set())


def link_params(cfg: ExperimentConfig) -> dict[str, str]:
    """The query parameters that reopen ``cfg`` and this session's hidden and locked controls."""
    base = ExperimentConfig()
    out = {field: _text(new) for field, (_, new) in base.diff(cfg).items() if field not in NO_LINK_FIELDS}
    for key, names in ((HIDE, st.session_state.get(_HIDDEN)), (LOCK, st.session_state.get(_LOCKED))):
        if names:
            out[key] = ",".join(sorted(names))
    if presenter_on():
        out[PRESENTER] = "1"
    return out


def _text(value: Any) -> str:
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def lesson_link(url_path: str) -> str:
    """The whole URL of this page with this session's settings (and on the Gates page its sentence)."""
    url = urlsplit(st.context.url or "http://localhost:8501/")
    params = link_params(state.config())
    if url_path == "gates" and st.session_state.get("gates_text"):
        params[GATES_TEXT] = st.session_state["gates_text"]
    query = urlencode(params)
    return f"{url.scheme}://{url.netloc}/{url_path}" + (f"?{query}" if query else "")


def link_box(url_path: str) -> None:
    """The sidebar's "Lesson link": the URL to copy (Streamlit's code block has a copy button)."""
    with st.popover("Lesson link", icon=":material/link:", width="stretch"):
        st.caption("This page with these settings (and any hidden or locked controls). Send it to the class; "
                   "add hide=field,… or lock=field,… to hide or lock controls.")
        st.code(lesson_link(url_path), language=None, wrap_lines=True)
