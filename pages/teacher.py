"""Teacher: the whole class's queue and running jobs, each with a Cancel; opened by the password in the
server's settings file (``teacher_password`` in lab_settings.toml). The page is in the navigation only
when that password is set."""

from __future__ import annotations

import hashlib
import time

import streamlit as st

from lstm_core.figures import queue_chart
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import plain, seconds

TEACHER = "lab_teacher"  # this session has given the password (kept per session, never per browser)
FAILURES = "lab_teacher_failures"
WRONG_DELAY = 1.0  # seconds every wrong password costs, so guessing is slow
LOCK_AFTER, LOCK_SECONDS = 5, 300  # wrong passwords in a row, then this session waits


def student(owner: str) -> str:
    """A short stable name for an owner token (the token itself is a secret and shown nowhere)."""
    return "student " + hashlib.sha256(owner.encode()).hexdigest()[:6]


def sign_in() -> None:
    failures, locked_until = st.session_state.get(FAILURES, (0, 0.0))
    if time.time() < locked_until:
        st.error(f"Too many wrong passwords: try again in {seconds(locked_until - time.time())}.")
        return
    with st.form("teacher_sign_in"):
        given = st.text_input("Teacher password", type="password")
        if not st.form_submit_button("Open the teacher's view", type="primary"):
            return
    if state.settings().is_teacher(given):
        st.session_state[TEACHER] = True
        st.session_state.pop(FAILURES, None)
        st.rerun()
    time.sleep(WRONG_DELAY)
    failures += 1
    st.session_state[FAILURES] = (failures, time.time() + LOCK_SECONDS if failures >= LOCK_AFTER else 0.0)
    st.error("That is not the teacher's password.")


def job_row(snap) -> None:
    left, right = st.columns([6, 1], vertical_alignment="center")
    where = (f"queued, number {snap.position}" if snap.position else snap.status) + (
        f" · starts in about {seconds(snap.starts_in)}" if snap.starts_in else "")
    extra = (f" · shared by {snap.shared}" if snap.shared > 1 else "") + (" · replayed" if snap.replayed else "")
    left.markdown(f"**{plain(snap.name)}** ({plain(snap.kind)}) · {student(snap.owner)} · {where}{extra}  \n"
                  f"{plain(snap.phase)} · {snap.fraction:.0%} · {seconds(snap.elapsed)} elapsed"
                  + (f" · about {seconds(snap.eta)} left" if snap.eta else ""))
    if right.button("Cancel", key=f"cancel-{snap.job_id}", disabled=snap.done):
        state.job_manager().cancel(snap.job_id)
        st.toast(f"Cancelled **{plain(snap.name)}**")


@st.fragment(run_every=2.0)
def class_view() -> None:
    manager = state.job_manager()
    snaps = [s for s in manager.jobs() if not s.done]
    workers = manager.workers()
    running = [s for s in snaps if s.status == "running"]
    queued = [s for s in snaps if s.status == "queued"]
    cols = st.columns(4)
    cols[0].metric("Running", len(running))
    cols[1].metric("Waiting", f"{len(queued)} / {manager.max_queued}")
    cols[2].metric("Training processes", len(workers))
    cols[3].metric("Their memory", f"{sum(w.rss_bytes for w in workers) / 2**20:,.0f} MB")
    if not snaps:
        st.info("No job is running or waiting.")
        return
    st.plotly_chart(queue_chart([(s.name, student(s.owner), s.status, s.fraction, s.eta or s.starts_in)
                                 for s in running + queued]), key="teacher_queue")
    for snap in running + queued:
        job_row(snap)


ensure_app_navigation()
st.title("Teacher")
if not st.session_state.get(TEACHER):
    st.markdown("The class's queue and running jobs, with a Cancel for each. The password is "
                "`teacher_password` in the server's settings file.")
    sign_in()
else:
    st.caption("Refreshed every two seconds. Students are named by a short code of their browser, never "
               "by anything they typed.")
    class_view()
    if st.button("Sign out"):
        st.session_state.pop(TEACHER, None)
        st.rerun()
