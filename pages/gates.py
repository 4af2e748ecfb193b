"""Gates: type a review and watch the current model's gates, states and prediction at every word."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lstm_core import figures_gates as fg
from lstm_core.errors import LstmLabError
from lstm_core.explain import NothingToExplain, explain
from lstm_core.gate_analysis import SIGMOID_GATES, UNIT_ORDERS, compare_saturation, unit_order, unit_terms
from lstm_core.limits import LIMITS
from lstm_core.model import untrained_copy
from ui import state
from ui.boot import ensure_app_navigation
from ui.sentence import plain, sentence_html

EXAMPLES = {
    "Plain positive": ("A wonderful film with a brilliant cast. I loved every minute of it and would happily "
                       "watch it again.",
                       "Every word pushes the same way: P(positive) should climb and stay up."),
    "Plain negative": ("An awful, boring film. The plot was dull, the acting was terrible and the whole thing "
                       "was a waste of time.",
                       "The mirror image: watch P(positive) sink word by word."),
    "Negation": ("This film is not good at all.",
                 "'not' survives cleaning (keep-negations): does the model flip 'good' after it?"),
    "Contrast": ("The acting was wonderful but the plot was a mess.",
                 "A turn in the middle: which word flips the prediction, and which gates move there?"),
    "Long review": (
        "I went in expecting a light comedy and for the first half hour that is exactly what I got. The two "
        "leads have real chemistry, the jokes land, and the small-town setting is shot with obvious love. "
        "Then the film changes its mind. A dull subplot about a stolen painting takes over, the supporting "
        "characters vanish, and the dialogue turns into long speeches that go nowhere. The music, so "
        "charming at the start, becomes loud and repetitive. By the final act I had stopped caring about "
        "anyone on screen. The ending tries to win us back with a sentimental reunion, but it feels cheap "
        "and unearned. A promising start wasted: I cannot recommend it, even for a lazy Sunday afternoon.",
        "A long review whose verdict comes late: the forget gates decide what the opening's praise is "
        "still worth at the end."),
}
ORDER_NAMES = {"index": "unit number", "variance": "variance of h over the text",
               "correlation": "|correlation| of h with P(positive)"}
TEXT, UNIT, STEP, ORDER = "gates_text", "gates_unit", "gates_step", "gates_order"


@st.cache_resource(show_spinner="Building the untrained network to compare with…", max_entries=4)
def untrained(key: str, _run: Any) -> Any:
    """The current run's network before training (one per run, shared by sessions)."""
    return untrained_copy(_run.model, _run.config, _run.vocab.size)


def use_example(name: str) -> None:
    st.session_state[TEXT] = EXAMPLES[name][0]


def percent(p: float) -> str:
    return f"{p:.1%}"


ensure_app_navigation()
st.title("Gates")
st.caption("Type a review and see what the current model's gates do at every word: what it keeps in its "
           "cell state, what it forgets, and how its prediction moves.")

run_problem = None
try:
    run = state.current_run()
except LstmLabError as e:  # RunError: the saved run went away or does not load
    run, run_problem = None, str(e)
entry = state.current_entry()
if run is None:
    st.info("There is no model to inspect yet: train one on the Train page (or upload a run bundle there)."
            + (f" The default model could not be loaded: {plain(run_problem)}" if run_problem else ""),
            icon=":material/info:")
    st.stop()

st.session_state.setdefault(TEXT, EXAMPLES["Contrast"][0])
st.markdown("**Try an example**")
for col, name in zip(st.columns(len(EXAMPLES)), EXAMPLES):
    col.button(name, on_click=use_example, args=(name,), help=EXAMPLES[name][1], width="stretch")
text = st.text_area("Review", key=TEXT, height=110, max_chars=LIMITS.text_chars,
                    help="Press Ctrl+Enter (or click outside the box) to update.")

try:
    ex = explain(run, text)
except NothingToExplain as e:
    if e.words:
        st.html(sentence_html(e.words))
    st.warning(plain(str(e)), icon=":material/warning:")
    st.stop()
except LstmLabError as e:  # too long, not text: the message says what to do
    st.error(plain(str(e)), icon=":material/error:")
    st.stop()

# ---------------------------------------------------------------------------------- what it read
st.markdown("#### As the model reads it")
st.html(sentence_html(ex.words))
for notice in ex.notices:
    st.info(plain(notice), icon=":material/info:")

