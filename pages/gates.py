"""Gates: type a review and watch the current model's gates, states and prediction at every word."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lstm_core import figures_gates as fg
from lstm_core.errors import LstmLabError
from lstm_core.explain import NothingToExplain, explain
from lstm_core.gate_analysis import SIGMOID_GATES, UNIT_ORDERS, compare_saturation, saturation_against, \
    saturation_by_epoch, timelapse, top_units, unit_order, unit_terms
from lstm_core.limits import LIMITS
from lstm_core.model import untrained_copy
from lstm_core.pipeline import prepare
from lstm_core.probes import BASELINE_NAME, CATEGORIES, Probe, ProbeReport, load_probes, score_baseline, score_run
from lstm_core.what_if import KINDS, WordEdit, compare_edit
from ui import state
from ui.boot import ensure_app_navigation
from ui.live_text import commit_while_typing
from ui.sentence import plain, sentence_html

# name: (text, its label, what to look for). Whether the current model gets each right is measured
# on the page (example_reports), so a button never claims what the model does not do.
EXAMPLES = {
    "Positive": ("A wonderful film with a brilliant cast. I loved every minute of it and would happily "
                       "watch it again.", 1,
                       "Every word pushes the same way: P(positive) should climb and stay up."),
    "Negative": ("An awful, boring film. The plot was dull, the acting was terrible and the whole thing "
                       "was a waste of time.", 0,
                       "The mirror image: watch P(positive) sink word by word."),
    "Negation": ("This film is not good at all.", 0,
                 "'not' survives cleaning (keep-negations): does the model flip 'good' after it?"),
    "Contrast": ("The acting was wonderful but the plot was a mess.", 0,
                 "A turn in the middle: which word flips the prediction, and which units move there?"),
    "Long review": (
        "I went in expecting a light comedy and for the first half hour that is exactly what I got. The two "
        "leads have real chemistry, the jokes land, and the small-town setting is shot with obvious love. "
        "Then the film changes its mind. A dull subplot about a stolen painting takes over, the supporting "
        "characters vanish, and the dialogue turns into long speeches that go nowhere. The music, so "
        "charming at the start, becomes loud and repetitive. By the final act I had stopped caring about "
        "anyone on screen. The ending tries to win us back with a sentimental reunion, but it feels cheap "
        "and unearned. A promising start wasted: I cannot recommend it, even for a lazy Sunday afternoon.", 0,
        "A long review whose verdict comes late: what is the opening's praise still worth at the end?"),
}
ORDER_NAMES = {"index": "unit number", "variance": "variance of h over the text",
               "correlation": "|correlation| of h with P(positive)"}
EDIT_NAMES = {"remove": "remove", "swap": "swap for", "insert": "insert before"}
TOP = 16  # units drawn by default: those most tied to the prediction
TEXT, UNIT, STEP, ORDER = "gates_text", "gates_unit", "gates_step", "gates_order"
ALL_UNITS, EDIT, EDIT_KIND, EDIT_STEP, EDIT_WORD = "gates_all", "gates_edit", "gates_edit_kind", "gates_edit_step", \
    "gates_edit_word"
PROBE_TABLE = "gates_probe_table"
EPOCH = "gates_epoch"


def run_key(entry: Any, run: Any) -> str:
    return str(entry.path) if entry is not None else run.name


@st.cache_resource(show_spinner="Building the untrained network to compare with…", max_entries=4)
def untrained(key: str, _run: Any) -> Any:
    """The current run's network before training (one per run, shared by sessions)."""
    return untrained_copy(_run.model, _run.config, _run.vocab.size)


@st.cache_resource(show_spinner=False)
def probe_set() -> tuple[Probe, ...]:
    return load_probes()


@st.cache_resource(show_spinner="Scoring the probes…", max_entries=8)
def probe_report(key: str, _run: Any) -> ProbeReport:
    return score_run(_run, probe_set())


@st.cache_resource(show_spinner=False, max_entries=8)
def example_report(key: str, _run: Any) -> ProbeReport:
    return score_run(_run, [Probe(text, label, "plain") for text, label, _ in EXAMPLES.values()])


