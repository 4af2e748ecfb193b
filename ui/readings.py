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


# key: (text, its label). The review stays English (the model reads English); its button's name and what to
# look for are gates.example.<key>.name / .hint. Whether the current model gets each right is measured on the
# page (example_reports), so a button never claims what the model does not do.
EXAMPLES = {
    "positive": ("A wonderful film with a brilliant cast. I loved every minute of it and would happily "
                 "watch it again.", 1),
    "negative": ("An awful, boring film. The plot was dull, the acting was terrible and the whole thing "
                 "was a waste of time.", 0),
    "negation": ("This film is not good at all.", 0),
    "contrast": ("The acting was wonderful but the plot was a mess.", 0),
    "long": (
        "I went in expecting a light comedy and for the first half hour that is exactly what I got. The two "
        "leads have real chemistry, the jokes land, and the small-town setting is shot with obvious love. "
        "Then the film changes its mind. A dull subplot about a stolen painting takes over, the supporting "
        "characters vanish, and the dialogue turns into long speeches that go nowhere. The music, so "
        "charming at the start, becomes loud and repetitive. By the final act I had stopped caring about "
        "anyone on screen. The ending tries to win us back with a sentimental reunion, but it feels cheap "
        "and unearned. A promising start wasted: I cannot recommend it, even for a lazy Sunday afternoon.", 0),
}
FIRST_EXAMPLE = "contrast"  # the review in the box on a first visit


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
def example_report(*, key: str, _run: Any) -> ProbeReport:
    """The run's answers on the page's example reviews (EXAMPLES, in order)."""
    return score_run(_run, [Probe(text, label, "plain") for text, label in EXAMPLES.values()])


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


def warm(entry: Any, run: Any) -> None:
    """Read what a first visit to the Gates page reads with ``run``: its example and probe answers, the
    first review's explanation and time-lapse. (The server's warm-up does it for the default run: a class
    that opens the Gates page at once waited for the first visitor's TensorFlow predictions.)"""
    key = run_key(entry, run)
    example_report(key=key, _run=run)
    probe_report(key=key, _run=run)
    text = EXAMPLES[FIRST_EXAMPLE][0]
    ex = explained(key=key, text=text, language="en", _run=run)
    if run.snapshots is not None and len(run.snapshots) > 1:
        lapse(key=key, text=text, _ex=ex, _snapshots=run.snapshots)
