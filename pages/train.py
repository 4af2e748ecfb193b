"""Train: every knob, a Train button, live curves from the background trainer, results and history."""

from __future__ import annotations

import functools
import re

import streamlit as st

from lstm_core import figures
from lstm_core.config import MONITORS, ExperimentConfig
from lstm_core.data import FULL
from lstm_core.jobs import FAILED, TRAINING
from lstm_core.runs import export_bundle
from ui import controls, state
from ui.boot import ensure_app_navigation
from ui.format import percent, plain, seconds, training_estimate
from ui.history import config_differences, curves_csv, history_table
from ui.live import live_job

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Simple RNN"}
PENALTIES = [0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
POOLINGS = {"last": "its last hidden state", "mean": "the mean of its hidden states"}
INITS = {"random": "random numbers", "word2vec": "word2vec vectors (must match their size)"}


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "run"


# ------------------------------------------------------------------------------------------ settings


def use_preset(preset: ExperimentConfig) -> None:
    state.set_config(preset.replace(data=state.config().data))


def start_training() -> None:
    try:
        state.submit(state.config())
    except ValueError as e:  # JobRefused: this session already trains, or the queue is full
        st.session_state["train_refused"] = str(e)


def actions() -> None:
    """Train, and the presets beside it. Callbacks run before the page is drawn, so the Train
    button is already disabled in the run that started the training."""
    train, defaults, best, tutorial, _ = st.columns([1, 1, 1, 1, 2], vertical_alignment="center")
    train.button("Train", type="primary", icon=":material/play_arrow:", disabled=state.job_is_active(),
                 key="train", on_click=start_training, width="stretch")
    defaults.button("Classroom defaults", on_click=use_preset, args=(ExperimentConfig(),), width="stretch",
                    help="Under a minute on 2 CPU cores")
    best.button("Best found", on_click=use_preset, args=(ExperimentConfig.best(),), width="stretch",
                help="128 units and dropout on the words entering the cell: 87% test accuracy on the "
                     "bundled split, the TF-IDF baseline's level (about a minute)")
    tutorial.button("Tutorial's settings", on_click=use_preset, args=(ExperimentConfig.tutorial(),),
                    width="stretch", help="The original notebook: 300-d embedding, 100 units, pad to 891 "
                                          "tokens, L1/L2 0.01, patience 3 on val_loss (several minutes)")
    refused = st.session_state.pop("train_refused", None)
    if refused:
        st.warning(plain(refused))


def settings() -> None:
    seq, model, train = st.columns(3, gap="large")
    with seq:
        st.markdown("**Words**")
        controls.steps("Vocabulary size", "sequence.max_vocab", [1_000, 2_000, 5_000, 10_000, 20_000, 50_000],
                       fmt=lambda v: "all" if v >= 1_000_000 else f"{v:,}")
        controls.slider("Max length (tokens)", "sequence.max_len", 10, 1000, 10,
                        help="Longer reviews are cut, shorter ones padded with zeros.")
        controls.select("Keep which end of a long review", "sequence.keep", ["end", "start"], radio=True,
                        horizontal=True)
        controls.steps("Embedding size", "model.embedding_dim", [8, 16, 32, 64, 128, 256, 300])
        controls.select("Embedding starts from", "model.embedding_init", list(INITS), INITS.get)
        controls.toggle("Train the embedding", "model.embedding_trainable")
    with model:
        st.markdown("**Network**")
        controls.select("Recurrent cell", "model.cell", list(CELL_NAMES), CELL_NAMES.get)
        controls.select("The classifier reads", "model.pooling", list(POOLINGS), POOLINGS.get)
        controls.steps("Units", "model.units", [2, 4, 8, 16, 32, 64, 100, 128, 256])
        controls.steps("Dense units", "model.dense_units", [4, 8, 16, 32, 64, 100, 128, 256])
        controls.slider("Dropout before the output", "model.dropout", 0.0, 0.9, 0.05)
        controls.slider("Dropout on the words entering the cell", "model.rnn_dropout", 0.0, 0.9, 0.05)
        controls.steps("L1 on the dense layer", "model.l1", PENALTIES, fmt=lambda v: f"{v:g}")
        controls.steps("L2 on the dense layer", "model.l2", PENALTIES, fmt=lambda v: f"{v:g}")
    with train:
        st.markdown("**Training**")
        controls.steps("Learning rate", "train.learning_rate", [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2, 1e-1],
                       fmt=lambda v: f"{v:g}")
        controls.steps("Batch size", "train.batch_size", [8, 16, 32, 64, 128, 256, 512])
        controls.slider("Max epochs", "train.max_epochs", 1, 100, 1)
        controls.slider("Early-stopping patience (epochs)", "train.patience", 0, 10, 1)
        controls.select("Early stopping watches", "train.monitor", list(MONITORS), radio=True, horizontal=True)
        controls.toggle("Restore the best epoch's weights", "train.restore_best")
        controls.slider("Validation share of the training reviews", "train.validation_split", 0.05, 0.5, 0.05)
        controls.number("Seed", "train.seed", 0, 2**31 - 1)
    controls.show_config_error()


def data_line() -> None:
    cfg = state.config()
    per_class = "all reviews" if cfg.data.per_class is None else f"{cfg.data.per_class:,} reviews per class"
    source = {"bundled": "bundled sample", FULL: "the full IMDB dataset"}.get(cfg.data.source, plain(cfg.data.source))
    negations = "negations kept" if cfg.preprocess.keep_negations else "negations dropped"
    st.caption(f"Data: {source}, {per_class}, {negations}. Change the data and cleaning on the Data page.")


# ------------------------------------------------------------------------------------------ live view


def progress_text(snap) -> str:
    if not snap.steps_done:
        return snap.phase
    return (f"Epoch {snap.epoch + 1}/{snap.epochs} · batch {snap.batch}/{snap.batches_per_epoch} · "
            f"{seconds(snap.elapsed)} elapsed · about {seconds(snap.eta)} left if every epoch runs")


def show_progress(job, snap) -> None:
    st.progress(snap.fraction, text=progress_text(snap))
    st.caption(snap.phase)


def show_live_chart(job, snap) -> None:
    st.plotly_chart(figures.training_curves(snap.batches, snap.history,
                                            per_epoch_batches=snap.batches_per_epoch or None,
                                            epochs=snap.epochs, title=f"{snap.name}: live"),
                    key="live_chart")


def show_done(job, snap) -> None:
    if job is not None and snap.status != FAILED and job.run is None:
        st.info(f"'{plain(snap.name)}' was {snap.phase}.")
    show_results(state.current_entry())


def show_results(entry: state.RunEntry | None) -> None:
    if entry is None:
        st.info("No model yet. Choose settings below and press **Train**.")
        return
    test, base, info = entry.metrics.test, entry.baseline_accuracy, entry.info
    ended = "stopped by you" if info.stopped_by_user else "early stopping" if info.stopped_early else "all epochs"
    st.markdown(f"#### {plain(entry.name)}")
    tested = info.test_size or (test.n if test else 0)
    st.caption(f"{info.epochs_run} epochs ({ended}) in {seconds(info.seconds)}, best validation accuracy "
               f"{percent(entry.best_val_accuracy)}; tested on {tested:,} reviews it never saw.")
    cols = st.columns(5)
    delta = None if base is None or not test else f"{100 * (test.accuracy - base):+.1f} points vs baseline"
    cols[0].metric("Test accuracy", percent(test and test.accuracy), delta, delta_color="normal")
    cols[1].metric("Precision", percent(test and test.precision), help="Of the reviews called positive, "
                                                                        "the share that are")
    cols[2].metric("Recall", percent(test and test.recall), help="Of the positive reviews, the share found")
    cols[3].metric("F1", percent(test and test.f1))
    cols[4].metric("TF-IDF + LR baseline", percent(base), help="Bag of words and logistic regression on "
                                                                "the same split: the line to beat")
    left, right = st.columns([2, 1])
    left.plotly_chart(figures.training_curves(entry.batches, entry.history, per_epoch_batches=entry.batches_per_epoch,
                                              baseline_accuracy=base), key="result_chart")
    if test is not None:
        right.plotly_chart(figures.confusion_matrix(test.confusion), key="confusion")


def live_section() -> None:
    live_job(TRAINING, stop_key="stop", what="training", progress=show_progress, draw=show_live_chart, done=show_done,
             stop_help="Stops after the current batch and keeps the model trained so far")


# ------------------------------------------------------------------------------------------ history


def history_section() -> None:
    st.subheader("Run history")
    entries = state.runs()
    if not entries:
        st.caption("Every finished or stopped run of this session appears here.")
        return
    event = st.dataframe(history_table(entries), on_select="rerun", selection_mode="multi-row",
                         key="history", hide_index=True)
    chosen = [entries[i] for i in event.selection.rows]
    if not chosen:
        st.caption("Select runs in the table to compare their curves, download them or make one current.")
        return
    if len(chosen) >= 2:
        st.plotly_chart(figures.run_overlay([(e.name, e.history) for e in chosen],
                                            baseline_accuracy=chosen[0].baseline_accuracy), key="overlay")
        diff = config_differences(chosen)
        if diff.empty:
            st.caption("These runs have the same settings.")
        else:
            st.markdown("**Where their settings differ**")
            st.dataframe(diff)
    for i, entry in enumerate(chosen):
        cols = st.columns([3, 1, 1, 1], vertical_alignment="center")
        cols[0].markdown(f"**{plain(entry.name)}** · test accuracy {percent(entry.test_accuracy)}")
        cols[1].download_button("Curves (CSV)", curves_csv(entry), f"{slug(entry.name)}-curves.csv", "text/csv",
                                key=f"csv-{i}", on_click="ignore", icon=":material/table:")
        cols[2].download_button("Run bundle", functools.partial(export_bundle, entry.path),
                                f"{slug(entry.name)}.zip", "application/zip", key=f"zip-{i}", on_click="ignore",
                                icon=":material/download:")
        current = state.current_entry()
        cols[3].button("Make current", key=f"current-{i}", on_click=state.make_current, args=(entry,),
                       disabled=current is not None and current.path == entry.path)


def upload_section() -> None:
    st.subheader("Upload a run")
    upload = st.file_uploader("A run bundle (.zip) downloaded from LSTM Lab", type=["zip"], key="bundle")
    if upload is None:
        return
    ok, message, new = state.import_upload(upload.getvalue(), upload.file_id)
    if not ok:
        st.error(f"This file cannot be used: {plain(message)}. The current model is unchanged.")
    elif new:
        st.rerun()  # show the uploaded model as current everywhere
    else:
        st.success(plain(message))


# ------------------------------------------------------------------------------------------ page

ensure_app_navigation()
state.job_manager()  # starts TensorFlow warming up in the background, if the app has not yet
st.title("Train")
st.markdown("Press **Train** and watch the loss fall and the accuracy climb after every batch. Change the "
            "settings below first if you like. You can leave this page and come back; training goes on.")
data_line()
actions()
st.caption(training_estimate(state.config()))
live_section()
with st.expander("Settings for the next training", expanded=True):
    settings()
history_section()
upload_section()
