"""Compare: the same model and seed from random numbers and from word2vec, trained side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lstm_core import figures_embeddings as fe
from lstm_core.compare import (COMPARISON, LEARNING_CURVE_SIZES, Comparison, CompareSpec, ComparisonTask,
                               check_vectors, variant_label)
from lstm_core.embeddings import WrongDimension
from lstm_core.errors import LstmLabError
from lstm_core.settings_text import settings_list
from lstm_core.wordspace import DEFAULT_MAP_WORDS
from lstm_core.jobs import FAILED
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import error_markdown, percent, plain, seconds
from ui.i18n import lang, sentences, t
from ui.live import live_job, refused, result_or_hint, start_button

RESULT, MAPS, CHECKED = "cmp_result", "cmp_maps", "cmp_checked"
TARGETS = [0.75, 0.8, 0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.9]
MAP_METHODS = ("pca", "tsne")  # compare.map.method_<name>
SHARES = ("test accuracy", "precision", "recall", "F1", "best val accuracy")  # shown as percentages
COLUMNS = ("variant", *SHARES, "best epoch", "epochs run", "seconds")  # compare.column.<name>


def problem(e: Exception) -> str:
    """What went wrong, for markdown: in the reader's language when it was said with a key."""
    return error_markdown(e)


def labels(keys) -> dict[str, str]:
    """{variant: its name in the reader's language}, in the order of ``keys``."""
    return {k: variant_label(k, lang()) for k in keys}


# ------------------------------------------------------------------------------------------ settings


def use_dimension(dim: int) -> None:
    state.update_config(model={"embedding_dim": dim})
    st.session_state.pop(CHECKED, None)


def vectors_path() -> str | None:
    """The own vector file's resolved path if the student chose one (None: the bundled IMDB
    word2vec); PathRefused when this server does not allow the path typed."""
    policy = state.path_policy()
    own = policy.enabled and st.toggle(t("compare.vectors.own"), key="cmp_own", help=t("compare.vectors.own_help"))
    if not own:
        st.caption(t("compare.vectors.bundled"))
        return None
    path = st.text_input(t("compare.vectors.path"), key="cmp_path",
                         placeholder="/data/GoogleNews-vectors-negative300.bin.gz").strip()
    if not path:
        return None
    resolved = str(policy.resolve(path))  # PathRefused: the caller says so
    if st.button(t("compare.vectors.check"), key="cmp_check", icon=":material/fact_check:"):
        try:
            with st.spinner(t("compare.vectors.reading")):
                st.session_state[CHECKED] = (path, check_vectors(state.config(), resolved), None)
        except LstmLabError as e:  # missing, not word vectors, truncated, the wrong dimension
            st.session_state[CHECKED] = (path, None, e)
    checked = st.session_state.get(CHECKED)
    if checked and checked[0] == path:
        found, error = checked[1], checked[2]
        if error is not None:
            show_vector_problem(error, "cmp_fix_dim")
        else:
            st.success(t("compare.vectors.coverage", found=found["found_words"], vocab=found["vocab_words"],
                         words=found["word_share"], tokens=found["token_share"]), icon=":material/check_circle:")
    return resolved


def show_vector_problem(error: Exception, key: str) -> None:
    st.error(t("compare.vectors.unusable", problem=problem(error)), icon=":material/error:")
    if isinstance(error, WrongDimension):
        st.button(t("compare.vectors.use_dimension", dim=error.found), key=key, on_click=use_dimension,
                  args=(error.found,), help=t("compare.vectors.use_dimension_help"))


