"""Data: where the reviews come from, what cleaning does to them, and what the model will read."""

from __future__ import annotations

import os
import random

import streamlit as st

from lstm_core import figures
from lstm_core.config import ExperimentConfig, PreprocessConfig
from lstm_core.data import ENV_VAR, FULL, describe_source, full_dataset_available
from lstm_core.limits import BUNDLED_PER_CLASS, FULL_PER_CLASS
from lstm_core.preprocessing import clean_stages, lemmatization_available
from lstm_core.pipeline import DataSummary, summarise_data
from ui import controls, state
from ui.boot import ensure_app_navigation
from ui.format import plain, training_estimate
from ui.stages import stages_html

SOURCES = {"bundled": "Bundled sample", "imdb": "Full IMDB dataset", "full": "Full dataset by path",
           "folder": "A pos/neg folder"}
TYPED = ("full", "folder")  # the sources read from a path the user types
PATH_HINTS = {"full": "Path to aclImdb_v1.tar.gz or an extracted aclImdb/ folder",
              "folder": "Path to a folder with pos/ and neg/ subfolders of .txt reviews"}
EXAMPLES = 300  # reviews offered one by one in the stage view


@st.cache_data(show_spinner=False, max_entries=16)
def summarise(data: dict, preprocess: dict, sequence: dict) -> DataSummary:
    """``lstm_core.pipeline.summarise_data``, cached per data, cleaning and sequence setting."""
    cfg = ExperimentConfig.from_dict({"data": data, "preprocess": preprocess, "sequence": sequence})
    return summarise_data(cfg, EXAMPLES)


def source_kind(source: str) -> str:
    if source in ("bundled", FULL):
        return "bundled" if source == "bundled" else "imdb"
    return st.session_state.get("data_kind", "full")


def choose_source() -> None:
    """Bundled, the full IMDB dataset where the teacher put it (``$LSTM_LAB_IMDB``: no typing), or a
    path that is used only once it loads. (No st.rerun after a config change here: a rerun would
    replay the config-bound widgets' old values over it.)"""
    cfg = state.config()
    policy = state.path_policy()
    offered = [k for k in SOURCES if (k != "imdb" or full_dataset_available()) and (k not in TYPED or policy.enabled)]
    kind = source_kind(cfg.data.source)
    if offered == ["bundled"]:  # a server whose teacher allowed no folders: nothing to type
        st.caption("Data: the bundled sample. Reading other data by path is turned off on this server "
                   "(the teacher can allow folders in lab_settings.toml).")
        return
    choice = st.radio("Data source", offered, index=offered.index(kind) if kind in offered else 0,
                      format_func=SOURCES.get, horizontal=True)
    if choice in ("bundled", "imdb"):
        source = "bundled" if choice == "bundled" else FULL
        if cfg.data.source != source:
            state.update_config(data={"source": source, "per_class": None})
    else:
        # Only one's own laptop offers the teacher's $LSTM_LAB_IMDB: on a server it is a server path.
        default = (cfg.data.source if cfg.data.source not in ("bundled", FULL)
                   else os.environ.get(ENV_VAR, "") if policy.local else "")
        path = st.text_input(PATH_HINTS[choice], value=default, placeholder="/path/to/aclImdb_v1.tar.gz",
                             key=f"data_path_{choice}")
        if not policy.local:
            st.caption("On this server, paths under these folders can be used: "
                       + ", ".join(plain(str(r)) for r in policy.roots))
        if st.button("Use this data", type="primary", key="use_data"):
            use_source(path, choice)
    source = state.config().data.source
    if source == FULL and not policy.local:  # the teacher's path is the server's business
        st.caption("The full IMDB dataset on this server: 25,000 training and 25,000 test reviews.")
    else:
        st.caption(plain(describe_source(source)))


def use_source(path: str, kind: str) -> None:
    """Switch to ``path`` only if this server allows it and it loads; otherwise say why and keep the
    current data."""
    try:
        resolved = str(state.path_policy().resolve(path))
        candidate = state.config().replace(data={"source": resolved, "per_class": None})
        parts = candidate.to_dict()
        with st.spinner(f"Reading and cleaning the reviews in {plain(path.strip())}…"):
            summarise(parts["data"], parts["preprocess"], parts["sequence"])
    except ValueError as e:  # DataError names the path and what is wrong with it
        st.error(f"This data cannot be used: {plain(str(e))}")
        return
    state.set_config(candidate)
    st.session_state["data_kind"] = kind


def per_class_slider() -> None:
    top = BUNDLED_PER_CLASS if state.config().data.source == "bundled" else FULL_PER_CLASS
    controls.slider("Reviews per class and split", "data.per_class", 10, top, 10,
                    to_widget=lambda v: top if v is None else min(v, top),
                    from_widget=lambda v: None if v >= top else v,
                    help="Fewer reviews clean and train faster; the classes stay balanced.")


