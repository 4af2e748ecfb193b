"""Train: every knob, a Train button, live curves from the background trainer, results and history."""

from __future__ import annotations

import functools
import re

import streamlit as st

from lstm_core import figures
from lstm_core.config import EMBEDDING_INITS, MONITORS, POOLINGS, ExperimentConfig
from lstm_core.data import FULL
from lstm_core.i18n import catalogue, text
from lstm_core.jobs import FAILED, TRAINING
from lstm_core.runs import export_bundle
from ui import controls, state
from ui.boot import ensure_app_navigation
from ui.format import percent, plain, seconds, training_estimate
from ui.history import config_differences, curves_csv, history_table
from ui.i18n import error_text, lang, sentences, t
from ui.live import live_job
from ui.shared import chart

LIVE_GROUPS = 16  # the live chart moves in sixteenths of an epoch (figures.whole_groups)
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Simple RNN"}  # names, the same in every language
PENALTIES = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]


def labels(prefix: str):
    """A format_func naming each option by its text ``<prefix><option>`` in this session's language, fixed
    now: AppTest calls format_func again outside the script run, where no language can be asked for."""
    chosen = lang()
    return lambda option: text(chosen, f"{prefix}{option}")


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "run"


# ------------------------------------------------------------------------------------------ settings


def use_preset(preset: ExperimentConfig) -> None:
    state.set_config(preset.replace(data=state.config().data))


def start_training() -> None:
    try:
        state.submit(state.config())
    except ValueError as e:  # JobRefused: this session already trains, or the queue is full; LimitExceeded
        st.session_state["train_refused"] = error_text(e)


def actions() -> None:
    """Train, and the presets beside it. Callbacks run before the page is drawn, so the Train
    button is already disabled in the run that started the training."""
    train, defaults, best, tutorial, _ = st.columns([1, 1, 1, 1, 2], vertical_alignment="center")
    train.button(t("train.actions.train"), type="primary", icon=":material/play_arrow:",
                 disabled=state.job_is_active(), key="train", on_click=start_training, width="stretch")
    defaults.button(t("train.actions.defaults"), on_click=use_preset, args=(ExperimentConfig(),), width="stretch",
                    help=t("train.actions.defaults_help"))
    best.button(t("train.actions.best"), on_click=use_preset, args=(ExperimentConfig.best(),), width="stretch",
                help=t("train.actions.best_help"))
    tutorial.button(t("train.actions.tutorial"), on_click=use_preset, args=(ExperimentConfig.tutorial(),),
                    width="stretch", help=t("train.actions.tutorial_help"))
    refused = st.session_state.pop("train_refused", None)
    if refused:
        st.warning(plain(refused))