labels = ex.labels()
verdict = "positive" if ex.prediction >= 0.5 else "negative"
flip = f" It last crossed 0.5 at **{plain(labels[ex.flips[-1]])}**." if ex.flips else ""
st.markdown(f"After the last word the current model, **{plain(run.name)}**, says **{verdict}**: "
            f"P(positive) = **{percent(ex.prediction)}** "
            f"({len(ex.tokens)} tokens, {ex.cell.upper()} with {ex.units} units, head reads "
            f"{'the last state h_T' if ex.pooling == 'last' else 'the mean of h_t'}).{flip}")
st.plotly_chart(fg.p_ribbon(labels, ex.p_positive, flips=ex.flips, title="P(positive) after each word"),
                key="gates_ribbon")

# ---------------------------------------------------------------------------------- heatmaps
arrays = ex.arrays()
left, right = st.columns([3, 2])
order_by = left.radio("Sort units by", UNIT_ORDERS, key=ORDER, horizontal=True, format_func=ORDER_NAMES.get)
shown = right.multiselect("Panels", list(arrays), default=list(arrays), format_func=fg.NAMES.get,
                          key="gates_panels")
order, scores = unit_order(ex, order_by)
units = [int(u) for u in order]
if st.session_state.get(UNIT) not in units:
    st.session_state[UNIT] = units[0]
if st.session_state.get(STEP) not in range(len(ex.tokens)) or st.session_state.get("gates_for") != text:
    st.session_state[STEP] = ex.flips[-1] if ex.flips else len(ex.tokens) - 1
st.session_state["gates_for"] = text

unit, step = st.session_state[UNIT], st.session_state[STEP]
if shown:
    st.plotly_chart(fg.gate_heatmaps(labels, {k: arrays[k] for k in shown}, order=order,
                                     unit_scores=None if order_by == "index" else scores,
                                     score_name="r =" if order_by == "correlation" else "variance",
                                     selected=(unit, step), title="Every unit at every word"),
                    key="gates_heatmaps")
st.caption("One colour scale for every panel: white is 0 (a closed gate), orange towards 1 (an open gate, or a "
           "positive state), purple towards -1. Cell states beyond ±1 take the end colour; hover for exact "
           "values. The outlined row is the unit selected below, the bold box its word; * marks unknown words.")
gates = {k: v for k, v in arrays.items() if k not in ("c", "h")}  # a SimpleRNN has none
if gates:
    st.plotly_chart(fg.gate_means(labels, gates, title="Mean of each gate over the units"), key="gates_means")

# ---------------------------------------------------------------------------------- one unit
st.markdown("#### One unit's story")
pick_unit, pick_word = st.columns([1, 2], gap="large")
score_of = (lambda u: "") if order_by == "index" else (
    lambda u: f" ({'r' if order_by == 'correlation' else 'var'} = {scores[u]:+.2f})")
unit = pick_unit.selectbox("Unit", units, key=UNIT, format_func=lambda u: f"unit {u}{score_of(u)}",
                           help="In the order chosen under 'Sort units by'.")
step = pick_word.select_slider("Word", options=list(range(len(ex.tokens))), key=STEP,
                               format_func=lambda t: f"{t}: {labels[t]}") if len(ex.tokens) > 1 else 0
st.plotly_chart(fg.unit_story(labels, arrays, unit, step=step, p_positive=ex.p_positive,
                              title=f"Unit {unit} across the text"), key="gates_story")
st.markdown(f"Unit {unit} reading word {step}, **{plain(labels[step])}**: $x_t$ is the word's embedding, "
            "$h_{t-1}$ and $c_{t-1}$ the states after the word before; $W x_t$, $U h_{t-1}$ and $b$ are "
            "this unit's input, recurrent and bias terms.")
st.latex(fg.equations_aligned(unit_terms(ex, unit, step)))

# ---------------------------------------------------------------------------------- saturation
if SIGMOID_GATES[ex.cell]:
    st.markdown("#### Saturation")
    fresh = untrained(str(entry.path) if entry is not None else run.name, run)
    sat = compare_saturation(run, text, fresh, ex)
    low, high = sat.low, sat.high
    st.plotly_chart(fg.saturation_bars(sat.trained, before=sat.before, low=low, high=high,
                                       title="How often each gate is nearly closed or nearly open"),
                    key="gates_saturation")
    st.caption(f"Share of all (word, unit) gate values below {low} and above {high} in this text, for this "
               "model and for the same network before training (fresh recurrent and dense weights, the same "
               "embedding). Karpathy, Johnson and Fei-Fei (2015) found that training pushes many forget gates "
               "to stay open (> 0.9): those units carry information across many words.")

st.download_button("Download the traces (CSV)", ex.to_csv, file_name="gate_traces.csv", mime="text/csv",
                   help="One row per (word, unit): token, P(positive) after it, every gate and state.",
                   icon=":material/download:")