def settings() -> CompareSpec | None:
    cfg = state.config()
    st.caption(t("compare.settings.caption", settings=settings_list(cfg, with_cell=True, lang=lang())))
    left, right = st.columns(2, gap="large")
    with left:
        frozen = st.checkbox(t("compare.settings.frozen"), value=True, key="cmp_frozen")
        target = st.select_slider(t("compare.settings.target"), TARGETS, value=0.85, key="cmp_target",
                                  format_func=lambda v: f"{v:.0%}", help=t("compare.settings.target_help"))
    with right:
        curve = st.toggle(t("compare.settings.curve"), key="cmp_curve", help=t("compare.settings.curve_help"))
        sizes = st.multiselect(t("compare.settings.sizes"), LEARNING_CURVE_SIZES, default=list(LEARNING_CURVE_SIZES),
                               key="cmp_sizes", format_func=lambda s: f"{s:,}", disabled=not curve)
    variants = ("random", "word2vec") + (("word2vec_frozen",) if frozen else ())
    try:
        with left:
            path = vectors_path()
        base = cfg.replace(model={"embedding_path": path})
        return CompareSpec(base, variants=variants, target=target, sizes=tuple(sizes) if curve else ())
    except ValueError as e:  # PathRefused, or a setting the comparison refuses
        st.error(t("compare.settings.invalid", problem=problem(e)))
        return None


def start(spec: CompareSpec) -> None:
    trainings = len(spec.variants) * (1 + len(spec.sizes))
    try:
        state.submit_task(COMPARISON, t("compare.job_name"), spec.config, ComparisonTask(spec), trainings)
    except ValueError as e:  # JobRefused (this session has a job, the queue is full), LimitExceeded
        refused(e)
        return
    st.session_state.pop(RESULT, None)
    st.session_state.pop(MAPS, None)


# ------------------------------------------------------------------------------------------ live


def progress_line(snap, live, spec: CompareSpec) -> str:
    """Which model trains and its epoch; before it (preparing) and while stopping, the job's phase; in the
    learning curve, how many of its trainings are done."""
    current = live.current
    if snap.stop_requested or (current is None and not live.records):
        return snap.phase
    if current is None:
        return t("compare.progress.curve", done=len(live.records), total=len(spec.sizes) * len(spec.variants),
                 elapsed=seconds(snap.elapsed))
    c, keys = live.curves[current], list(live.curves)
    epochs_done = len(c.history.get("loss", ()))
    return t("compare.progress.model", i=keys.index(current) + 1, n=len(keys), variant=variant_label(current, lang()),
             epoch=min(epochs_done + 1, c.epochs), epochs=c.epochs, elapsed=seconds(snap.elapsed))


def show_progress(job, snap) -> None:
    rec = job.runner.snapshot()  # one copy of the curves per tick; snap is in the reader's language (ui.live)
    st.progress(rec.fraction, text=progress_line(snap, rec, job.runner.spec))