def settings() -> None:
    seq, model, train = st.columns(3, gap="large")
    every_word = t("train.words.vocabulary_all")
    with seq:
        st.markdown(t("train.words.heading"))
        controls.steps(t("train.words.vocabulary"), "sequence.max_vocab", [1_000, 2_000, 5_000, 10_000, 20_000, 50_000],
                       fmt=lambda v: every_word if v >= 1_000_000 else f"{v:,}")
        controls.slider(t("train.words.max_len"), "sequence.max_len", 10, 1000, 10, help=t("train.words.max_len_help"))
        controls.select(t("train.words.keep"), "sequence.keep", ["end", "start"], labels("train.words.keep_"),
                        radio=True, horizontal=True)
        controls.steps(t("train.words.embedding_dim"), "model.embedding_dim", [8, 16, 32, 64, 128, 256, 300])
        controls.select(t("train.words.embedding_init"), "model.embedding_init", list(EMBEDDING_INITS),
                        labels("train.words.init_"))
        controls.toggle(t("train.words.trainable"), "model.embedding_trainable")
    with model:
        st.markdown(t("train.network.heading"))
        controls.select(t("train.network.cell"), "model.cell", list(CELL_NAMES), CELL_NAMES.get)
        controls.select(t("train.network.pooling"), "model.pooling", list(POOLINGS),
                        labels("train.network.pooling_"))
        controls.steps(t("train.network.units"), "model.units", [2, 4, 8, 16, 32, 64, 100, 128, 256])
        controls.steps(t("train.network.dense_units"), "model.dense_units", [4, 8, 16, 32, 64, 100, 128, 256])
        controls.slider(t("train.network.dropout"), "model.dropout", 0.0, 0.9, 0.05)
        controls.slider(t("train.network.rnn_dropout"), "model.rnn_dropout", 0.0, 0.9, 0.05)
        controls.steps(t("train.network.l1"), "model.l1", PENALTIES, fmt=lambda v: f"{v:g}")
        controls.steps(t("train.network.l2"), "model.l2", PENALTIES, fmt=lambda v: f"{v:g}")
    with train:
        st.markdown(t("train.training.heading"))
        controls.steps(t("train.training.learning_rate"), "train.learning_rate",
                       [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 6e-3, 1e-2, 3e-2, 1e-1], fmt=lambda v: f"{v:g}")
        controls.steps(t("train.training.batch_size"), "train.batch_size", [8, 16, 32, 64, 128, 256, 512])
        controls.slider(t("train.training.max_epochs"), "train.max_epochs", 1, 100, 1)
        controls.slider(t("train.training.patience"), "train.patience", 0, 10, 1)
        controls.select(t("train.training.monitor"), "train.monitor", list(MONITORS),
                        labels("train.training.monitor_"), radio=True, horizontal=True)
        controls.toggle(t("train.training.restore_best"), "train.restore_best")
        controls.slider(t("train.training.validation_split"), "train.validation_split", 0.05, 0.5, 0.05)
        controls.number(t("train.training.seed"), "train.seed", 0, 2**31 - 1)
    controls.show_config_error()


def data_line() -> None:
    cfg = state.config()
    source = {"bundled": "bundled", FULL: "full"}.get(cfg.data.source, "path")
    count = "all" if cfg.data.per_class is None else "some"
    negations = "kept" if cfg.preprocess.keep_negations else "dropped"
    st.caption(sentences(t(f"train.data.{source}_{count}", source=plain(cfg.data.source), n=cfg.data.per_class),
                         t(f"train.data.negations_{negations}"), t("train.data.change")))


# ------------------------------------------------------------------------------------------ live view


def progress_text(snap) -> str:
    if not snap.steps_done:
        return snap.phase
    return t("train.live.progress", epoch=snap.epoch + 1, epochs=snap.epochs, batch=snap.batch,
             batches=snap.batches_per_epoch, elapsed=seconds(snap.elapsed), left=seconds(snap.eta))


def show_progress(job, snap) -> None:
    st.progress(snap.fraction, text=progress_text(snap))
    st.caption(snap.phase)


