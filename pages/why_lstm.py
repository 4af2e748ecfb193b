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
from lstm_core.theory_race import PROBES, RACE, RaceTask
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import percent, plain, seconds
from ui.live import live_job, refused, result_or_hint, start_button

ASSETS = Path(__file__).resolve().parent.parent / "assets"
RESULT, TRAINED, RACE_RESULT = "why_result", "why_trained_profiles", "why_race_result"
TEXT = "why_text"
GATES_TEXT = "gates_text"  # the Gates page's text box
DISTANCES = [5, 10, 20, 40, 80, 120]
TRAIN_SIZES = [500, 1000, 2000, 4000]
INITS = {"chrono": "chrono: forget gates open, each unit on its own time scale",
         "default": "Keras default: forget-gate bias 1"}
SCALES = {1.0: "N(0, 1): varied, strong inputs", 0.0: "Keras default: uniform ±0.05, tiny inputs"}
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


def ratio_text(profiles, name_of=lambda p: p.label) -> str:
    return "; ".join(f"{name_of(p)} {times(p.ratio(50))} (d = 100: {times(p.ratio(100))})" for p in profiles)


# ------------------------------------------------------------------------------------ the networks


def design() -> tuple[str, float | None]:
    left, right = st.columns(2)
    init = left.radio("Gate biases at the start", list(INITS), format_func=INITS.get, key="why_init",
                      help="Chrono initialisation (Tallec & Ollivier 2018) sets the forget-gate bias to "
                           "log(U(1, T−1)) and the input gate's to minus that; the GRU's update gate likewise. "
                           "A SimpleRNN has no gate.")
    scale = right.radio("Input vectors at the start", list(SCALES), format_func=SCALES.get, key="why_scale",
                        help="The embedding's initial scale. Small inputs keep a tanh nearly linear; real, "
                             "varied inputs push it towards ±1, where its slope is small.")
    return init, scale or None


@st.cache_resource(show_spinner="Measuring the gradients of fresh networks…", max_entries=4)
def untrained_profiles(init: str, scale: float | None) -> list:
    return memory_profiles(SweepSpec(init=init, embedding_scale=scale))


# ------------------------------------------------------------------------------------ sections


def vanishing_section(profiles: list) -> None:
    st.header("1 · A plain RNN loses its gradient")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown("A simple recurrent network squeezes everything it has read into one state vector and "
                    "rewrites all of it at every step:")
        st.latex(r"h_t = \tanh\!\left(W x_t + U h_{t-1} + b\right)")
        st.markdown("To learn from a word read long ago, the error at the end has to travel back through "
                    "every step in between, and each step multiplies it by the same matrix and by the slope "
                    "of tanh, which is at most 1 and near 0 when the state is saturated:")
        st.latex(r"\frac{\partial h_T}{\partial h_t} = \prod_{s=t+1}^{T} \operatorname{diag}\!\left(1-h_s^2\right) U")
        st.markdown("A product of many factors below one shrinks geometrically: the network barely feels "
                    "what it read 50 words ago, so it cannot learn to use it. That is the vanishing gradient.")
    with right:
        st.plotly_chart(ft.gradient_profiles(profiles, title="Measured: ‖∂h_T/∂x_t‖ of fresh networks"),
                        key="why_gradients")
        st.caption(f"Measured now with tf.GradientTape on 8 memory-task sequences of {PROFILE_LENGTH} tokens, "
                   f"{SweepSpec().units} units, the start chosen above. The gradient at distance 1 is this many "
                   f"times the one at distance 50: {ratio_text(profiles, lambda p: CELL_NAMES[p.cell])}.")


def conflicts_section(spec: SweepSpec) -> None:
    st.header("2 · Two weight conflicts")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown("**Input weight conflict.** One input weight serves every step. A token that matters only "
                    "later (the value after the marker below) needs a large weight so that it is stored; the "
                    "same token elsewhere (a distractor) needs a small one so that it does not overwrite what "
                    "was stored. A plain RNN has one weight for both cases.")
        st.markdown("**Output weight conflict.** The state is also what the network shows to the next step "
                    "and to the output. Stored information must be kept out of the way while it is not "
                    "needed, yet be readable when it is: again one weight cannot be both.")
        st.markdown("The LSTM gives each decision its own gate, computed from the current input and the "
                    "previous state: *write now or not* (input gate), *show now or not* (output gate).")
    with right:
        task = spec.task(min(40, spec.seq_length - 1))
        x, y = make_memory_data(task, 1, seed=7)
        st.html(STYLE + '<div class="why-seq">' + ft.memory_sequence_html(
            x[0], n_values=task.n_values, marker=task.marker, value_at=task.length - task.distance) + "</div>")
        st.caption(f"One sequence of the memory task (section 4): {task.length} tokens, filler (·), the marker "
                   f"(▶) {task.distance + 1} tokens before the end, the value to remember right after it (boxed, "
                   f"here {'AB'[int(y[0])]}) and {task.distractors:.0%} distractors — the same value tokens "
                   "elsewhere, which must not be stored.")


