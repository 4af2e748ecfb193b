"""Lesson links: a URL that opens the app set up, with some controls hidden or locked.

    /train?train.max_epochs=2&model.cell=gru&hide=model.units,train.learning_rate&lock=model.cell
    /gates?page.gates_text=not+good+at+all&page.gates_unit=3&page.gates_epoch=1&presenter=1&lang=ja

Every training setting is a query parameter named as the config field (``section.field``, the names
of ``lstm_core.config``); ``hide=`` lists controls not to draw, ``lock=`` controls drawn but not
changeable. A page's own choices that are not training settings are ``page.<its session key>``
(``PAGE_KEYS``: the Gates page's sentence, unit, word and epoch; the Compare page's target, frozen
variant and learning curve). A link is read once, when a session opens it; its settings go on top of
the defaults. A value that is not valid, a name this version does not know (a link from an older or
newer version), or a path (links never name files on the server) is left out with a notice naming it,
and the rest of the link still applies. The notices are drawn in the reader's language (``lang=`` of
the same URL, or the sidebar's switch later). The sidebar's "Lesson link" gives the link of what is
on screen.

The URL is untrusted text: its length and number of parameters are bounded, every value goes
through the config's own validation (a page's value through a strict reader of its own), and notices
show names and values escaped (``ui.format.plain``) and cut short.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from lstm_core import i18n
from lstm_core.config import ExperimentConfig
from lstm_core.notices import Notice, in_lang
from ui import state
from ui.format import plain
from ui.i18n import PARAM as LANG
from ui.i18n import lang, t
from ui.presenter import PARAM as PRESENTER
from ui.presenter import presenter_on

HIDE, LOCK = "hide", "lock"
GATES_TEXT = "page.gates_text"  # the Gates page's sentence
OTHER_KEYS = (PRESENTER, LANG)  # read elsewhere (ui.presenter, ui.i18n); they never reset the settings
MAX_PARAMS, MAX_VALUE = 60, 400  # a lesson sets a few dozen fields at most; a value (or hide= list) is short
MAX_GATES_TEXT = 2000  # a sentence or a short review: what a link can carry
MAX_INDEX = 10_000  # a unit, a word or an epoch: far beyond any model or text the app accepts
MAX_ECHO = 60  # how much of a bad name or value a notice repeats
NO_LINK_FIELDS = ("data.source", "model.embedding_path")  # paths: a link never names a server file
_APPLIED, _HIDDEN, _LOCKED, _NOTICES = "lesson_applied", "lesson_hidden", "lesson_locked", "lesson_notices"


class LinkValueError(ValueError):
    """A link's text that is not a value of its field's type: the notice to show for it."""

    def __init__(self, notice_key: str, /, **fields: Any) -> None:
        self.notice = Notice.keyed(notice_key, **fields)
        super().__init__(str(self.notice))


def echo(text: str) -> str:
    """A bad value as a notice repeats it: quoted, and cut short."""
    return repr(text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…")


def _field_types() -> dict[str, str]:
    """"train.max_epochs" -> its annotation ("int", "float | None", "Literal[...]", …)."""
    sections = {s.name: s.default_factory for s in dataclasses.fields(ExperimentConfig)}
    return {f"{name}.{f.name}": str(f.type) for name, cls in sections.items() for f in dataclasses.fields(cls)}


FIELDS = _field_types()


def parse_value(field: str, text: str) -> Any:
    """The link's text for ``field`` as the config's type; LinkValueError (a ValueError) says what was wrong."""
    kind = FIELDS[field]
    if "None" in kind and text.lower() in ("", "none", "all"):
        return None
    if kind.startswith("bool"):
        return _boolean(field, text)
    try:
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
    except ValueError:
        raise LinkValueError("lesson.notice.not_number", key=field, value=echo(text)) from None
    return text


def _boolean(key: str, text: str) -> bool:
    if text.lower() not in ("true", "false", "1", "0"):
        raise LinkValueError("lesson.notice.not_bool", key=key, value=echo(text))
    return text.lower() in ("true", "1")


# ------------------------------------------------------------------------------ a page's own settings


@dataclass(frozen=True)
class PageKey:
    """A page's own choice a link may carry: the session key of its widget, the page (its url path) whose
    link gives it back, how the link's text becomes the widget's value (LinkValueError if it cannot),
    and how the value is written into a link."""

    session: str
    page: str
    read: Callable[[str, str], Any]  # (link key, text) -> value
    write: Callable[[Any], str] = str


def index(key: str, text: str) -> int:
    """A unit, word or epoch number: a small whole number from 0 (the page checks it against its model and
    text, and falls back to its own default when it does not fit)."""
    if not _digits(text) or int(text) > MAX_INDEX:
        raise LinkValueError("lesson.notice.not_index", key=key, value=echo(text), max=MAX_INDEX)
    return int(text)


def _digits(text: str) -> bool:
    """Only the digits 0-9 (``str.isdigit`` also takes "²", which ``int`` refuses)."""
    return text.strip().isascii() and text.strip().isdigit()


def one_of(options: Sequence[float]) -> Callable[[str, str], float]:
    def read(key: str, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = None
        if value not in options:
            raise LinkValueError("lesson.notice.not_choice", key=key, value=echo(text),
                                 choices=", ".join(f"{o:g}" for o in options))
        return value
    return read


def some_of(options: Sequence[int]) -> Callable[[str, str], list[int]]:
    def read(key: str, text: str) -> list[int]:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not all(_digits(p) and int(p) in options for p in parts):
            raise LinkValueError("lesson.notice.not_choice", key=key, value=echo(text),
                                 choices=", ".join(str(o) for o in options))
        return [o for o in options if str(o) in parts]  # in the page's order, each once
    return read


def _bool_text(value: Any) -> str:
    return "true" if value else "false"


# The Compare page's options (pages/compare.py TARGETS; lstm_core.compare.LEARNING_CURVE_SIZES, not imported
# here because it pulls in scikit-learn at start-up). tests/test_lesson.py checks they are still the same.
COMPARE_TARGETS = (0.75, 0.8, 0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.9)
COMPARE_SIZES = (500, 1_000, 2_000, 4_000)
PAGE_KEYS = {
    "page.gates_unit": PageKey("gates_unit", "gates", index),
    "page.gates_step": PageKey("gates_step", "gates", index),
    "page.gates_epoch": PageKey("gates_epoch", "gates", index),
    "page.cmp_target": PageKey("cmp_target", "compare", one_of(COMPARE_TARGETS), lambda v: f"{v:g}"),
    "page.cmp_frozen": PageKey("cmp_frozen", "compare", _boolean, _bool_text),
    "page.cmp_curve": PageKey("cmp_curve", "compare", _boolean, _bool_text),
    "page.cmp_sizes": PageKey("cmp_sizes", "compare", some_of(COMPARE_SIZES), lambda v: ",".join(map(str, v))),
}


def read_page_values(params: dict[str, str]) -> tuple[dict[str, Any], list[Notice]]:
    """(session key -> value, notices) of a link's ``page.`` settings (other than the Gates sentence)."""
    values: dict[str, Any] = {}
    notices: list[Notice] = []
    for key, text in params.items():
        if key in PAGE_KEYS:
            try:
                values[PAGE_KEYS[key].session] = PAGE_KEYS[key].read(key, str(text)[:MAX_VALUE])
            except LinkValueError as e:
                notices.append(e.notice)
    return values, notices