@st.cache_resource(show_spinner="Fitting the bag of words (TF-IDF + logistic regression) on this model's training "
                                "reviews…", max_entries=4)
def baseline_report(key: str, _cfg: Any) -> ProbeReport:
    """The same-split bag of words on the probes (one per data and cleaning setting, shared by sessions)."""
    return score_baseline(prepare(_cfg), probe_set(), _cfg.train.seed)


@st.cache_resource(show_spinner=False, max_entries=16)
def lapse(key: str, text: str, _ex: Any, _snapshots: Any) -> list[Any]:
    """The text through every snapshot of the run's training (NumPy replays, read-only, shared)."""
    return timelapse(_ex, _snapshots)


def baseline_for(run: Any) -> ProbeReport:
    """For ``run``'s own training reviews, opened only where this server's path policy allows."""
    cfg = run.config
    if cfg.data.source != "bundled":
        cfg = cfg.replace(data={"source": str(state.path_policy().resolve(cfg.data.source))})
    key = json.dumps([asdict(cfg.data), asdict(cfg.preprocess), cfg.train.seed], sort_keys=True, default=str)
    return baseline_report(key, cfg)


def recorded_baseline(run: Any, probes: tuple[Probe, ...]) -> ProbeReport | None:
    """The bag of words' answers recorded with the run when they cover every probe, else None."""
    answers = run.metrics.baseline_probes or {}
    if not all(p.text in answers for p in probes):
        return None
    return ProbeReport(BASELINE_NAME, probes, np.array([answers[p.text] for p in probes]))


def use_example(name: str) -> None:
    st.session_state[TEXT] = EXAMPLES[name][0]


def open_probe() -> None:
    rows = st.session_state[PROBE_TABLE].selection.rows
    if rows:
        st.session_state[TEXT] = probe_set()[rows[0]].text


def percent(p: float) -> str:
    return f"{p:.1%}"


def example_help(hint: str, label: int, p: float) -> str:
    said = "positive" if p >= 0.5 else "negative"
    if (p >= 0.5) == (label == 1):
        return f"{hint} The current model gets it right: {said}, P(positive) = {p:.0%}."
    truth = "positive" if label else "negative"
    return (f"A question for the class: the current model gets this {truth} review wrong (it says {said}, "
            f"P(positive) = {p:.0%}). {hint}")


ensure_app_navigation()
st.title("Gates")

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

key = run_key(entry, run)
cell = run.config.model.cell
has_gates = bool(SIGMOID_GATES[cell])
info = run.info
st.caption((f"Type a review and see what the current model's gates do at every word: what it keeps in its "
            f"{'cell state' if cell == 'lstm' else 'state'}, what it forgets, and how its prediction moves."
            if has_gates else
            "Type a review and see the current model's hidden state at every word and how its prediction moves "
            "(a Simple RNN has no gates).")
           + f" The current model, **{plain(run.name)}**, learned from {plain(info.data or 'its data')}: "
             f"{info.train_size:,} training reviews (+{info.val_size:,} for validation), tested on "
             f"{info.test_size:,}."
           + (" It is the model shipped with LSTM Lab, trained on IMDB's full training split: more reviews than "
              "the Train page's default, the bundled 5,000 + 5,000 sample of the tutorial's size."
              if entry is not None and entry.source == "default" and run.config.data.source != "bundled" else ""))

st.session_state.setdefault(TEXT, EXAMPLES["Contrast"][0])
st.markdown("**Try an example**")
examples = example_report(key, run)
for col, (name, (_, label, hint)), p in zip(st.columns(len(EXAMPLES)), EXAMPLES.items(), examples.p_positive):
    col.button(name, on_click=use_example, args=(name,), help=example_help(hint, label, float(p)), width="stretch")
text = st.text_area("Review", key=TEXT, height=110, max_chars=LIMITS.text_chars,
                    help="The page follows as you type (half a second after you pause), or press Ctrl+Enter.")
commit_while_typing("Review")

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