@st.cache_resource(show_spinner="Measuring the review's gradients…", max_entries=16)
def review_view(key: str, text: str, _run: Any) -> Any:
    return review_gradients(_run, text)


def lstm_section() -> None:
    st.header("3 · The LSTM cell")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.image(str(ASSETS / "lstm_cell.svg"), caption="One LSTM cell reading word x at step t", width="stretch")
        st.latex(r"""\begin{aligned}
f_t &= \sigma\left(W_f x_t + U_f h_{t-1} + b_f\right)\\
i_t &= \sigma\left(W_i x_t + U_i h_{t-1} + b_i\right)\\
g_t &= \tanh\left(W_c x_t + U_c h_{t-1} + b_c\right)\\
c_t &= f_t \odot c_{t-1} + i_t \odot g_t\\
o_t &= \sigma\left(W_o x_t + U_o h_{t-1} + b_o\right)\\
h_t &= o_t \odot \tanh(c_t)
\end{aligned}""")
    with right:
        st.markdown("**Cell state, the constant error carousel.** Beside h the LSTM keeps a second state c that "
                    "is never squashed or multiplied by a matrix on its way from step to step. Along it the "
                    "error flows back through one factor per step, the forget gate:")
        st.latex(r"\frac{\partial c_T}{\partial c_t}\Big|_{\text{cell path}} = \prod_{s=t+1}^{T} f_s")
        st.markdown("With f near 1 the error circulates almost unchanged: it stays inside the cell instead of "
                    "vanishing. **Forget gate** f: how much of the old c to keep (a reset when near 0). "
                    "**Input gate** i with the **candidate** g: what to write, and how much of it — the answer "
                    "to the input weight conflict. **Cell update**: keep f·c, add i·g. **Output gate** o: how "
                    "much of the cell to show as h — the answer to the output weight conflict.")
        review_part()


def review_part() -> None:
    try:
        run = state.current_run()
    except LstmLabError as e:  # RunError: the saved run went away or does not load
        st.info(f"No model to measure a review with: {plain(str(e))}", icon=":material/info:")
        return
    if run is None:
        st.info("Train a model on the Train page to see its cell path on a review.", icon=":material/info:")
        return
    st.session_state.setdefault(TEXT, SENTENCE)
    text = st.text_area("A review for the current model", key=TEXT, height=110, max_chars=5000)
    entry = state.current_entry()
    try:
        found = review_view(f"{entry.path if entry is not None else run.name}", text, run)
    except LstmLabError as e:  # empty, every word dropped, not text
        st.warning(plain(str(e)), icon=":material/warning:")
        return
    if found.paths:
        paths = [(f"{p.label.split(', ')[1]}", path.mean(), path.quantile(0.9))
                 for p, path in zip(found.profiles, found.paths)]
        gate = "forget" if found.paths[0].gate == "f" else "update"
        st.plotly_chart(ft.cell_paths(paths, tokens=found.tokens,
                                      title=f"Measured: product of the {gate} gates after each word"),
                        key="why_cell_path")
        far = min(len(found.tokens), 20)
        trained, fresh = found.paths
        st.caption(f"The current model, **{plain(run.name)}**, on these {len(found.tokens)} words: of what the word "
                   f"{far} from the end wrote into the cell, on average {trained.at(far):.3g} survives to the end "
                   f"along the cell path (its best-keeping tenth of units: {trained.quantile(0.9)[far - 1]:.3g}); "
                   f"in the same network before training {fresh.at(far):.3g}. "
                   f"‖∂h_T/∂x_t‖ is {times(found.profiles[0].ratio(far))} smaller at word {far} from the end "
                   f"than at the last word (untrained: {times(found.profiles[1].ratio(far))}).")
    else:
        st.caption("The current model is a SimpleRNN: it has no cell path to show.")
    if st.button("See this review's gates on the Gates page", icon=":material/tune:", key="why_to_gates"):
        st.session_state[GATES_TEXT] = text
        st.switch_page("pages/gates.py")


# ------------------------------------------------------------------------------------ the memory task


