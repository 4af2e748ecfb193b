"""The sidebar of every page: which model is current, and the session's training while it runs."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import percent, plain


def render_sidebar(live_job: bool = True) -> None:
    """Collect a finished training into the history, then show the current model (and, with
    ``live_job``, a live progress line while this session's training runs)."""
    new = state.collect_finished_job()
    if new is not None:
        st.toast(f"**{plain(new.name)}** is ready: test accuracy {percent(new.test_accuracy)}", icon=":material/check_circle:")
    with st.sidebar:
        _current_model()
        if live_job:
            _job_progress()


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


def _job_progress() -> None:
    active = state.job_is_active()

    @st.fragment(run_every=1 if active else None)
    def progress() -> None:
        job = state.job()
        if job is None:
            return
        snap = job.snapshot()
        if snap.done:
            if active:
                st.rerun()  # the whole page: collect the run, show it as current
            return
        if snap.status == "queued":
            st.caption(f"**{plain(snap.name)}**: {snap.phase}")
        else:
            st.progress(snap.fraction, text=f"**{plain(snap.name)}**: epoch {snap.epoch + 1}/{snap.epochs}")
        st.page_link("pages/train.py", label="Watch it on the Train page", icon=":material/monitoring:")

    progress()