def cleaning_switches() -> None:
    cols = st.columns(4)
    switches = [("Strip HTML", "strip_html"), ("HTML tags as spaces", "html_as_space"),
                ("Letters only", "letters_only"), ("Lowercase", "lowercase"),
                ("Lemmatize (verbs)", "lemmatize"), ("Drop stopwords", "remove_stopwords"),
                ("Keep negations", "keep_negations")]
    for i, (label, name) in enumerate(switches):
        with cols[i % 4]:
            if name == "lemmatize" and not lemmatization_available():  # shown off, as cleaning does it
                controls.toggle(label, f"preprocess.{name}", to_widget=lambda v: False, disabled=True,
                                help="Off: this machine has no WordNet verb list (see the warning below).")
            else:
                controls.toggle(label, f"preprocess.{name}")
    with cols[3]:
        controls.slider("Shortest word kept", "preprocess.min_word_len", 1, 6, 1)
    left, right, _ = st.columns([1, 1, 2])
    left.button("Tutorial's cleaning", help="No negation handling; <br /> glues words together",
                on_click=state.update_config, kwargs={"preprocess": ExperimentConfig.tutorial().preprocess})
    right.button("Recommended cleaning", on_click=state.update_config, kwargs={"preprocess": PreprocessConfig()})


def review_picker(examples: list) -> tuple[str, int, str]:
    """Pick one of the example reviews; the first one with HTML in it to begin with."""
    n = len(examples)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    if right.button("Random review"):
        st.session_state["review_index"] = random.randrange(1, n + 1)
    if not 1 <= st.session_state.get("review_index", 0) <= n:
        st.session_state["review_index"] = next((i for i, (_, _, text) in enumerate(examples, 1) if "<" in text), 1)
    index = left.number_input(f"Review (1–{n} of the training split)", 1, n, key="review_index")
    return examples[index - 1]


def vocabulary_summary(summary: DataSummary) -> None:
    cfg = state.config()
    controls.steps("Vocabulary size (most frequent training words)", "sequence.max_vocab",
                   [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000],
                   fmt=lambda v: "all" if v >= 1_000_000 else f"{v:,}")
    vocab_words = len(summary.vocab.words_)
    cov = summary.coverage
    cols = st.columns(4)
    cols[0].metric("Words in the vocabulary", f"{vocab_words:,}",
                   help=f"{summary.vocab.n_seen_words_:,} different words in the training reviews")
    cols[1].metric("Training tokens covered", f"{cov['train']['token_coverage']:.1%}")
    cols[2].metric("Test tokens covered", f"{cov['test']['token_coverage']:.1%}",
                   help="The rest become the out-of-vocabulary id 1.")
    cols[3].metric(f"Reviews longer than {cfg.sequence.max_len}", f"{summary.truncated:.1%}",
                   help=f"The model reads at most {cfg.sequence.max_len} tokens (set on the Train page); "
                        f"longer reviews keep their {cfg.sequence.keep}.")


ensure_app_navigation()
st.title("Data")
st.markdown("IMDB movie reviews, labelled positive (7–10 stars) or negative (1–4 stars). Choose where "
            "they come from, see what cleaning does to them, and what the network will actually read.")

st.subheader("Where the reviews come from")
choose_source()
left, right = st.columns(2)
with left:
    per_class_slider()
with right:
    controls.number("Subsample seed", "data.seed", 0, 2**31 - 1)

st.subheader("How the reviews are cleaned")
cleaning_switches()
controls.show_config_error()

cfg = state.config()
parts = cfg.to_dict()
try:
    with st.spinner("Reading and cleaning the reviews (the first time takes a few seconds)…"):
        summary = summarise(parts["data"], parts["preprocess"], parts["sequence"])
except ValueError as e:  # DataError: a path that went away, a folder without reviews
    st.error(f"The reviews cannot be loaded: {plain(str(e))}")
    st.stop()
for warning in summary.warnings:
    st.warning(plain(warning))

st.subheader("The data at a glance")
counts = summary.counts
st.caption(f"{plain(summary.name)}: {sum(counts['train'].values()):,} training and "
           f"{sum(counts['test'].values()):,} test reviews. " + training_estimate(cfg, sum(counts['train'].values())))
left, right = st.columns([2, 3])
left.plotly_chart(figures.class_balance(counts), key="balance")
right.plotly_chart(figures.length_histogram(summary.raw_lengths, summary.clean_lengths,
                                            max_len=cfg.sequence.max_len), key="lengths")

st.subheader("One review, step by step")
review_id, label, text = review_picker(summary.examples)
st.caption(f"{plain(review_id)} · {'positive' if label else 'negative'}")
stages = clean_stages(text, cfg.preprocess)
words = list(stages[-1].tokens)
ids, padded = summary.encode_review(words)
st.html(stages_html(stages, ids, padded, words=words, max_len=cfg.sequence.max_len, keep=cfg.sequence.keep))

st.subheader("Vocabulary")
vocabulary_summary(summary)
