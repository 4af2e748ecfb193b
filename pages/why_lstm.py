"""Why LSTM: the tutorial's theory beside live evidence — a measured vanishing gradient, the weight
conflicts, the LSTM cell and its cell path on a review, and a memory task trained in the background."""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from lstm_core import figures_embeddings as fe
from lstm_core import figures_theory as ft
from lstm_core.figures_theory import times
from lstm_core.config import ExperimentConfig
from lstm_core.errors import LstmLabError
from lstm_core.gradients import PROFILE_LENGTH, memory_profiles, review_gradients
from lstm_core.memory_task import CELL_NAMES, SWEEP, MemoryTask, SweepSpec, make_memory_data
from lstm_core.settings_text import settings_list
from lstm_core.theory_race import PROBES, RACE, RaceTask
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import error_markdown, percent, plain, seconds
from ui.i18n import lang, sentences, t
from ui.live import live_job, refused, result_or_hint, start_button

ASSETS = Path(__file__).resolve().parent.parent / "assets"
RESULT, TRAINED, RACE_RESULT = "why_result", "why_trained_profiles", "why_race_result"
TEXT = "why_text"
GATES_TEXT = "gates_text"  # the Gates page's text box
DISTANCES = [5, 10, 20, 40, 80, 120]
TRAIN_SIZES = [500, 1000, 2000, 4000]
INITS = ("chrono", "default")  # why_lstm.init.<name>
SCALES = {1.0: "strong", 0.0: "tiny"}  # why_lstm.scale.<name>
RACE_COLUMNS = ("cell", "test accuracy", "probe accuracy", "best val accuracy", "epochs run", "seconds per epoch")
# The model reads English: the review stays English in every language.
SENTENCE = ("The first half hour is a delight: the two leads have real chemistry and the jokes land. Then a dull "
            "subplot takes over, the characters vanish and the dialogue turns into long speeches that go nowhere. "
            "The music becomes loud and repetitive and by the final act I had stopped caring. A promising start, "
            "wasted: I cannot recommend it.")
STYLE = """<style>
.why-seq { font-family: monospace; font-size: 15px; line-height: 1.9; word-wrap: break-word; }
.why-filler { color: #9CA3AF; }
.why-marker { color: #B45309; font-weight: 700; }
.why-value { background: #0072B2; color: white; border-radius: 3px; padding: 0 3px; font-weight: 700; }
.why-distractor { background: #FDE2D4; color: #9A3412; border-radius: 3px; padding: 0 2px; }
</style>"""


def ratio_text(profiles) -> str:
    """"SimpleRNN 4.5×10⁸× (d = 100: ∞×); LSTM 16.2× (d = 100: …)": distance 1 over 50 (and 100) per cell."""
    return t("theory.join.groups").join(t("why_lstm.ratio", cell=CELL_NAMES[p.cell], r50=times(p.ratio(50)),
                                          r100=times(p.ratio(100))) for p in profiles)


def cell_image() -> str:
    """The cell's drawing, its words in the reader's language when there is a drawing in it."""
    own = ASSETS / f"lstm_cell.{lang()}.svg"
    return str(own if own.is_file() else ASSETS / "lstm_cell.svg")


# ------------------------------------------------------------------------------------ the networks


def design() -> tuple[str, float | None]:
    left, right = st.columns(2)
    # The options' names made now: a format_func is called again outside this script run (AppTest).
    inits = {name: t(f"why_lstm.init.{name}") for name in INITS}
    scales = {s: t(f"why_lstm.scale.{name}") for s, name in SCALES.items()}
    init = left.radio(t("why_lstm.init.label"), list(INITS), format_func=inits.get, key="why_init",
                      help=t("why_lstm.init.help"))
    scale = right.radio(t("why_lstm.scale.label"), list(SCALES), format_func=scales.get, key="why_scale",
                        help=t("why_lstm.scale.help"))
    return init, scale or None


