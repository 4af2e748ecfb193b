"""The sidebar of every page: which model is current, and the session's background job while it runs."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import percent, plain
from ui.i18n import language_switch, t
from ui.lesson import link_box
from ui.live import sidebar_progress
from ui.presenter import presenter_switch
from ui.tour import lesson_picker


def render_sidebar(url_path: str) -> None:
    """Collect a finished training into the history, then show the current model and the session's
    background job (live, unless the page at ``url_path`` shows it itself)."""
    new = state.collect_finished_job()
    if new is not None:
        st.toast(t("app.model_ready", name=plain(new.name), accuracy=percent(new.test_accuracy)), icon=":material/check_circle:")
    with st.sidebar:
        language_switch()
        _current_model()
        sidebar_progress(url_path)
        lesson_picker()
        link_box(url_path)
        presenter_switch()


def _current_model() -> None:
    entry = state.current_entry()
    with st.container(border=True):
        st.caption(t("app.current.heading"))
        if entry is None:
            st.markdown(t("app.current.none"))
            st.caption(t("app.current.none_hint"))
            problem = state.default_run_problem()
            if problem:
                st.caption(t("app.current.default_unreadable", problem=plain(problem)))
            return
        model = entry.config.model
        st.markdown(f"**{plain(entry.name)}**")
        st.markdown(t("app.current.summary", cell=model.cell.upper(), units=model.units,
                      accuracy=percent(entry.test_accuracy)))
        if entry.source == "default":
            st.caption(t("app.current.default"))
        elif entry.source == "uploaded":
            st.caption(t("app.current.uploaded"))