def show_live_chart(job, snap) -> None:
    # Whole sixteenths of an epoch: a class watching one shared training polls the same curves, drawn once.
    batches = figures.whole_groups(snap.batches, max(1, (snap.batches_per_epoch or 0) // LIVE_GROUPS))
    chart(figures.training_curves, batches, snap.history, per_epoch_batches=snap.batches_per_epoch or None,
          epochs=snap.epochs, title=t("train.live.chart_title", name=snap.name), lang=lang(), key="live_chart")


def ended_text(snap) -> str:
    """How a job that left no model ended, as a sentence about it (its phase's own, else the phase)."""
    key = f"train.ended.{snap.phase_key.rsplit('.', 1)[-1]}"
    if not snap.phase_key.startswith("jobs.phase.") or key not in catalogue("en").texts:
        key = "train.ended.other"
    return t(key, name=plain(snap.name), phase=plain(snap.phase), **snap.phase_fields)


def show_done(job, snap) -> None:
    if job is not None and snap.status != FAILED and job.run is None:
        st.info(ended_text(snap))
    show_results(state.current_entry())


def show_results(entry: state.RunEntry | None) -> None:
    if entry is None:
        st.info(t("train.result.none"))
        return
    test, base, info = entry.metrics.test, entry.baseline_accuracy, entry.info
    ended = "stopped" if info.stopped_by_user else "early" if info.stopped_early else "all"
    st.markdown(f"#### {plain(entry.name)}")
    tested = info.test_size or (test.n if test else 0)
    st.caption(t(f"train.result.caption_{ended}", epochs=info.epochs_run, time=seconds(info.seconds),
                 best=percent(entry.best_val_accuracy), tested=tested))
    cols = st.columns(5)
    delta = None if base is None or not test else t("train.result.delta", points=100 * (test.accuracy - base))
    cols[0].metric(t("train.result.test_accuracy"), percent(test and test.accuracy), delta, delta_color="normal")
    cols[1].metric(t("train.result.precision"), percent(test and test.precision), help=t("train.result.precision_help"))
    cols[2].metric(t("train.result.recall"), percent(test and test.recall), help=t("train.result.recall_help"))
    cols[3].metric(t("train.result.f1"), percent(test and test.f1))
    cols[4].metric(t("train.result.baseline"), percent(base), help=t("train.result.baseline_help"))
    left, right = st.columns([2, 1])
    with left:  # a class that trained the same run shares its figures (ui.shared)
        chart(figures.training_curves, entry.batches, entry.history, per_epoch_batches=entry.batches_per_epoch,
              baseline_accuracy=base, lang=lang(), key="result_chart")
    if test is not None:
        with right:
            chart(figures.confusion_matrix, test.confusion, lang=lang(), key="confusion")


def live_section() -> None:
    live_job(TRAINING, stop_key="stop", what="training", progress=show_progress, draw=show_live_chart, done=show_done,
             stop_help=t("train.live.stop_help"))


# ------------------------------------------------------------------------------------------ history


def history_section() -> None:
    st.subheader(t("train.history.heading"))
    entries = state.runs()
    if not entries:
        st.caption(t("train.history.empty"))
        return
    event = st.dataframe(history_table(entries, lang()), on_select="rerun", selection_mode="multi-row",
                         key="history", hide_index=True)
    chosen = [entries[i] for i in event.selection.rows]
    if not chosen:
        st.caption(t("train.history.select"))
        return
    if len(chosen) >= 2:
        st.plotly_chart(figures.run_overlay([(e.name, e.history) for e in chosen],
                                            baseline_accuracy=chosen[0].baseline_accuracy, lang=lang()), key="overlay")
        diff = config_differences(chosen, lang())
        if diff.empty:
            st.caption(t("train.history.same"))
        else:
            st.markdown(t("train.history.differ"))
            st.dataframe(diff)
    for i, entry in enumerate(chosen):
        cols = st.columns([3, 1, 1, 1], vertical_alignment="center")
        cols[0].markdown(t("train.history.row", name=plain(entry.name), accuracy=percent(entry.test_accuracy)))
        cols[1].download_button(t("train.history.csv"), curves_csv(entry), f"{slug(entry.name)}-curves.csv",
                                "text/csv", key=f"csv-{i}", on_click="ignore", icon=":material/table:")
        cols[2].download_button(t("train.history.bundle"), functools.partial(export_bundle, entry.path),
                                f"{slug(entry.name)}.zip", "application/zip", key=f"zip-{i}", on_click="ignore",
                                icon=":material/download:")
        current = state.current_entry()
        cols[3].button(t("train.history.make_current"), key=f"current-{i}", on_click=state.make_current, args=(entry,),
                       disabled=current is not None and current.path == entry.path)


def upload_section() -> None:
    st.subheader(t("train.upload.heading"))
    upload = st.file_uploader(t("train.upload.label"), type=["zip"], key="bundle")
    if upload is None:
        return
    ok, message, new = state.import_upload(upload.getvalue(), upload.file_id)
    if not ok:
        st.error(t("train.upload.refused", message=plain(message)))
    elif new:
        st.rerun()  # show the uploaded model as current everywhere
    else:
        st.success(plain(message))


# ------------------------------------------------------------------------------------------ page

ensure_app_navigation()
state.job_manager()  # starts TensorFlow warming up in the background, if the app has not yet
st.title(t("train.title"))
st.markdown(t("train.intro"))
data_line()
actions()
st.caption(training_estimate(state.config()))
live_section()
with st.expander(t("train.settings"), expanded=True):
    settings()
history_section()
upload_section()