@st.cache_resource(show_spinner=False, max_entries=4)
def _untrained_profiles(init: str, scale: float | None) -> list:
    return memory_profiles(SweepSpec(init=init, embedding_scale=scale))


def untrained_profiles(init: str, scale: float | None) -> list:
    with st.spinner(t("why_lstm.spinner.fresh")):
        return _untrained_profiles(init, scale)


# ------------------------------------------------------------------------------------ sections


def vanishing_section(profiles: list) -> None:
    st.header(t("why_lstm.vanishing.header"))
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown(t("why_lstm.vanishing.squeeze"))
        st.latex(r"h_t = \tanh\!\left(W x_t + U h_{t-1} + b\right)")
        st.markdown(t("why_lstm.vanishing.travel"))
        st.latex(r"\frac{\partial h_T}{\partial h_t} = \prod_{s=t+1}^{T} \operatorname{diag}\!\left(1-h_s^2\right) U")
        st.markdown(t("why_lstm.vanishing.shrinks"))
    with right:
        st.plotly_chart(ft.gradient_profiles(profiles, title=t("why_lstm.vanishing.title"), lang=lang()),
                        key="why_gradients")
        st.caption(t("why_lstm.vanishing.caption", length=PROFILE_LENGTH, units=SweepSpec().units,
                     ratios=ratio_text(profiles)))


def conflicts_section(spec: SweepSpec) -> None:
    st.header(t("why_lstm.conflicts.header"))
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown(t("why_lstm.conflicts.input"))
        st.markdown(t("why_lstm.conflicts.output"))
        st.markdown(t("why_lstm.conflicts.gates"))
    with right:
        task = spec.task(min(40, spec.seq_length - 1))
        x, y = make_memory_data(task, 1, seed=7)
        st.html(STYLE + '<div class="why-seq">' + ft.memory_sequence_html(
            x[0], n_values=task.n_values, marker=task.marker, value_at=task.length - task.distance,
            lang=lang()) + "</div>")
        st.caption(t("why_lstm.conflicts.caption", length=task.length, before=task.distance + 1,
                     value="AB"[int(y[0])], distractors=task.distractors))


@st.cache_resource(show_spinner=False, max_entries=16)
def _review_view(key: str, text: str, _run: Any) -> Any:
    return review_gradients(_run, text)


def review_view(key: str, text: str, run: Any) -> Any:
    with st.spinner(t("why_lstm.spinner.review")):
        return _review_view(key, text, run)


def lstm_section() -> None:
    st.header(t("why_lstm.cell.header"))
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.image(cell_image(), caption=t("why_lstm.cell.image"), width="stretch")
        st.latex(r"""\begin{aligned}
f_t &= \sigma\left(W_f x_t + U_f h_{t-1} + b_f\right)\\
i_t &= \sigma\left(W_i x_t + U_i h_{t-1} + b_i\right)\\
g_t &= \tanh\left(W_c x_t + U_c h_{t-1} + b_c\right)\\
c_t &= f_t \odot c_{t-1} + i_t \odot g_t\\
o_t &= \sigma\left(W_o x_t + U_o h_{t-1} + b_o\right)\\
h_t &= o_t \odot \tanh(c_t)
\end{aligned}""")
    with right:
        st.markdown(t("why_lstm.cell.carousel"))
        st.latex(r"\frac{\partial c_T}{\partial c_t}\Big|_{\text{" + t("why_lstm.cell.path") + r"}} = \prod_{s=t+1}^{T} f_s")
        st.markdown(t("why_lstm.cell.gates"))
        review_part()


