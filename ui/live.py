"""The session's background job, drawn live: the one fragment every page and the sidebar use.

A job (``lstm_core.jobs.Job``) trains in the trainer's thread; a page shows it by polling its
snapshot once a second inside an ``st.fragment``, so only that part of the page reruns. While the
job runs: a queue notice or the page's progress, a Stop button, the page's live charts. When it
ends: the whole page reruns once (a finished run joins the history, a result is kept), then
``done`` draws what the job left. Snapshots are taken in the reader's language (``lang()``), so a
job's phase and error read in it; every sentence here is the catalogue ``live``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from lstm_core.compare import COMPARISON
from lstm_core.jobs import FAILED, QUEUED, TRAINING, Job, Snapshot, duration
from lstm_core.memory_task import SWEEP
from lstm_core.theory_race import RACE
from ui import state
from ui.format import error_markdown, plain
from ui.i18n import lang, sentences, t

# Which page shows a job of each kind (the sidebar links there; that page draws it itself).
PAGES = {TRAINING: "pages/train.py", COMPARISON: "pages/compare.py", SWEEP: "pages/why_lstm.py",
         RACE: "pages/why_lstm.py"}


def fraction(job: Job, snap: Snapshot) -> float:
    """The share of the job done: its runner's own count when it trains several models."""
    task_snapshot = getattr(job.runner, "snapshot", None)
    return float(task_snapshot().fraction) if callable(task_snapshot) else snap.fraction


def queued_text(snap: Snapshot) -> str:
    """Where a queued job stands, and that it starts by itself."""
    name = plain(snap.name)
    if snap.position and snap.starts_in is not None:
        said = t("live.queued_position_eta", name=name, position=snap.position,
                 starts_in=duration(snap.starts_in, lang()))
    elif snap.position:
        said = t("live.queued_position", name=name, position=snap.position)
    else:
        said = t("live.queued_waiting", name=name)
    return sentences(said, t("live.warming") if snap.warming else "")


def live_job(kind: str, *, stop_key: str, what: str, progress: Callable[[Job, Snapshot], None],
             draw: Callable[[Job, Snapshot], None], done: Callable[[Job | None, Snapshot | None], None],
             stop_help: str, failed: Callable[[Job, Snapshot], bool] | None = None) -> None:
    """The session's job of ``kind`` live: ``progress`` (a progress bar) and ``draw`` (live charts)
    around a Stop button while it runs; when it is done or there is none, ``done(job or None,
    snapshot or None)``. A failure shows its message (the sentence ``live.failed.<what>``: "training",
    "comparison", "sweep" or "race"), unless ``failed(job, snap)`` drew its own."""
    active = state.job_is_active(kind)

    @st.fragment(run_every=1 if active else None)
    def live() -> None:
        job = state.job(kind)
        snap = job.snapshot(lang()) if job is not None else None
        if job is not None and not snap.done:
            if snap.status == QUEUED:
                st.info(queued_text(snap))
            else:
                progress(job, snap)
            if snap.shared > 1:
                st.caption(t("live.shared", shared=snap.shared))
            st.button(t("live.stop") if snap.status != QUEUED else t("live.cancel"), on_click=job.stop, key=stop_key,
                      icon=":material/stop_circle:", disabled=snap.stop_requested, help=stop_help)
            draw(job, snap)
            return
        if active or state.uncollected():
            st.rerun()  # it just ended: the whole page, so the result is collected and drawn
        if job is not None and snap.status == FAILED and not (failed and failed(job, snap)):
            said = f"live.failed.{what}" if f"live.failed.{what}" in FAILED_SAID else "live.failed.job"
            st.error(t(said, name=plain(snap.name), error=plain(snap.error or "")), icon=":material/error:")
        done(job, snap)

    live()


def sidebar_progress(url_path: str) -> None:
    """The session's job in the sidebar, unless the page at ``url_path`` ("train") draws it."""
    current = state.job()
    if state.uncollected():  # it ended after this run's collect: the next run collects it
        st.rerun()
    if current is None or current.wait(0) or Path(PAGES.get(current.kind, "")).stem == url_path:
        return

    @st.fragment(run_every=1)
    def progress() -> None:
        job = state.job()
        if job is None:
            return
        snap = job.snapshot(lang())
        if snap.done:
            st.rerun()  # the whole page: a finished training becomes the current model
        if snap.status == QUEUED:
            st.caption(t("live.sidebar_phase", name=plain(snap.name), phase=plain(snap.phase)))
        else:
            st.progress(fraction(job, snap), text=_where(job, snap))
        st.page_link(PAGES.get(job.kind, "pages/train.py"), label=t("live.watch"), icon=":material/monitoring:")

    progress()


def _where(job: Job, snap: Snapshot) -> str:
    if job.kind == TRAINING:
        return t("live.sidebar_epoch", name=plain(snap.name), epoch=snap.epoch + 1, epochs=snap.epochs)
    return t("live.sidebar_phase", name=plain(snap.name), phase=plain(snap.phase))


FAILED_SAID = {f"live.failed.{what}" for what in ("training", "comparison", "sweep", "race")}


def start_button(label: str, *, key: str, icon: str, start: Callable[[], None], disabled: bool = False) -> None:
    """The primary button that starts a background job, disabled while the session has one; once
    the job is queued the page reruns, so the button shows disabled and the live view runs."""
    if st.button(label, type="primary", icon=icon, key=key, disabled=disabled or state.job_is_active(),
                 help=t("live.one_job")):
        start()
        if state.job_is_active():
            st.rerun()


def result_or_hint(kind: str, result: Any, draw: Callable[[Any], None], hint: str) -> None:
    """``draw(result)`` once the session's job of ``kind`` is over; ``hint`` before there is one."""
    if result is not None and not state.job_is_active(kind):
        draw(result)
    elif result is None and state.job(kind) is None:
        st.info(hint)


def refused(e: Any) -> None:
    """A job that was not accepted (this session has one, the queue is full, over the caps), said in
    the reader's language when it was raised with a key."""
    st.warning(error_markdown(e), icon=":material/block:")