# ---------------------------------------------------------------------------------- over training
final_ex, snaps, at_final = ex, run.snapshots, True
if snaps is not None and len(snaps) > 1:
    st.markdown("#### Over training")
    if st.session_state.get("gates_epoch_for") != key or st.session_state.get(EPOCH) not in range(len(snaps)):
        st.session_state[EPOCH] = snaps.final
    st.session_state["gates_epoch_for"] = key
    shown_at = st.select_slider("Epoch", options=list(range(len(snaps))), key=EPOCH, format_func=snaps.label,
                                help="The model's weights before training and after each epoch: everything below "
                                     "(but the what-if and the probes, which use the final model) is this text read "
                                     "with them.")
    replays = lapse(key, text, ex, snaps)
    at_final = shown_at == snaps.final
    ex = final_ex if at_final else replays[shown_at]
    opened = {g: shares[1] for g, shares in saturation_by_epoch(replays).items() if g == "f"}
    st.plotly_chart(fg.timelapse_lines([snaps.label(s, final_mark=False) for s in range(len(snaps))],
                                       [e.prediction for e in replays], opened, selected=shown_at, final=snaps.final,
                                       title="This text at every epoch of training"), key="gates_timelapse")
    last = int(snaps.epochs[-1])
    why = (f"early stopping restored the weights of {snaps.label(snaps.final, False)}, the best on validation "
           f"({run.config.train.monitor}); the later epochs were trained and are shown, but not kept"
           if snaps.final_epoch != last else "the last epoch trained")
    st.caption(f"The final model is **{snaps.label(snaps.final, False)}**: {why}. "
               + ("The embedding was trained too; its snapshots are kept in float16 (the final model is the run's own "
                  "weights). " if snaps.embedding_trained else "The embedding is frozen: the same words at every epoch. ")
               + (f"Only {len(snaps)} snapshots are kept, evenly spaced, to stay small. "
                  if len(snaps) < last + 1 else ""))
elif run.snapshot_problem:
    st.warning(plain(run.snapshot_problem), icon=":material/warning:")
else:
    st.caption("No time-lapse for this run: it was saved without weight snapshots (trained before LSTM Lab kept "
               "them), so only its final weights are shown. Train a model to watch its gates over the epochs.")

labels = ex.labels()
verdict = "positive" if ex.prediction >= 0.5 else "negative"
flip = f" It last crossed 0.5 at **{plain(labels[ex.flips[-1]])}**." if ex.flips else ""
who = (f"the current model, **{plain(run.name)}**," if at_final else
       f"the current model at **{snaps.label(st.session_state[EPOCH], False)}** of its training")
st.markdown(f"After the last word {who} says **{verdict}**: "
            f"P(positive) = **{percent(ex.prediction)}** "
            f"({len(ex.tokens)} tokens, {ex.cell.upper()} with {ex.units} units, head reads "
            f"{'the last state h_T' if ex.pooling == 'last' else 'the mean of h_t'}).{flip}")
st.plotly_chart(fg.p_ribbon(labels, ex.p_positive, flips=ex.flips, title="P(positive) after each word"),
                key="gates_ribbon")

# ---------------------------------------------------------------------------------- which units
arrays = ex.arrays()
left, right = st.columns([3, 2])
order_by = left.radio("Sort units by", UNIT_ORDERS, key=ORDER, index=UNIT_ORDERS.index("correlation"),
                      horizontal=True, format_func=ORDER_NAMES.get)
shown = right.multiselect("Panels", list(arrays), default=list(arrays), format_func=fg.NAMES.get,
                          key="gates_panels")
show_all = ex.units <= TOP or st.toggle(f"Show all {ex.units} units", key=ALL_UNITS,
                                        help=f"Off: the {TOP} units whose h follows P(positive) most closely.")
order, scores = unit_order(ex, order_by)
top = set(top_units(ex, TOP).tolist())
drawn = order if show_all else [u for u in order if u in top]
units = [int(u) for u in order]
if st.session_state.get(UNIT) not in units:
    st.session_state[UNIT] = int(drawn[0])
if st.session_state.get(STEP) not in range(len(ex.tokens)) or st.session_state.get("gates_for") != text:
    st.session_state[STEP] = ex.flips[-1] if ex.flips else len(ex.tokens) - 1