# ------------------------------------------------------------------------------------- the link


def read_link(params: dict[str, str], base: ExperimentConfig) -> tuple[ExperimentConfig, set[str], set[str],
                                                                      list[Notice]]:
    """(config, hidden, locked, notices) of a link's query parameters on top of ``base``."""
    if len(params) > MAX_PARAMS:
        return base, set(), set(), [Notice.keyed("lesson.notice.too_many", n=len(params), max=MAX_PARAMS)]
    notices: list[Notice] = []
    cfg, hidden, locked = base, set(), set()
    for key, text in params.items():
        text = str(text)[:MAX_VALUE + 1]
        if key in (HIDE, LOCK):
            names = {n.strip() for n in text.split(",") if n.strip()}
            unknown = sorted(n[:MAX_ECHO] for n in names if n not in FIELDS)
            if unknown:
                notices.append(Notice.keyed("lesson.notice.unknown_controls", param=key, names=", ".join(unknown)))
            (hidden if key == HIDE else locked).update(names & FIELDS.keys())
        elif key in NO_LINK_FIELDS:
            notices.append(Notice.keyed("lesson.notice.path_field", key=key))
        elif key in FIELDS:
            cfg = _with_field(cfg, key, text, notices)
        elif key not in OTHER_KEYS and key != GATES_TEXT and key not in PAGE_KEYS:  # those are read elsewhere
            notices.append(Notice.keyed("lesson.notice.unknown_name", name=key[:MAX_ECHO]))
    return cfg, hidden, locked, notices


