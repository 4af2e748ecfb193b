"""Teacher: the whole class's queue and running jobs, each with a Cancel; opened by the password in the
server's settings file (``teacher_password`` in lab_settings.toml). The page is in the navigation only
when that password is set."""

from __future__ import annotations

import hashlib
import time

import streamlit as st

from lstm_core.figures import queue_chart
from lstm_core.jobs import QUEUED, RUNNING
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import plain, seconds
from ui.i18n import lang, t

TEACHER = "lab_teacher"  # this session has given the password (kept per session, never per browser)
FAILURES = "lab_teacher_failures"
WRONG_DELAY = 1.0  # seconds every wrong password costs, so guessing is slow
LOCK_AFTER, LOCK_SECONDS = 5, 300  # wrong passwords in a row, then this session waits
KINDS = ("training", "comparison", "memory sweep", "cell race")  # the jobs' kinds (lstm_core.jobs.Job.kind)


def student(owner: str) -> str:
    """A short stable name for an owner token (the token itself is a secret and shown nowhere)."""
    return t("teacher.student", code=hashlib.sha256(owner.encode()).hexdigest()[:6])


def kind_name(kind: str) -> str:
    return t(f"teacher.kind.{kind.replace(' ', '_')}") if kind in KINDS else plain(kind)


def sign_in() -> None:
    failures, locked_until = st.session_state.get(FAILURES, (0, 0.0))
    if time.time() < locked_until:
        st.error(t("teacher.locked", time=seconds(locked_until - time.time())))
        return
    with st.form("teacher_sign_in"):
        given = st.text_input(t("teacher.password"), type="password")
        if not st.form_submit_button(t("teacher.open"), type="primary"):
            return
    if state.settings().is_teacher(given):
        st.session_state[TEACHER] = True
        st.session_state.pop(FAILURES, None)
        st.rerun()
    time.sleep(WRONG_DELAY)
    failures += 1
    st.session_state[FAILURES] = (failures, time.time() + LOCK_SECONDS if failures >= LOCK_AFTER else 0.0)
    st.error(t("teacher.wrong"))


def job_row(snap) -> None:
    """One job: what, whose, where in the queue; what it is doing and how far it is. The parts are
    labels of their own, one after the other (" · "), never one sentence."""
    where = [t("teacher.row.queued", position=snap.position) if snap.position else
             t(f"teacher.status.{snap.status}") if snap.status in (QUEUED, RUNNING) else plain(snap.status)]
    if snap.starts_in:
        where.append(t("teacher.row.starts_in", time=seconds(snap.starts_in)))
    if snap.shared > 1:
        where.append(t("teacher.row.shared", n=snap.shared))
    if snap.replayed:
        where.append(t("teacher.row.replayed"))
    progress = [plain(snap.phase), f"{snap.fraction:.0%}", t("teacher.row.elapsed", time=seconds(snap.elapsed))]
    if snap.eta:
        progress.append(t("teacher.row.left", time=seconds(snap.eta)))
    head = t("teacher.row.job", name=plain(snap.name), kind=kind_name(snap.kind), student=student(snap.owner))
    left, right = st.columns([6, 1], vertical_alignment="center")
    left.markdown(" · ".join([head, *where]) + "  \n" + " · ".join(p for p in progress if p))
    if right.button(t("teacher.cancel"), key=f"cancel-{snap.job_id}", disabled=snap.done):
        state.job_manager().cancel(snap.job_id)
        st.toast(t("teacher.cancelled", name=plain(snap.name)))


@st.fragment(run_every=2.0)
def class_view() -> None:
    manager = state.job_manager()
    snaps = [s for s in manager.jobs(lang()) if not s.done]
    workers = manager.workers()
    running = [s for s in snaps if s.status == RUNNING]
    queued = [s for s in snaps if s.status == QUEUED]
    cols = st.columns(4)
    cols[0].metric(t("teacher.metric.running"), len(running))
    cols[1].metric(t("teacher.metric.waiting"), f"{len(queued)} / {manager.max_queued}")
    cols[2].metric(t("teacher.metric.processes"), len(workers))
    cols[3].metric(t("teacher.metric.memory"), f"{sum(w.rss_bytes for w in workers) / 2**20:,.0f} MB")
    if not snaps:
        st.info(t("teacher.no_jobs"))
        return
    st.plotly_chart(queue_chart([(s.name, student(s.owner), s.status, s.fraction, s.eta or s.starts_in)
                                 for s in running + queued], lang=lang()), key="teacher_queue")
    for snap in running + queued:
        job_row(snap)


ensure_app_navigation()
st.title(t("teacher.title"))
if not st.session_state.get(TEACHER):
    st.markdown(t("teacher.intro"))
    sign_in()
else:
    st.caption(t("teacher.refreshed"))
    class_view()
    if st.button(t("teacher.sign_out")):
        st.session_state.pop(TEACHER, None)
        st.rerun()