st.session_state["gates_for"] = text
score_name = "r =" if order_by == "correlation" else "variance"
scale = "gates" if has_gates else "states"

# ---------------------------------------------------------------------------------- what if
if st.toggle("What if one word were different?", key=EDIT,
             help="Remove, swap or insert one word and see both versions side by side."):
    kind_col, word_col, new_col = st.columns([2, 2, 2])
    kind = kind_col.radio("Edit", KINDS, key=EDIT_KIND, horizontal=True, format_func=EDIT_NAMES.get)
    steps = list(range(len(ex.tokens) + (kind == "insert")))
    if st.session_state.get(EDIT_STEP) not in steps:
        st.session_state[EDIT_STEP] = ex.tokens.index("not") if "not" in ex.tokens else (ex.flips or (0,))[-1]
    at_word = word_col.selectbox("Word", steps, key=EDIT_STEP,
                            format_func=lambda t: f"{t}: {labels[t]}" if t < len(labels) else "(after the last word)")
    new_word = "" if kind == "remove" else new_col.text_input(
        "New word", key=EDIT_WORD, max_chars=50, placeholder="e.g. yet, bad, truly")
    try:
        cmp = compare_edit(run, text, WordEdit(kind, at_word, new_word), final_ex) \
            if kind == "remove" or new_word.strip() else None
    except NothingToExplain as e:
        st.warning(plain(str(e)), icon=":material/warning:")
        cmp = None
    except LstmLabError as e:
        st.error(plain(str(e)), icon=":material/error:")
        cmp = None
    if cmp is None and kind != "remove" and not new_word.strip():
        st.caption(f"Type the word to {EDIT_NAMES[kind]} "
                   f"{plain(labels[at_word]) if at_word < len(labels) else 'the end'}.")
    elif cmp is not None and all(s == "both" for s in cmp.source):
        st.info("The edit changes nothing the model reads (cleaning drops that word, or it is the same token).",
                icon=":material/info:")
    elif cmp is not None:
        changed, change = cmp.changed_units()
        named = ", ".join(f"unit {u} ({change[u]:.2f})" for u in changed[:5])
        st.markdown(("The final model reads both versions. " if not at_final else "")
                    + f"As typed: P(positive) = **{percent(cmp.original.prediction)}**; edited: "
                    f"**{percent(cmp.edited.prediction)}** ({cmp.shift:+.1%}). Units whose state the head reads "
                    f"changed most: {named}.")
        st.plotly_chart(fg.p_overlaid(list(cmp.labels), cmp.p_original, cmp.p_edited,
                                      title="P(positive) after each word, both versions"), key="gates_edit_ribbon")
        diffs = cmp.differences()
        panels = [k for k in shown if k in diffs] or list(diffs)
        diff_order = list(changed[:TOP]) if not show_all else list(changed)
        st.plotly_chart(fg.gate_heatmaps(list(cmp.labels), {k: diffs[k] for k in panels}, order=diff_order,
                                         scale="difference", title="Edited minus as typed, at every word"),
                        key="gates_edit_heatmaps")
        st.caption("Words marked − are only in the text as typed, + only in the edited one: they have no "
                   "difference (blank). Before the edit both read the same and nothing differs; after it the "
                   "same words meet other states. Units are drawn by how much the edit moved the state the "
                   "head reads.")

# ---------------------------------------------------------------------------------- heatmaps
unit, step = st.session_state[UNIT], st.session_state[STEP]
if shown:
    st.plotly_chart(fg.gate_heatmaps(labels, {k: arrays[k] for k in shown}, order=drawn,
                                     unit_scores=None if order_by == "index" else scores, score_name=score_name,
                                     selected=(unit, step), scale=scale,
                                     title="Every unit at every word" if show_all else
                                     f"The {len(drawn)} units most tied to the prediction, at every word"),
                    key="gates_heatmaps")
if has_gates:
    st.caption("One colour scale for every panel: white is 0 (a closed gate), orange towards 1 (an open gate, or a "
               "positive state), purple towards -1. " + ("Cell states beyond ±1 take the end colour; " if cell == "lstm"
                                                         else "") +
               "hover for exact values. The outlined row is the unit selected below, the bold box its word; * marks "
               "unknown words.")