def review_part() -> None:
    try:
        run = state.current_run()
    except LstmLabError as e:  # RunError: the saved run went away or does not load
        st.info(t("why_lstm.review.unreadable", problem=error_markdown(e)), icon=":material/info:")
        return
    if run is None:
        st.info(t("why_lstm.review.no_model"), icon=":material/info:")
        return
    st.session_state.setdefault(TEXT, SENTENCE)
    text = st.text_area(t("why_lstm.review.label"), key=TEXT, height=110, max_chars=5000)
    entry = state.current_entry()
    try:
        found = review_view(f"{entry.path if entry is not None else run.name}", text, run)
    except LstmLabError as e:  # empty, every word dropped, not text
        st.warning(error_markdown(e), icon=":material/warning:")
        return
    if found.paths:
        trained, fresh = found.paths
        paths = [(t(f"why_lstm.review.{name}"), path.mean(), path.quantile(0.9))
                 for name, path in (("trained", trained), ("untrained", fresh))]
        gate = "forget" if trained.gate == "f" else "update"
        st.plotly_chart(ft.cell_paths(paths, tokens=found.tokens, title=t(f"why_lstm.review.title_{gate}"),
                                      lang=lang()), key="why_cell_path")
        far = min(len(found.tokens), 20)
        st.caption(t("why_lstm.review.caption", name=plain(run.name), words=len(found.tokens), far=far,
                     kept=trained.at(far), best=trained.quantile(0.9)[far - 1], fresh=fresh.at(far),
                     ratio=times(found.profiles[0].ratio(far)), fresh_ratio=times(found.profiles[1].ratio(far))))
    else:
        st.caption(t("why_lstm.review.simple_rnn"))
    if st.button(t("why_lstm.review.to_gates"), icon=":material/tune:", key="why_to_gates"):
        st.session_state[GATES_TEXT] = text
        st.switch_page("pages/gates.py")


# ------------------------------------------------------------------------------------ the memory task


def sweep_settings(init: str, scale: float | None) -> SweepSpec | None:
    default = SweepSpec()
    left, mid, right = st.columns(3)
    cells = left.multiselect(t("why_lstm.sweep.cells"), list(CELL_NAMES), default=list(default.cells),
                             format_func=CELL_NAMES.get, key="why_cells")
    distances = mid.multiselect(t("why_lstm.sweep.distances"), DISTANCES, default=list(default.distances),
                                key="why_distances")
    epochs = right.slider(t("why_lstm.sweep.epochs"), 1, 15, default.epochs, key="why_epochs")
    n_train = right.select_slider(t("why_lstm.sweep.sequences"), TRAIN_SIZES, value=default.n_train, key="why_train",
                                  format_func=lambda n: f"{n:,}")
    if not cells or not distances:
        st.warning(t("why_lstm.sweep.choose"), icon=":material/warning:")
        return None
    try:
        return SweepSpec(cells=tuple(cells), distances=tuple(distances), init=init, embedding_scale=scale,
                         epochs=epochs, n_train=n_train)
    except ValueError as e:  # not reachable from these widgets; said rather than raised if it ever is
        st.warning(t("why_lstm.sweep.invalid", problem=plain(str(e))), icon=":material/warning:")
        return None


def submit(kind: str, name: str, task: Any, cfg: ExperimentConfig, trainings: int, *stale: str) -> None:
    """Queue ``task`` in this session's one job slot; forget the ``stale`` results."""
    try:
        state.submit_task(kind, name, cfg, task, trainings)
    except ValueError as e:  # JobRefused (this session has a job, the queue is full), LimitExceeded
        refused(e)
        return
    for key in stale:
        st.session_state.pop(key, None)


def start(spec: SweepSpec) -> None:
    cfg = ExperimentConfig().replace(train={"max_epochs": spec.epochs})
    # tiny networks: the reviews' estimate bounds them
    submit(SWEEP, t("why_lstm.sweep.job_name"), MemoryTask(spec), cfg, 1, RESULT, TRAINED)


def task_progress(training: Callable[[Any], str]) -> Callable[[Any, Any], None]:
    """A progress bar for a task's job: ``training(key)`` says which training runs; before and between
    trainings (preparing, stopping) the job's own phase."""
    def progress(job: Any, snap: Any) -> None:
        rec = job.runner.snapshot()  # snap: the job's, in the reader's language (ui.live)
        counts = dict(done=len(rec.records), total=len(rec.curves), elapsed=seconds(snap.elapsed))
        if rec.current is not None and not snap.stop_requested:
            line = training(rec.current, **counts)
        else:
            line = t("why_lstm.progress.phase", phase=snap.phase, **counts)
        st.progress(rec.fraction, text=line)
    return progress


