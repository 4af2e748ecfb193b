"""The guided tour: a lesson from ``assets/lessons/`` step by step. The sidebar picks a lesson; every
page shows the current step's text above its own, with Back / Next, opens the step's page, applies its
settings and points at its control (an outline on the element whose key the step names; Streamlit
gives every keyed element the class ``st-key-<key>``). A step reads in the reader's language when its
file has that language's text (``text_ja``), in English otherwise."""

from __future__ import annotations

import functools
import re

import streamlit as st

from lstm_core.lessons import Lesson, LessonError, read_lessons
from ui import state
from ui.format import error_markdown
from ui.i18n import lang, t

LESSON, STEP = "tour_lesson", "tour_step"
PAGE_FILES = {"home": "pages/home.py", "why_lstm": "pages/why_lstm.py", "data": "pages/data.py",
              "train": "pages/train.py", "gates": "pages/gates.py", "compare": "pages/compare.py"}
HIGHLIGHT = """<style>
.st-key-{key} {{ outline: 4px solid #E0761F; outline-offset: 6px; border-radius: 6px;
  animation: lab-tour-pulse 1.6s ease-in-out 3; }}
@keyframes lab-tour-pulse {{ 50% {{ outline-color: rgba(224, 118, 31, 0.25); }} }}
</style>"""


@functools.lru_cache(maxsize=1)
def lessons() -> dict[str, Lesson] | LessonError:
    """The shipped lessons, or why they cannot be read (a teacher's file with a mistake)."""
    try:
        return read_lessons()
    except LessonError as e:
        return e


def css_key(key: str) -> str:
    """A widget key as Streamlit writes it into the element's class: every character other than
    letters, digits, "_" and "-" becomes "-" (its frontend's rule)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key.strip())


def _go(lesson: Lesson, index: int) -> None:
    """Make step ``index`` current: its settings, its Gates sentence; the page switch follows."""
    st.session_state[STEP] = index
    step = lesson.steps[index]
    if step.settings:
        state.set_config(lesson.config_at(index, state.config()))
    if step.gates_text is not None:
        st.session_state["gates_text"] = step.gates_text


def _start(name: str | None) -> None:
    st.session_state[LESSON] = st.session_state["tour_pick"] = name
    found = lessons()
    if name and not isinstance(found, LessonError):
        _go(found[name], 0)


def lesson_picker() -> None:
    """The sidebar's choice of a lesson (or none)."""
    found = lessons()
    if isinstance(found, LessonError):
        st.caption(t("tour.unreadable", problem=error_markdown(found)))
        return
    if not found:
        return
    st.session_state.setdefault("tour_pick", st.session_state.get(LESSON))
    reader = lang()
    names = {None: t("tour.none"), **{n: found[n].title_in(reader) for n in found}}  # drawn now, in this language
    st.selectbox(t("tour.picker"), [None, *found], format_func=names.get, placeholder=t("tour.choose"),
                 key="tour_pick", on_change=lambda: _start(st.session_state["tour_pick"]), help=t("tour.picker_help"))


def step_banner(url_path: str) -> None:
    """The current step above the page, with Back / Next; opens the step's page if this is another."""
    found, name = lessons(), st.session_state.get(LESSON)
    if isinstance(found, LessonError) or name not in found:
        return
    lesson, index = found[name], st.session_state.get(STEP, 0)
    step = lesson.steps[index]
    page = "" if step.page == "home" else step.page
    if url_path != page:
        st.switch_page(PAGE_FILES[step.page])
    reader = lang()
    with st.container(border=True):
        st.caption(t("tour.step_of", title=lesson.title_in(reader), step=index + 1, steps=len(lesson.steps)))
        st.markdown(step.text_in(reader))  # the teacher's own Markdown, from the server's assets/lessons/
        back, forward, leave = st.columns([1, 1, 4])
        back.button(t("tour.back"), key="tour_back", disabled=index == 0, on_click=_go, args=(lesson, index - 1))
        if index + 1 < len(lesson.steps):
            forward.button(t("tour.next"), key="tour_next", type="primary", on_click=_go, args=(lesson, index + 1))
        leave.button(t("tour.end"), key="tour_end", on_click=_start, args=(None,))
    if step.highlight:
        st.html(HIGHLIGHT.format(key=css_key(step.highlight)))
