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
from ui.format import error_markdown, plain, training_estimate
from ui.i18n import lang, sentences, t
from ui.stages import stages_html

SOURCES = ("bundled", "imdb", "full", "folder")  # their names: data.sources.<source>
TYPED = ("full", "folder")  # the sources read from a path the user types; their hints: data.path_hint.<source>
PLACEHOLDER = "…/aclImdb_v1.tar.gz"  # a file name, the same in every language
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
        st.caption(t("data.paths_off"))
        return
    names = {k: t(f"data.sources.{k}") for k in offered}  # looked up now: format_func may run outside this run
    choice = st.radio(t("data.source_label"), offered, index=offered.index(kind) if kind in offered else 0,
                      format_func=names.get, horizontal=True)
    if choice in ("bundled", "imdb"):
        source = "bundled" if choice == "bundled" else FULL
        if cfg.data.source != source:
            state.update_config(data={"source": source, "per_class": None})
    else:
        # Only one's own laptop offers the teacher's $LSTM_LAB_IMDB: on a server it is a server path.
        default = (cfg.data.source if cfg.data.source not in ("bundled", FULL)
                   else os.environ.get(ENV_VAR, "") if policy.local else "")
        path = st.text_input(t(f"data.path_hint.{choice}"), value=default, placeholder=PLACEHOLDER,
                             key=f"data_path_{choice}")
        if not policy.local:
            st.caption(t("data.roots", roots=", ".join(plain(str(r)) for r in policy.roots)))
        if st.button(t("data.use"), type="primary", key="use_data"):
            use_source(path, choice)
    source = state.config().data.source
    if source == FULL and not policy.local:  # the teacher's path is the server's business
        st.caption(t("data.full_on_server"))
    else:
        st.caption(error_markdown(describe_source(source)))


def use_source(path: str, kind: str) -> None:
    """Switch to ``path`` only if this server allows it and it loads; otherwise say why and keep the
    current data."""
    try:
        resolved = str(state.path_policy().resolve(path))
        candidate = state.config().replace(data={"source": resolved, "per_class": None})
        parts = candidate.to_dict()
        with st.spinner(t("data.reading_path", path=plain(path.strip()))):
            summarise(parts["data"], parts["preprocess"], parts["sequence"])
    except ValueError as e:  # DataError names the path and what is wrong with it
        st.error(t("data.unusable", problem=error_markdown(e)))
        return
    state.set_config(candidate)
    st.session_state["data_kind"] = kind


def per_class_slider() -> None:
    top = BUNDLED_PER_CLASS if state.config().data.source == "bundled" else FULL_PER_CLASS
    controls.slider(t("data.per_class"), "data.per_class", 10, top, 10,
                    to_widget=lambda v: top if v is None else min(v, top),
                    from_widget=lambda v: None if v >= top else v,
                    help=t("data.per_class_help"))


def cleaning_switches() -> None:
    cols = st.columns(4)
    switches = ("strip_html", "html_as_space", "letters_only", "lowercase", "lemmatize", "remove_stopwords",
                "keep_negations")  # labels: cleaning.switch.<name>
    for i, name in enumerate(switches):
        label = t(f"cleaning.switch.{name}")
        with cols[i % 4]:
            if name == "lemmatize" and not lemmatization_available():  # shown off, as cleaning does it
                controls.toggle(label, f"preprocess.{name}", to_widget=lambda v: False, disabled=True,
                                help=t("cleaning.switch.lemmatize_off"))
            else:
                controls.toggle(label, f"preprocess.{name}")
    with cols[3]:
        controls.slider(t("cleaning.switch.min_word_len"), "preprocess.min_word_len", 1, 6, 1)
    left, right, _ = st.columns([1, 1, 2])
    left.button(t("cleaning.switch.tutorial"), help=t("cleaning.switch.tutorial_help"),
                on_click=state.update_config, kwargs={"preprocess": ExperimentConfig.tutorial().preprocess})
    right.button(t("cleaning.switch.recommended"), on_click=state.update_config,
                 kwargs={"preprocess": PreprocessConfig()})