def sweep_settings(init: str, scale: float | None) -> SweepSpec | None:
    default = SweepSpec()
    left, mid, right = st.columns(3)
    cells = left.multiselect("Cells", list(CELL_NAMES), default=list(default.cells), format_func=CELL_NAMES.get,
                             key="why_cells")
    distances = mid.multiselect("Distances k", DISTANCES, default=list(default.distances), key="why_distances")
    epochs = right.slider("Epochs", 1, 15, default.epochs, key="why_epochs")
    n_train = right.select_slider("Training sequences", TRAIN_SIZES, value=default.n_train, key="why_train",
                                  format_func=lambda n: f"{n:,}")
    try:
        return SweepSpec(cells=tuple(cells), distances=tuple(distances), init=init, embedding_scale=scale,
                         epochs=epochs, n_train=n_train)
    except ValueError as e:
        st.warning(f"Choose at least one cell and one distance ({e}).", icon=":material/warning:")
        return None


def submit(kind: str, task: Any, cfg: ExperimentConfig, trainings: int, *stale: str) -> None:
    """Queue ``task`` in this session's one job slot; forget the ``stale`` results."""
    try:
        state.submit_task(kind, kind, cfg, task, trainings)
    except ValueError as e:  # JobRefused (this session has a job, the queue is full), LimitExceeded
        refused(e)
        return
    for key in stale:
        st.session_state.pop(key, None)


def start(spec: SweepSpec) -> None:
    cfg = ExperimentConfig().replace(train={"max_epochs": spec.epochs})
    submit(SWEEP, MemoryTask(spec), cfg, 1, RESULT, TRAINED)  # tiny networks: the reviews' estimate bounds them


def task_progress(label: Callable[[Any], str]) -> Callable[[Any, Any], None]:
    def progress(job: Any, snap: Any) -> None:
        rec = job.runner.snapshot()
        where = f"training {label(rec.current)}" if rec.current is not None else snap.phase
        st.progress(rec.fraction, text=f"{where} · {len(rec.records)} of {len(rec.curves)} "
                                          f"done · {seconds(snap.elapsed)} elapsed")
    return progress


def drawn_curves(rec: Any) -> dict:
    """The trainings of a recorder snapshot that have begun, as the figure builders take them."""
    return {key: c.series() for key, c in rec.started().items()}


def draw_sweep(task: Any, rec: Any) -> None:
    spec = task.spec
    st.plotly_chart(ft.memory_curves(drawn_curves(rec), spec.distances, epochs=spec.epochs,
                                     title="Live: accuracy while each cell trains"), key="why_live")
    if rec.records:
        st.plotly_chart(ft.memory_accuracy(list(rec.records), distances=spec.distances, chance=1 / spec.n_values,
                                           title="Accuracy vs distance so far"), key="why_live_accuracy")


def keep_sweep(job: Any, snap: Any) -> None:
    if job is not None and job.run is not None:
        st.session_state[RESULT] = (job.run, drawn_curves(job.runner.snapshot()), snap.elapsed)


def live_section() -> None:
    live_job(SWEEP, stop_key="why_job_stop", what="sweep",
             progress=task_progress(lambda key: f"{CELL_NAMES[key[0]]} at k = {key[1]}"),
             draw=lambda job, snap: draw_sweep(job.runner, job.runner.snapshot()), done=keep_sweep,
             stop_help="Keeps the trainings finished so far")


def accuracy_caption(result: Any) -> str:
    spec = result.spec
    parts = []
    for cell, recs in result.by_cell().items():
        accs = ", ".join(f"{percent(r.accuracy)} at k = {r.distance}" for r in recs)
        broke = result.breaks_at(cell)
        parts.append(f"{CELL_NAMES[cell]} {accs}" + (f" (below 90% from k = {broke})" if broke else ""))
    return f"Measured on {spec.n_test:,} fresh sequences each (chance {percent(1 / spec.n_values)}): " + \
        "; ".join(parts) + f". Design: {spec.describe()}."


def results_section(result: Any, curves: dict, elapsed: float) -> None:
    spec = result.spec
    st.subheader("Results")
    st.plotly_chart(ft.memory_accuracy(result.records, distances=spec.distances, chance=1 / spec.n_values,
                                       title="Memory task: test accuracy vs distance"), key="why_accuracy")
    st.caption(accuracy_caption(result) + f" The sweep took {seconds(elapsed)}."
               + (" It was stopped: only the finished trainings are shown." if result.stopped else ""))
    st.plotly_chart(ft.memory_curves(curves, spec.distances, epochs=spec.epochs, title="How each cell trained"),
                    key="why_curves")
    k = max(r.distance for r in result.records)
    cached = st.session_state.get(TRAINED)
    if cached is None or cached[0] is not result:
        with st.spinner("Measuring the trained networks' gradients…"):
            cached = (result, memory_profiles(spec, result.models, distance=k))
        st.session_state[TRAINED] = cached
    profiles = cached[1]
    title = f"Measured: ‖∂h_T/∂x_t‖ before and after training at k = {k}"
    st.plotly_chart(ft.gradient_profiles(profiles, title=title), key="why_trained_gradients")
    trained = [p for p in profiles if p.trained]
    st.caption("The same fresh networks (dotted) and the ones trained on this task (solid), on "
               f"{PROFILE_LENGTH}-token sequences. Distance 1 over distance 50 after training: "
               f"{ratio_text(trained, lambda p: CELL_NAMES[p.cell])}. A cell whose gradient from k steps back "
               "is lost in rounding cannot learn to use what it read there.")


