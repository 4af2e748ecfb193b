"""The sidebar of every page: which model is current, and the session's background job while it runs."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import percent, plain
from ui.lesson import link_box
from ui.live import sidebar_progress
from ui.presenter import presenter_switch
from ui.tour import lesson_picker


def render_sidebar(url_path: str) -> None:
    """Collect a finished training into the history, then show the current model and the session's
    background job (live, unless the page at ``url_path`` shows it itself)."""
    new = state.collect_finished_job()
    if new is not None:
        st.toast(f"**{plain(new.name)}** is ready: test accuracy {percent(new.test_accuracy)}", icon=":material/check_circle:")
    with st.sidebar:
        _current_model()
        sidebar_progress(url_path)
        lesson_picker()
        link_box(url_path)
        presenter_switch()


def _current_model() -> None:
    entry = state.current_entry()
    with st.container(border=True):
        st.caption("Current model")
        if entry is None:
            st.markdown("**No model yet**")
            st.caption("Train one on the Train page, or upload a run bundle there.")
            problem = state.default_run_problem()
            if problem:
                st.caption(f"The default model could not be read: {plain(problem)}")
            return
        model = entry.config.model
        st.markdown(f"**{plain(entry.name)}**")
        st.markdown(f"{model.cell.upper()} · {model.units} units  \n"
                    f"test accuracy **{percent(entry.test_accuracy)}**")
        if entry.source == "default":
            st.caption("The app's default model; train your own on the Train page.")
        elif entry.source == "uploaded":
            st.caption("Uploaded from a run bundle.")