def review_picker(examples: list) -> tuple[str, int, str]:
    """Pick one of the example reviews; the first one with HTML in it to begin with."""
    n = len(examples)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    if right.button(t("data.random_review")):
        st.session_state["review_index"] = random.randrange(1, n + 1)
    if not 1 <= st.session_state.get("review_index", 0) <= n:
        st.session_state["review_index"] = next((i for i, (_, _, text) in enumerate(examples, 1) if "<" in text), 1)
    index = left.number_input(t("data.review_number", n=n), 1, n, key="review_index")
    return examples[index - 1]


def vocabulary_summary(summary: DataSummary) -> None:
    cfg = state.config()
    controls.steps(t("data.vocab_size"), "sequence.max_vocab",
                   [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000],
                   fmt=lambda v, every=t("data.vocab_all"): every if v >= 1_000_000 else f"{v:,}")
    vocab_words = len(summary.vocab.words_)
    cov = summary.coverage
    max_len = cfg.sequence.max_len
    cols = st.columns(4)
    cols[0].metric(t("data.metric.vocab_words"), f"{vocab_words:,}",
                   help=t("data.metric.vocab_words_help", n=summary.vocab.n_seen_words_))
    cols[1].metric(t("data.metric.train_covered"), f"{cov['train']['token_coverage']:.1%}")
    cols[2].metric(t("data.metric.test_covered"), f"{cov['test']['token_coverage']:.1%}",
                   help=t("data.metric.test_covered_help"))
    cols[3].metric(t("data.metric.longer", max_len=max_len), f"{summary.truncated:.1%}",
                   help=t(f"data.metric.longer_help_{cfg.sequence.keep}", max_len=max_len))


ensure_app_navigation()
st.title(t("data.title"))
st.markdown(t("data.intro"))

st.subheader(t("data.heading.source"))
choose_source()
left, right = st.columns(2)
with left:
    per_class_slider()
with right:
    controls.number(t("data.seed"), "data.seed", 0, 2**31 - 1)

st.subheader(t("data.heading.cleaning"))
cleaning_switches()
controls.show_config_error()

cfg = state.config()
parts = cfg.to_dict()
try:
    with st.spinner(t("data.reading")):
        summary = summarise(parts["data"], parts["preprocess"], parts["sequence"])
except ValueError as e:  # DataError: a path that went away, a folder without reviews
    st.error(t("data.unloadable", problem=error_markdown(e)))
    st.stop()
for warning in summary.warnings:  # Notices: what reading had to skip, what cleaning could not do
    st.warning(error_markdown(warning))

st.subheader(t("data.heading.glance"))
counts = summary.counts
n_train, n_test = sum(counts["train"].values()), sum(counts["test"].values())
st.caption(sentences(t("data.glance", name=error_markdown(summary.name), train=n_train, test=n_test),
                     training_estimate(cfg, n_train)))
left, right = st.columns([2, 3])
left.plotly_chart(figures.class_balance(counts, lang=lang()), key="balance")
right.plotly_chart(figures.length_histogram(summary.raw_lengths, summary.clean_lengths,
                                            max_len=cfg.sequence.max_len, lang=lang()), key="lengths")

st.subheader(t("data.heading.review"))
review_id, label, text = review_picker(summary.examples)
st.caption(t("data.review_positive" if label else "data.review_negative", id=plain(review_id)))
stages = clean_stages(text, cfg.preprocess)
words = list(stages[-1].tokens)
ids, padded = summary.encode_review(words)
st.html(stages_html(stages, ids, padded, words=words, max_len=cfg.sequence.max_len, keep=cfg.sequence.keep,
                    lang=lang()))

st.subheader(t("data.heading.vocabulary"))
vocabulary_summary(summary)