def _with_field(cfg: ExperimentConfig, key: str, text: str, notices: list[Notice]) -> ExperimentConfig:
    """``cfg`` with the link's ``key`` set, or unchanged with a notice saying why not."""
    if len(text) > MAX_VALUE:
        notices.append(Notice.keyed("lesson.notice.too_long", key=key, max=MAX_VALUE))
        return cfg
    section, name = key.split(".")
    try:
        return cfg.replace(**{section: {name: parse_value(key, text)}})
    except LinkValueError as e:
        notices.append(e.notice)
    except ValueError as e:  # the config's own validation (a keyed ConfigError): it names the field and echoes
        if len(text) > MAX_ECHO or not getattr(e, "key", None):  # the value, so a long one is said without it
            notices.append(Notice.keyed("lesson.notice.invalid", key=key, value=echo(text)))
        else:
            notices.append(Notice.keyed("lesson.notice.invalid_because", key=key, reason=Notice.of(e)))
    return cfg


def _link_params() -> dict[str, str]:
    """The URL's parameters that are a lesson link's (the language and presenter mode are not: switching
    either must not put the settings back to the link's)."""
    return {k: st.query_params.get(k) for k in st.query_params if k not in OTHER_KEYS}


def apply_link() -> None:
    """Read this session's link once (``app.py`` calls it on every run)."""
    params = _link_params()
    signature = urlencode(sorted(params.items()))
    if st.session_state.get(_APPLIED) == signature:
        return
    st.session_state[_APPLIED] = signature
    if not params:
        return
    cfg, hidden, locked, notices = read_link(params, ExperimentConfig())
    values, page_notices = read_page_values(params) if len(params) <= MAX_PARAMS else ({}, [])
    text = params.get(GATES_TEXT)
    if text is not None:  # the Gates page's sentence: plain text, cut to what that page accepts
        st.session_state["gates_text"] = str(text)[:MAX_GATES_TEXT]
    state.set_config(cfg)
    _set_page_values(values)
    st.session_state[_HIDDEN], st.session_state[_LOCKED] = hidden, locked
    st.session_state[_NOTICES] = notices + page_notices


def _set_page_values(values: dict[str, Any]) -> None:
    """Put a link's page values where the pages' widgets read them. The Gates page puts its word and epoch
    back to its own defaults when the text or the model is not the one they were chosen for (its
    ``gates_for`` and ``gates_epoch_for``), so those are set too: to the sentence the page will show, and to
    the current model (the key pages/gates.py ``run_key`` gives it)."""
    st.session_state.update(values)
    if "gates_step" in values and "gates_text" in st.session_state:
        st.session_state["gates_for"] = st.session_state["gates_text"]
    entry = state.current_entry() if "gates_epoch" in values else None
    if entry is not None:
        st.session_state["gates_epoch_for"] = str(entry.path)


def show_notices() -> None:
    """What the link asked for that could not be applied, until the student dismisses it."""
    notices = st.session_state.get(_NOTICES)
    if not notices:
        return
    for notice in notices:
        st.warning(plain(in_lang(notice, lang())), icon=":material/link_off:")
    st.button(t("lesson.dismiss"), key="lesson_dismiss", on_click=st.session_state.pop, args=(_NOTICES, None))


def hidden(field: str) -> bool:
    return field in st.session_state.get(_HIDDEN, set())


def locked(field: str) -> bool:
    return field in st.session_state.get(_LOCKED, set())


def link_params(cfg: ExperimentConfig, url_path: str = "") -> dict[str, str]:
    """The query parameters that reopen ``cfg``, this session's hidden and locked controls, the page at
    ``url_path``'s own choices, presenter mode and the language."""
    base = ExperimentConfig()
    out = {field: _text(new) for field, (_, new) in base.diff(cfg).items() if field not in NO_LINK_FIELDS}
    for key, names in ((HIDE, st.session_state.get(_HIDDEN)), (LOCK, st.session_state.get(_LOCKED))):
        if names:
            out[key] = ",".join(sorted(names))
    if url_path == "gates" and st.session_state.get("gates_text"):
        out[GATES_TEXT] = st.session_state["gates_text"]
    for key, page_key in PAGE_KEYS.items():
        value = st.session_state.get(page_key.session)
        if page_key.page == url_path and value is not None:
            out[key] = page_key.write(value)
    if presenter_on():
        out[PRESENTER] = "1"
    if lang() != i18n.DEFAULT:
        out[LANG] = lang()
    return out


def _text(value: Any) -> str:
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def lesson_link(url_path: str) -> str:
    """The whole URL of this page with this session's settings (and the page's own choices)."""
    url = urlsplit(st.context.url or "http://localhost:8501/")
    query = urlencode(link_params(state.config(), url_path))
    return f"{url.scheme}://{url.netloc}/{url_path}" + (f"?{query}" if query else "")


def link_box(url_path: str) -> None:
    """The sidebar's "Lesson link": the URL to copy (Streamlit's code block has a copy button)."""
    with st.popover(t("lesson.link"), icon=":material/link:", width="stretch"):
        st.caption(t("lesson.link_help"))
        st.code(lesson_link(url_path), language=None, wrap_lines=True)
