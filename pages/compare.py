"""Compare: the same model and seed from random numbers and from word2vec, trained side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lstm_core import figures_embeddings as fe
from lstm_core.compare import (COMPARISON, LEARNING_CURVE_SIZES, VARIANTS, Comparison, CompareSpec, ComparisonTask,
                               check_vectors)
from lstm_core.embeddings import WrongDimension
from lstm_core.errors import LstmLabError
from lstm_core.wordspace import DEFAULT_MAP_WORDS
from lstm_core.jobs import FAILED
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import percent, plain, seconds
from ui.live import live_job, refused, result_or_hint, start_button

RESULT, MAPS, CHECKED = "cmp_result", "cmp_maps", "cmp_checked"
TARGETS = [0.75, 0.8, 0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.9]
MAP_METHODS = {"pca": "PCA (instant)", "tsne": "t-SNE (a few seconds)"}


# ------------------------------------------------------------------------------------------ settings


def use_dimension(dim: int) -> None:
    state.update_config(model={"embedding_dim": dim})
    st.session_state.pop(CHECKED, None)


def vectors_path() -> str | None:
    """The own vector file's resolved path if the student chose one (None: the bundled IMDB
    word2vec); PathRefused when this server does not allow the path typed."""
    policy = state.path_policy()
    own = policy.enabled and st.toggle(
        "Use my own word-vector file", key="cmp_own",
        help="GoogleNews .bin.gz, a word2vec/GloVe text file (.txt, .vec) or an .npz made by "
             "`python -m lstm_core word2vec`. Only the rows of the vocabulary are read. Pickle-based "
             "files (gensim .kv/.model) are refused: opening one could run code.")
    if not own:
        st.caption("Word vectors: the IMDB word2vec bundled with the app (128-d, trained on the training "
                   "reviews only).")
        return None
    path = st.text_input("Path to the vector file (on the machine running the app)", key="cmp_path",
                         placeholder="/data/GoogleNews-vectors-negative300.bin.gz").strip()
    if not path:
        return None
    resolved = str(policy.resolve(path))  # PathRefused: the caller says so
    if st.button("Check the file", key="cmp_check", icon=":material/fact_check:"):
        try:
            with st.spinner("Reading the rows of the vocabulary's words…"):
                st.session_state[CHECKED] = (path, check_vectors(state.config(), resolved), None)
        except LstmLabError as e:  # missing, not word vectors, truncated, the wrong dimension
            st.session_state[CHECKED] = (path, None, e)
    checked = st.session_state.get(CHECKED)
    if checked and checked[0] == path:
        found, error = checked[1], checked[2]
        if error is not None:
            show_vector_problem(error, "cmp_fix_dim")
        else:
            st.success(f"{found['found_words']:,} of {found['vocab_words']:,} vocabulary words "
                       f"({found['word_share']:.0%}, {found['token_share']:.0%} of the training tokens) have a "
                       f"vector; the others start from random numbers.", icon=":material/check_circle:")
    return resolved


def show_vector_problem(error: Exception, key: str) -> None:
    st.error(f"These vectors cannot be used: {plain(str(error))}", icon=":material/error:")
    if isinstance(error, WrongDimension):
        st.button(f"Use {error.found}-d embeddings for every model", key=key, on_click=use_dimension,
                  args=(error.found,), help="Sets the embedding size on the Train page too")


def settings() -> CompareSpec | None:
    cfg = state.config()
    m, t = cfg.model, cfg.train
    st.caption(f"Every model uses the Train page's settings — {m.cell.upper()} with {m.units} units, "
               f"{m.embedding_dim}-d embedding, head on the {m.pooling} of h, {cfg.sequence.max_len} tokens, "
               f"learning rate {t.learning_rate:g}, up to {t.max_epochs} epochs, seed {t.seed} — and differs "
               f"only in where the embedding starts. Change them on the Train page.")
    left, right = st.columns(2, gap="large")
    with left:
        frozen = st.checkbox("Also word2vec, frozen (the embedding is never changed)", value=True, key="cmp_frozen")
        target = st.select_slider("Target validation accuracy", TARGETS, value=0.85, key="cmp_target",
                                  format_func=lambda v: f"{v:.0%}",
                                  help="The table counts the epochs each model needs to reach it")
    with right:
        curve = st.toggle("Learning curve: also train each model on fewer labelled reviews", key="cmp_curve",
                          help="Where do pretrained vectors help most? Each size trains every model once more")
        sizes = st.multiselect("Labelled training reviews", LEARNING_CURVE_SIZES, default=list(LEARNING_CURVE_SIZES),
                               key="cmp_sizes", format_func=lambda s: f"{s:,}", disabled=not curve)
    variants = ("random", "word2vec") + (("word2vec_frozen",) if frozen else ())
    try:
        with left:
            path = vectors_path()
        base = cfg.replace(model={"embedding_path": path})
        return CompareSpec(base, variants=variants, target=target, sizes=tuple(sizes) if curve else ())
    except ValueError as e:
        st.error(f"These settings cannot be compared: {plain(str(e))}")
        return None


def start(spec: CompareSpec) -> None:
    trainings = len(spec.variants) * (1 + len(spec.sizes))
    try:
        state.submit_task(COMPARISON, "comparison", spec.config, ComparisonTask(spec), trainings)
    except ValueError as e:  # JobRefused (this session has a job, the queue is full), LimitExceeded
        refused(e)
        return
    st.session_state.pop(RESULT, None)
    st.session_state.pop(MAPS, None)


# ------------------------------------------------------------------------------------------ live


def progress_line(snap, live) -> str:
    current = live.current
    if current is None:
        return snap.phase
    c, keys = live.curves[current], list(live.curves)
    epochs_done = len(c.history.get("loss", ()))
    return (f"Model {keys.index(current) + 1} of {len(keys)}: **{VARIANTS[current].label}** · epoch "
            f"{min(epochs_done + 1, c.epochs)}/{c.epochs} · {seconds(snap.elapsed)} elapsed")


def show_progress(job, snap) -> None:
    rec = job.runner.snapshot()  # one copy of the curves per tick
    st.progress(rec.fraction, text=progress_line(snap, rec))
    st.caption(snap.phase)


def show_live_charts(job, snap) -> None:
    task, rec = job.runner, job.runner.snapshot()
    series = [c.series(VARIANTS[key].label) for key, c in rec.curves.items()]
    st.plotly_chart(fe.compare_curves(series, target=task.spec.target,
                                      epochs=task.spec.config.train.max_epochs,
                                      title="Live: validation per epoch, training per batch"), key="cmp_live_chart")
    if rec.records:
        st.plotly_chart(fe.learning_curve(list(rec.records), {k: VARIANTS[k].label for k in rec.curves}),
                        key="cmp_live_learning_curve")


def show_failure(job, snap) -> bool:
    if isinstance(job.exception, WrongDimension):
        show_vector_problem(job.exception, "cmp_fix_dim_job")
        return True
    return False


def keep_result(job, snap) -> None:
    if job is None or snap.status == FAILED:
        return
    if job.run is None:
        st.info(f"The comparison was {snap.phase}.")
    else:
        st.session_state[RESULT] = job.run


def live_section() -> None:
    live_job(COMPARISON, stop_key="cmp_stop", what="comparison", progress=show_progress, draw=show_live_charts,
             done=keep_result, failed=show_failure, stop_help="Keeps the models finished so far")


# ------------------------------------------------------------------------------------------ results


def results_table(result: Comparison) -> None:
    rows = pd.DataFrame(result.table())
    shares = ["test accuracy", "precision", "recall", "F1", "best val accuracy"]
    to_target = f"epochs to {result.spec.target:.0%} val"
    rows[to_target] = rows[to_target].map(lambda e: "not reached" if e is None or e != e else str(int(e)))
    st.dataframe(rows.style.format({c: "{:.1%}" for c in shares} | {"seconds": "{:.0f}"}), hide_index=True,
                 key="cmp_table")
    notes = [result.summary()]
    if result.baseline_accuracy is not None:
        notes.append(f"The TF-IDF + logistic regression baseline reaches {percent(result.baseline_accuracy)} "
                     "on the same test reviews.")
    if result.coverage:
        c = result.coverage
        notes.append(f"Word vectors cover {c['word_share']:.0%} of the vocabulary and {c['token_share']:.0%} "
                     f"of the training tokens; the other words start from random numbers.")
    if result.stopped:
        notes.append("The comparison was stopped: only the models finished before are shown.")
    st.caption(" ".join(notes))


def neighbours_section(result: Comparison) -> None:
    st.subheader("Nearest neighbours")
    left, right = st.columns([2, 1])
    word = left.text_input("A word", value="great", key="cmp_word",
                           help="Cleaned as in training: 'boring' is looked up as 'bore'")
    k = right.slider("Neighbours", 3, 20, 8, key="cmp_k")
    try:
        token, found = result.neighbours(word, k)
    except LstmLabError as e:  # not in the vocabulary, dropped by cleaning, empty
        st.warning(plain(str(e)), icon=":material/search_off:")
        return
    if token != word.strip():
        st.caption(f"Looked up as **{plain(token)}**, the form cleaning gives it.")
    cols = st.columns(len(found))
    for col, (key, lists) in zip(cols, found.items()):
        col.markdown(f"**{VARIANTS[key].label}**")
        table = pd.DataFrame({"before training": [f"{w} ({s:.2f})" for w, s in lists["before"]],
                              "after training": [f"{w} ({s:.2f})" for w, s in lists["after"]]},
                             index=range(1, len(lists["before"]) + 1))
        col.table(table)
    st.caption("Cosine similarity in brackets. Random vectors have no neighbours worth the name before "
               "training; a frozen embedding keeps its word2vec neighbours.")


def map_section(result: Comparison) -> None:
    st.subheader("A map of the words")
    words_text = st.text_area("Words on the map", value=" ".join(DEFAULT_MAP_WORDS), key="cmp_map_words",
                              height=80, help="Separated by spaces or commas")
    method = st.radio("Projection", list(MAP_METHODS), format_func=MAP_METHODS.get, horizontal=True,
                      key="cmp_map_method")
    words = tuple(w for w in words_text.replace(",", " ").split() if w)
    cache = st.session_state.setdefault(MAPS, {})
    key = (id(result), words, method)
    if key not in cache:
        try:
            with st.spinner("Running t-SNE…" if method == "tsne" else "Projecting…"):
                cache[key] = result.word_maps(words, method)
        except LstmLabError as e:  # fewer than 3 known words
            st.warning(plain(str(e)), icon=":material/warning:")
            return
    maps = cache[key]
    first = next(iter(maps.values()))
    if first.missing:
        st.caption("Not on the map (not in the vocabulary): " + ", ".join(plain(w) for w in first.missing))
    st.plotly_chart(fe.word_maps([(VARIANTS[k].label, m) for k, m in maps.items()]), key="cmp_map")
    st.caption("Each word sits where it ends after training; a ring and an arrow show where it started. Colour: "
               "the share of the word's uses that are in positive training reviews (blue at least 60%, orange-red at "
               "most 40%). Both positions of a model share one projection; the axes mean nothing by themselves.")


def results_section(result: Comparison) -> None:
    st.subheader("Results")
    results_table(result)
    series = [{"label": r.label, "batches": r.run.batches, "history": r.run.history} for r in result.results.values()]
    st.plotly_chart(fe.compare_curves(series, target=result.spec.target, baseline_accuracy=result.baseline_accuracy,
                                      title="Curves of the finished models"), key="cmp_curves")
    if result.curve:
        st.plotly_chart(fe.learning_curve(result.curve, {k: VARIANTS[k].label for k in result.results},
                                          baseline=result.curve_baseline), key="cmp_learning_curve")
    neighbours_section(result)
    map_section(result)


# ------------------------------------------------------------------------------------------ page

ensure_app_navigation()
state.job_manager()
st.title("Compare")
st.markdown("**Random numbers or word2vec: where should the embedding start?** One click trains the same model "
            "with the same seed from random numbers and from word2vec vectors (fine-tuned, and optionally frozen), "
            "then shows how each learned, which words ended up close together, and how training moved them.")
spec = settings()
start_button("Compare", key="cmp_start", icon=":material/compare_arrows:", start=lambda: start(spec),
             disabled=spec is None)
live_section()
result_or_hint(COMPARISON, st.session_state.get(RESULT), results_section,
               "Press **Compare** to train the models (about a minute each with the classroom defaults).")
