"""The Gates page's readings of a run, shared by every session reading the same run (``st.cache_resource``).

Here and not in ``pages/gates.py``: a page file runs again on every rerun, and each run re-applied its
decorators, which read every cached function's source to key it (3.5% of a Gates page run). Each is
keyed by the run's key (its folder, or the shipped run's name); the run itself is not hashed. Those
read on every run take keywords only: Streamlit looks up a function's signature for every positional
argument of every call (0.1 ms each).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lstm_core.explain import explain
from lstm_core.gate_analysis import timelapse
from lstm_core.model import untrained_copy
from lstm_core.pipeline import prepare
from lstm_core.probes import Probe, ProbeReport, load_probes, score_baseline, score_run


def run_key(entry: Any, run: Any) -> str:
    return str(entry.path) if entry is not None else run.name


@st.cache_resource(show_spinner=False, max_entries=4)  # the spinner's text is the reader's: with st.spinner
def untrained(key: str, _run: Any) -> Any:
    """The current run's network before training (one per run, shared by sessions)."""
    return untrained_copy(_run.model, _run.config, _run.vocab.size)


@st.cache_resource(show_spinner=False)
def probe_set() -> tuple[Probe, ...]:
    return load_probes()


@st.cache_resource(show_spinner=False, max_entries=8)
def probe_report(*, key: str, _run: Any) -> ProbeReport:
    return score_run(_run, probe_set())


@st.cache_resource(show_spinner=False, max_entries=8)
def example_report(*, key: str, examples: tuple[tuple[str, int], ...], _run: Any) -> ProbeReport:
    """The run's answers on the page's example reviews, (text, label) each."""
    return score_run(_run, [Probe(text, label, "plain") for text, label in examples])


@st.cache_resource(show_spinner=False, max_entries=4)
def baseline_report(key: str, _cfg: Any) -> ProbeReport:
    """The same-split bag of words on the probes (one per data and cleaning setting, shared by sessions)."""
    return score_baseline(prepare(_cfg), probe_set(), _cfg.train.seed)


@st.cache_resource(show_spinner=False, max_entries=16)
def lapse(*, key: str, text: str, _ex: Any, _snapshots: Any) -> list[Any]:
    """The text through every snapshot of the run's training (NumPy replays, read-only, shared)."""
    return timelapse(_ex, _snapshots)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=600)
def explained(*, key: str, text: str, language: str, _run: Any) -> Any:
    """The text through the run's model, once for every session reading the same text with it."""
    return explain(_run, text, lang=language)