def sweep_training(key: Any, **counts: Any) -> str:
    return t("why_lstm.progress.sweep", cell=CELL_NAMES[key[0]], k=key[1], **counts)


def race_training(cell: Any, **counts: Any) -> str:
    return t("why_lstm.progress.race", cell=CELL_NAMES[cell], **counts)


def drawn_curves(rec: Any) -> dict:
    """The trainings of a recorder snapshot that have begun, as the figure builders take them."""
    return {key: c.series() for key, c in rec.started().items()}


def draw_sweep(task: Any, rec: Any) -> None:
    spec = task.spec
    st.plotly_chart(ft.memory_curves(drawn_curves(rec), spec.distances, epochs=spec.epochs,
                                     title=t("why_lstm.sweep.live_title"), lang=lang()), key="why_live")
    if rec.records:
        st.plotly_chart(ft.memory_accuracy(list(rec.records), distances=spec.distances, chance=1 / spec.n_values,
                                           title=t("why_lstm.sweep.live_accuracy"), lang=lang()),
                        key="why_live_accuracy")


def keep_sweep(job: Any, snap: Any) -> None:
    if job is not None and job.run is not None:
        st.session_state[RESULT] = (job.run, drawn_curves(job.runner.snapshot()), snap.elapsed)


def live_section() -> None:
    live_job(SWEEP, stop_key="why_job_stop", what="sweep", progress=task_progress(sweep_training),
             draw=lambda job, snap: draw_sweep(job.runner, job.runner.snapshot()), done=keep_sweep,
             stop_help=t("why_lstm.sweep.stop_help"))


def accuracy_caption(result: Any) -> str:
    spec = result.spec
    groups = []
    for cell, recs in result.by_cell().items():
        accs = t("theory.join.items").join(t("why_lstm.results.at_k", accuracy=percent(r.accuracy), k=r.distance)
                                           for r in recs)
        broke = result.breaks_at(cell)
        groups.append(t("why_lstm.results.cell_breaks", cell=CELL_NAMES[cell], accuracies=accs, k=broke) if broke
                      else t("why_lstm.results.cell", cell=CELL_NAMES[cell], accuracies=accs))
    return t("why_lstm.results.caption", n=spec.n_test, chance=percent(1 / spec.n_values),
             cells=t("theory.join.groups").join(groups), design=spec.describe(lang()))


def results_section(result: Any, curves: dict, elapsed: float) -> None:
    spec = result.spec
    st.subheader(t("why_lstm.results.header"))
    st.plotly_chart(ft.memory_accuracy(result.records, distances=spec.distances, chance=1 / spec.n_values,
                                       title=t("why_lstm.results.accuracy_title"), lang=lang()), key="why_accuracy")
    st.caption(sentences(accuracy_caption(result), t("why_lstm.results.took", elapsed=seconds(elapsed)),
                         t("why_lstm.results.stopped") if result.stopped else ""))
    st.plotly_chart(ft.memory_curves(curves, spec.distances, epochs=spec.epochs,
                                     title=t("why_lstm.results.curves_title"), lang=lang()), key="why_curves")
    k = max(r.distance for r in result.records)
    cached = st.session_state.get(TRAINED)
    if cached is None or cached[0] is not result:
        with st.spinner(t("why_lstm.spinner.trained")):
            cached = (result, memory_profiles(spec, result.models, distance=k))
        st.session_state[TRAINED] = cached
    profiles = cached[1]
    st.plotly_chart(ft.gradient_profiles(profiles, title=t("why_lstm.results.gradients_title", k=k), lang=lang()),
                    key="why_trained_gradients")
    trained = [p for p in profiles if p.trained]
    st.caption(t("why_lstm.results.gradients_caption", length=PROFILE_LENGTH, ratios=ratio_text(trained)))