else:
    st.caption("One colour scale: white is 0, orange towards 1, purple towards -1; hover for exact values. The "
               "outlined row is the unit selected below, the bold box its word; * marks unknown words.")
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
states = "$h_{t-1}$ and $c_{t-1}$ the states" if ex.cell == "lstm" else "$h_{t-1}$ the state"
st.markdown(f"Unit {unit} reading word {step}, **{plain(labels[step])}**: $x_t$ is the word's embedding, "
            f"{states} after the word before; $W x_t$, $U h_{{t-1}}$ and $b$ are this unit's input, recurrent "
            "and bias terms.")
st.latex(fg.equations_aligned(unit_terms(ex, unit, step)))

# ---------------------------------------------------------------------------------- saturation
if has_gates:
    st.markdown("#### Saturation")
    sat = (saturation_against(ex, replays[0]) if snaps is not None and len(snaps) > 1
           else compare_saturation(run, text, untrained(key, run), ex))
    st.plotly_chart(fg.saturation_bars(sat.trained, before=sat.before, low=sat.low, high=sat.high,
                                       title="How often each gate is nearly closed or nearly open"),
                    key="gates_saturation")
    st.caption(f"Share of all (word, unit) gate values below {sat.low} and above {sat.high} in this text, for "
               + ("this model at the epoch chosen above and before training (its own weights at step 0). "
                  if snaps is not None and len(snaps) > 1 else
                  "this model and for the same network before training (fresh recurrent and dense weights, the same "
                  "embedding). ")
               + "Karpathy, Johnson and Fei-Fei (2015) found that training pushes many forget gates "
               "to stay open (> 0.9): those units carry information across many words.")

# ---------------------------------------------------------------------------------- probes
st.markdown("#### Where a bag of words fails")
probes = probe_set()
mine = probe_report(key, run)
reports = {"this model": mine}
recorded = recorded_baseline(run, probes)
if recorded is not None:  # answers kept with the run (the shipped model's 25,000 reviews are not refitted here)
    reports["bag of words"] = recorded
else:
    try:
        reports["bag of words"] = baseline_for(run)
    except LstmLabError as e:  # the run's training data is not here, or not allowed on this server
        st.info("The bag of words is fitted on this model's own training reviews, which this server cannot open: "
                f"{plain(str(e))}", icon=":material/info:")
st.plotly_chart(fg.probe_bars(CATEGORIES, {name: [(s.correct, s.total) for s in r.categories()]
                                           for name, r in reports.items()},
                              title="Short teaching reviews right, per kind"), key="gates_probes")
st.caption(f"{len(probes)} short reviews written for LSTM Lab (assets/probes.tsv). The bag of words (BoW) is TF-IDF "
           "over words and word pairs with logistic regression, fitted on the same training reviews: it sees "
           "which words occur, not their order. Click a row to read it above.")
table = {"kind": [p.category for p in probes], "review": [p.text for p in probes],
         "truth": ["positive" if p.label else "negative" for p in probes]}
columns = {"kind": st.column_config.TextColumn(width="small"), "review": st.column_config.TextColumn(width="large")}
for name, r in reports.items():
    short = "model" if name == "this model" else "BoW"
    table[f"{short} P"] = r.p_positive
    table[f"{short} ✓"] = ["✓" if ok else "✗" for ok in r.right]
    columns[f"{short} P"] = st.column_config.NumberColumn(format="%.2f", width="small", help=f"{name}: P(positive)")
    columns[f"{short} ✓"] = st.column_config.TextColumn(width="small", help=f"whether {name} is right")
st.dataframe(pd.DataFrame(table), key=PROBE_TABLE, on_select=open_probe, selection_mode="single-row",
             hide_index=True, height=280, column_config=columns)

st.download_button("Download the traces (CSV)", ex.to_csv, file_name="gate_traces.csv", mime="text/csv",
                   help="One row per (word, unit): token, P(positive) after it, every gate and state."
                   if has_gates else "One row per (word, unit): token, P(positive) after it, the hidden state.",
                   icon=":material/download:")