def show_live_charts(job, snap) -> None:
    task, rec = job.runner, job.runner.snapshot()
    series = [c.series(variant_label(key, lang())) for key, c in rec.curves.items()]
    st.plotly_chart(fe.compare_curves(series, target=task.spec.target, epochs=task.spec.config.train.max_epochs,
                                      title=t("compare.live_title"), lang=lang()), key="cmp_live_chart")
    if rec.records:
        st.plotly_chart(fe.learning_curve(list(rec.records), labels(rec.curves), lang=lang()),
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
        st.info(t("compare.nothing_kept"))
    else:
        st.session_state[RESULT] = job.run


def live_section() -> None:
    live_job(COMPARISON, stop_key="cmp_stop", what="comparison", progress=show_progress, draw=show_live_charts,
             done=keep_result, failed=show_failure, stop_help=t("compare.stop_help"))


# ------------------------------------------------------------------------------------------ results


def results_table(result: Comparison) -> None:
    rows = pd.DataFrame(result.table())
    rows["variant"] = [variant_label(k, lang()) for k in result.results]
    to_target = f"epochs to {result.spec.target:.0%} val"  # the column's name in Comparison.table
    reached = t("compare.column.to_target", target=result.spec.target)
    rows[to_target] = rows[to_target].map(lambda e: t("compare.not_reached") if e is None or e != e else str(int(e)))
    names = {c: t(f"compare.column.{c.replace(' ', '_')}") for c in COLUMNS} | {to_target: reached}
    rows = rows.rename(columns=names)
    st.dataframe(rows.style.format({names[c]: "{:.1%}" for c in SHARES} | {names["seconds"]: "{:.0f}"}),
                 hide_index=True, key="cmp_table")
    notes = [result.summary(lang())]
    if result.baseline_accuracy is not None:
        notes.append(t("compare.notes.baseline", accuracy=percent(result.baseline_accuracy)))
    if result.coverage:
        c = result.coverage
        notes.append(t("compare.notes.coverage", words=c["word_share"], tokens=c["token_share"]))
    if result.stopped:
        notes.append(t("compare.notes.stopped"))
    st.caption(sentences(*notes))


def neighbours_section(result: Comparison) -> None:
    st.subheader(t("compare.neighbours.header"))
    left, right = st.columns([2, 1])
    word = left.text_input(t("compare.neighbours.word"), value="great", key="cmp_word",
                           help=t("compare.neighbours.word_help"))
    k = right.slider(t("compare.neighbours.k"), 3, 20, 8, key="cmp_k")
    try:
        token, found = result.neighbours(word, k)
    except LstmLabError as e:  # not in the vocabulary, dropped by cleaning, empty
        st.warning(error_markdown(e), icon=":material/search_off:")
        return
    if token != word.strip():
        st.caption(t("compare.neighbours.looked_up", token=plain(token)))
    before, after = t("compare.neighbours.before"), t("compare.neighbours.after")
    cols = st.columns(len(found))
    for col, (key, lists) in zip(cols, found.items()):
        col.markdown(f"**{plain(variant_label(key, lang()))}**")
        table = pd.DataFrame({before: [f"{w} ({s:.2f})" for w, s in lists["before"]],
                              after: [f"{w} ({s:.2f})" for w, s in lists["after"]]},
                             index=range(1, len(lists["before"]) + 1))
        col.table(table)
    st.caption(t("compare.neighbours.caption"))


def map_section(result: Comparison) -> None:
    st.subheader(t("compare.map.header"))
    words_text = st.text_area(t("compare.map.words"), value=" ".join(DEFAULT_MAP_WORDS), key="cmp_map_words",
                              height=80, help=t("compare.map.words_help"))
    methods = {m: t(f"compare.map.method_{m}") for m in MAP_METHODS}  # named now: AppTest calls format_func again outside the run
    method = st.radio(t("compare.map.method"), list(MAP_METHODS), format_func=methods.get, horizontal=True,
                      key="cmp_map_method")
    words = tuple(w for w in words_text.replace(",", " ").split() if w)
    cache = st.session_state.setdefault(MAPS, {})
    key = (id(result), words, method)
    if key not in cache:
        try:
            with st.spinner(t("compare.map.running_tsne") if method == "tsne" else t("compare.map.projecting")):
                cache[key] = result.word_maps(words, method)
        except LstmLabError as e:  # fewer than 3 known words
            st.warning(error_markdown(e), icon=":material/warning:")
            return
    maps = cache[key]
    first = next(iter(maps.values()))
    if first.missing:
        st.caption(t("compare.map.missing", words=t("theory.join.items").join(plain(w) for w in first.missing)))
    st.plotly_chart(fe.word_maps([(variant_label(k, lang()), m) for k, m in maps.items()], lang=lang()),
                    key="cmp_map")
    st.caption(t("compare.map.caption"))


def results_section(result: Comparison) -> None:
    st.subheader(t("compare.results"))
    results_table(result)
    series = [{"label": variant_label(key, lang()), "batches": r.run.batches, "history": r.run.history}
              for key, r in result.results.items()]
    st.plotly_chart(fe.compare_curves(series, target=result.spec.target, baseline_accuracy=result.baseline_accuracy,
                                      title=t("compare.curves_title"), lang=lang()), key="cmp_curves")
    if result.curve:
        st.plotly_chart(fe.learning_curve(result.curve, labels(result.results), baseline=result.curve_baseline,
                                          lang=lang()), key="cmp_learning_curve")
    neighbours_section(result)
    map_section(result)


# ------------------------------------------------------------------------------------------ page

ensure_app_navigation()
state.job_manager()
st.title(t("compare.title"))
st.markdown(t("compare.intro"))
spec = settings()
start_button(t("compare.start"), key="cmp_start", icon=":material/compare_arrows:", start=lambda: start(spec),
             disabled=spec is None)
live_section()
result_or_hint(COMPARISON, st.session_state.get(RESULT), results_section, t("compare.hint"))