def memory_section(init: str, scale: float | None) -> None:
    st.header(t("why_lstm.sweep.header"))
    st.markdown(t("why_lstm.sweep.intro"))
    spec = sweep_settings(init, scale)
    start_button(t("why_lstm.sweep.start"), key="why_start", icon=":material/play_arrow:", start=lambda: start(spec),
                 disabled=spec is None)
    live_section()
    result_or_hint(SWEEP, st.session_state.get(RESULT), lambda found: results_section(*found),
                   t("why_lstm.sweep.hint"))


# ------------------------------------------------------------------------------------ the race


def start_race(cfg: ExperimentConfig) -> None:
    submit(RACE, t("why_lstm.race.job_name"), RaceTask(cfg), cfg, len(CELL_NAMES), RACE_RESULT)


def race_series(curves: dict) -> list[dict]:
    return [{**c, "label": CELL_NAMES[cell]} for cell, c in curves.items()]


def draw_race(task: Any, rec: Any) -> None:
    st.plotly_chart(fe.compare_curves(race_series(drawn_curves(rec)), epochs=task.config.train.max_epochs,
                                      title=t("why_lstm.race.live_title"), lang=lang()), key="why_race_live")


def keep_race(job: Any, snap: Any) -> None:
    if job is not None and job.run is not None:
        st.session_state[RACE_RESULT] = (job.run, drawn_curves(job.runner.snapshot()))


def race_live() -> None:
    live_job(RACE, stop_key="why_race_job_stop", what="race", progress=task_progress(race_training),
             draw=lambda job, snap: draw_race(job.runner, job.runner.snapshot()), done=keep_race,
             stop_help=t("why_lstm.race.stop_help"))


def race_table(rows: list[dict]) -> None:
    """The race's rows with their columns named in the reader's language."""
    names = {c: t(f"why_lstm.race.column.{c.replace(' ', '_')}") for c in RACE_COLUMNS}
    shares = [names[c] for c in ("test accuracy", "probe accuracy", "best val accuracy")]
    frame = pd.DataFrame(rows).rename(columns=names)
    st.dataframe(frame.style.format({c: "{:.1%}" for c in shares} | {names["seconds per epoch"]: "{:.1f}"}),
                 hide_index=True, key="why_race_table")


def race_results(result, curves: dict) -> None:
    rows = result.table()
    race_table(rows)
    st.plotly_chart(fe.compare_curves(race_series(curves), epochs=result.config.train.max_epochs,
                                      title=t("why_lstm.race.title"), lang=lang()), key="why_race_curves")
    cells = t("theory.join.groups").join(
        t("why_lstm.race.cell", cell=r["cell"], accuracy=percent(r["test accuracy"]), seconds=r["seconds per epoch"],
          probes=percent(r["probe accuracy"]), n=len(PROBES)) for r in rows)
    st.caption(sentences(t("why_lstm.race.caption", cells=cells),
                         t("why_lstm.race.stopped") if result.stopped else ""))


def race_section() -> None:
    st.header(t("why_lstm.race.header"))
    cfg = state.config()
    st.markdown(t("why_lstm.race.intro"))
    st.caption(t("why_lstm.race.settings", settings=settings_list(cfg, lang=lang())))
    if st.button(t("why_lstm.race.start"), icon=":material/sprint:", key="why_race_start",
                 disabled=state.job_is_active()):
        start_race(cfg)
        if state.job_is_active(RACE):
            st.rerun()
    race_live()
    found = st.session_state.get(RACE_RESULT)
    if found is not None and not state.job_is_active(RACE):
        race_results(*found)


# ------------------------------------------------------------------------------------ page

ensure_app_navigation()
state.job_manager()
st.title(t("why_lstm.title"))
st.markdown(t("why_lstm.intro"))
init, scale = design()
profiles = untrained_profiles(init, scale)
vanishing_section(profiles)
conflicts_section(SweepSpec(init=init, embedding_scale=scale))
lstm_section()
memory_section(init, scale)
race_section()