def memory_section(init: str, scale: float | None) -> None:
    st.header("4 · A memory task: who remembers the value?")
    st.markdown("Each sequence hides one value (A or B) right after a marker, k tokens before the end, among "
                "filler and distractors (section 2). The label is the value. Every cell gets the same size "
                "(32 units), data, budget and seed; accuracy is measured on fresh sequences. Try the two "
                "starts above: the difference the tutorial describes depends on them.")
    spec = sweep_settings(init, scale)
    start_button("Train the sweep", key="why_start", icon=":material/play_arrow:", start=lambda: start(spec),
                 disabled=spec is None)
    live_section()
    result_or_hint(SWEEP, st.session_state.get(RESULT), lambda found: results_section(*found),
                   "Press **Train the sweep**: it trains every chosen cell at every chosen distance, one network "
                   "after the other, in the background.")


# ------------------------------------------------------------------------------------ the race


def start_race(cfg: ExperimentConfig) -> None:
    submit(RACE, RaceTask(cfg), cfg, len(CELL_NAMES), RACE_RESULT)


def race_series(curves: dict) -> list[dict]:
    return [{**c, "label": CELL_NAMES[cell]} for cell, c in curves.items()]


def draw_race(task: Any, rec: Any) -> None:
    st.plotly_chart(fe.compare_curves(race_series(drawn_curves(rec)), epochs=task.config.train.max_epochs,
                                      title="Live: validation per epoch, training per batch"), key="why_race_live")


def keep_race(job: Any, snap: Any) -> None:
    if job is not None and job.run is not None:
        st.session_state[RACE_RESULT] = (job.run, drawn_curves(job.runner.snapshot()))


def race_live() -> None:
    live_job(RACE, stop_key="why_race_job_stop", what="race", progress=task_progress(CELL_NAMES.get),
             draw=lambda job, snap: draw_race(job.runner, job.runner.snapshot()), done=keep_race,
             stop_help="Keeps the cells finished so far")


def race_results(result, curves: dict) -> None:
    rows = result.table()
    shares = ["test accuracy", "probe accuracy", "best val accuracy"]
    st.dataframe(pd.DataFrame(rows).style.format({c: "{:.1%}" for c in shares} | {"seconds per epoch": "{:.1f}"}),
                 hide_index=True, key="why_race_table")
    st.plotly_chart(fe.compare_curves(race_series(curves), epochs=result.config.train.max_epochs,
                                      title="The three cells on the same reviews"), key="why_race_curves")
    st.caption("Measured on the test reviews: " + "; ".join(
        f"{r['cell']} {percent(r['test accuracy'])} ({r['seconds per epoch']:.1f} s per epoch, "
        f"{percent(r['probe accuracy'])} of the {len(PROBES)} probe reviews)" for r in rows) + ". Probe reviews put "
        "their verdict first and neutral description after it."
        + (" The race was stopped: only the finished cells are shown." if result.stopped else ""))


def race_section() -> None:
    st.header("5 · The three cells on the movie reviews")
    cfg = state.config()
    m, t = cfg.model, cfg.train
    st.markdown("The same classifier with a SimpleRNN, an LSTM and a GRU inside: the same reviews, settings and "
                "seed, trained one after the other in the background.")
    st.caption(f"The Train page's settings: {m.units} units, {m.embedding_dim}-d embedding, head on the {m.pooling} "
               f"of h, {cfg.sequence.max_len} tokens, learning rate {t.learning_rate:g}, up to {t.max_epochs} "
               f"epochs, seed {t.seed}. Change them on the Train page.")
    if st.button("Race the three cells", icon=":material/sprint:", key="why_race_start", disabled=state.job_is_active()):
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
st.title("Why LSTM")
st.markdown("**What goes wrong in a plain recurrent network, and what the LSTM's cell and gates do about it** — "
            "each claim beside a measurement on real networks, computed as you watch.")
init, scale = design()
profiles = untrained_profiles(init, scale)
vanishing_section(profiles)
conflicts_section(SweepSpec(init=init, embedding_scale=scale))
lstm_section()
memory_section(init, scale)
race_section()
