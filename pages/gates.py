"""Gates: type a review and watch the current model's gates, states and prediction at every word."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lstm_core import figures_gates as fg
from lstm_core import i18n
from lstm_core.errors import LstmLabError
from lstm_core.explain import NothingToExplain
from lstm_core.gate_analysis import SIGMOID_GATES, UNIT_ORDERS, compare_saturation, saturation_against, \
    saturation_by_epoch, top_units, unit_order, unit_terms
from lstm_core.limits import LIMITS
from lstm_core.probes import BASELINE_NAME, CATEGORIES, Probe, ProbeReport, category_name
from lstm_core.what_if import KINDS, WordEdit, compare_edit
from ui import state
from ui.boot import ensure_app_navigation
from ui.format import error_markdown
from ui.i18n import error_text, lang, sentences, t
from ui.live_text import commit_while_typing
from ui.readings import EXAMPLES, FIRST_EXAMPLE, baseline_report, example_report, explained, lapse, probe_report, \
    probe_set, run_key, untrained
from ui.sentence import plain, sentence_html
from ui.shared import chart

HINT_WORDS = {"negation": {"negation": "not", "word": "good"}}  # the words of the review a hint names
EDIT_EXAMPLES = "yet, bad, truly"  # words to type, shown in the placeholder (the model reads English)
TOP = 16  # units drawn by default: those most tied to the prediction
TEXT, UNIT, STEP, ORDER = "gates_text", "gates_unit", "gates_step", "gates_order"
ALL_UNITS, EDIT, EDIT_KIND, EDIT_STEP, EDIT_WORD = "gates_all", "gates_edit", "gates_edit_kind", "gates_edit_step", \
    "gates_edit_word"
PROBE_TABLE = "gates_probe_table"
EPOCH = "gates_epoch"


def baseline_for(run: Any) -> ProbeReport:
    """For ``run``'s own training reviews, opened only where this server's path policy allows."""
    cfg = run.config
    if cfg.data.source != "bundled":
        cfg = cfg.replace(data={"source": str(state.path_policy().resolve(cfg.data.source))})
    key = json.dumps([asdict(cfg.data), asdict(cfg.preprocess), cfg.train.seed], sort_keys=True, default=str)
    with st.spinner(t("gates.spinner_baseline")):
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


def sentiment(positive: bool) -> str:
    return "positive" if positive else "negative"


def example_help(name: str, label: int, p: float) -> str:
    """What to look for in example ``name`` and whether the current model gets it right (a question if not)."""
    hint = t(f"gates.example.{name}.hint", **HINT_WORDS.get(name, {}))
    if (p >= 0.5) == (label == 1):
        return sentences(hint, t(f"gates.example.right_{sentiment(p >= 0.5)}", p=p))
    return sentences(t(f"gates.example.wrong_{sentiment(label == 1)}", p=p), hint)


def intro(cell: str, run: Any, entry: Any) -> str:
    """What the page shows, and which model: its data, its sizes, and where the shipped one comes from."""
    info = run.info
    sizes = dict(name=plain(run.name), train=info.train_size, val=info.val_size, test=info.test_size)
    data = t("gates.intro.data_bundled") if run.config.data.source == "bundled" else info.data
    shipped = entry is not None and entry.source == "default" and run.config.data.source != "bundled"
    return sentences(t(f"gates.intro.{cell}"),
                     t("gates.intro.learned", data=plain(data), **sizes) if data else
                     t("gates.intro.learned_unnamed", **sizes),
                     t("gates.intro.shipped") if shipped else "")


ensure_app_navigation()
st.title(t("gates.title"))
language = lang()  # the format_funcs below use it: they may be called after the script run

run_problem = None
try:
    run = state.current_run()
except LstmLabError as e:  # RunError: the saved run went away or does not load
    run, run_problem = None, error_text(e)
entry = state.current_entry()
if run is None:
    st.info(sentences(t("gates.no_model"), t("gates.no_default", problem=plain(run_problem)) if run_problem else ""),
            icon=":material/info:")
    st.stop()

key = run_key(entry, run)
cell = run.config.model.cell
has_gates = bool(SIGMOID_GATES[cell])
st.caption(intro(cell, run, entry))

st.session_state.setdefault(TEXT, EXAMPLES[FIRST_EXAMPLE][0])
st.markdown(f"**{t('gates.example.try')}**")
examples = example_report(key=key, _run=run)
for col, (name, (_, label)), p in zip(st.columns(len(EXAMPLES)), EXAMPLES.items(), examples.p_positive):
    col.button(t(f"gates.example.{name}.name"), key=f"gates_example_{name}", on_click=use_example, args=(name,),
               help=example_help(name, label, float(p)), width="stretch")
review_label = t("gates.review.label")
text = st.text_area(review_label, key=TEXT, height=110, max_chars=LIMITS.text_chars, help=t("gates.review.help"))
commit_while_typing(review_label)

try:
    ex = explained(key=key, text=text, language=language, _run=run)
except NothingToExplain as e:
    if e.words:
        st.html(sentence_html(e.words, lang=language))
    st.warning(error_markdown(e), icon=":material/warning:")
    st.stop()
except LstmLabError as e:  # too long, not text: the message says what to do
    st.error(error_markdown(e), icon=":material/error:")
    st.stop()

# ---------------------------------------------------------------------------------- what it read
st.markdown(f"#### {t('gates.review.heading')}")
st.html(sentence_html(ex.words, lang=language))
for notice in ex.notices:
    st.info(plain(notice), icon=":material/info:")

# ---------------------------------------------------------------------------------- over training
final_ex, snaps, at_final = ex, run.snapshots, True
if snaps is not None and len(snaps) > 1:
    st.markdown(f"#### {t('gates.training.heading')}")
    if st.session_state.get("gates_epoch_for") != key or st.session_state.get(EPOCH) not in range(len(snaps)):
        st.session_state[EPOCH] = snaps.final
    st.session_state["gates_epoch_for"] = key
    shown_at = st.select_slider(t("gates.training.epoch"), options=list(range(len(snaps))), key=EPOCH,
                                format_func=lambda s: snaps.label(s, lang=language), help=t("gates.training.epoch_help"))
    replays = lapse(key=key, text=text, _ex=ex, _snapshots=snaps)
    at_final = shown_at == snaps.final
    ex = final_ex if at_final else replays[shown_at]
    opened = {g: shares[1] for g, shares in saturation_by_epoch(replays).items() if g == "f"}
    chart(fg.timelapse_lines, [snaps.label(s, final_mark=False, lang=language) for s in range(len(snaps))],
          [e.prediction for e in replays], opened, selected=shown_at, final=snaps.final,
          title=t("gates.training.timelapse_title"), lang=language, key="gates_timelapse")
    last = int(snaps.epochs[-1])
    final_label = snaps.label(snaps.final, False, lang=language)
    st.caption(sentences(
        t("gates.training.final_restored", final=final_label, monitor=run.config.train.monitor)
        if snaps.final_epoch != last else t("gates.training.final_last", final=final_label),
        t("gates.training.embedding_trained") if snaps.embedding_trained else t("gates.training.embedding_frozen"),
        t("gates.training.thinned", n=len(snaps)) if len(snaps) < last + 1 else ""))
elif run.snapshot_problem:  # said in the reader's language once it carries a catalogue key
    problem = run.snapshot_problem
    st.warning(error_markdown(problem), icon=":material/warning:")
else:
    st.caption(t("gates.training.none"))

labels = ex.labels()
fields = dict(p=percent(ex.prediction), tokens=len(ex.tokens), cell=ex.cell.upper(), units=ex.units)
said = f"{sentiment(ex.prediction >= 0.5)}_{'last' if ex.pooling == 'last' else 'mean'}"
st.markdown(sentences(
    t(f"gates.verdict.final_{said}", name=plain(run.name), **fields) if at_final else
    t(f"gates.verdict.epoch_{said}", epoch=snaps.label(st.session_state[EPOCH], False, lang=language), **fields),
    t("gates.verdict.flip", word=plain(labels[ex.flips[-1]])) if ex.flips else ""))
chart(fg.p_ribbon, labels, ex.p_positive, flips=ex.flips, title=t("gates.verdict.ribbon_title"),
      lang=language, key="gates_ribbon")

# ---------------------------------------------------------------------------------- which units
arrays = ex.arrays()
left, right = st.columns([3, 2])
order_by = left.radio(t("gates.units.sort_by"), UNIT_ORDERS, key=ORDER, index=UNIT_ORDERS.index("correlation"),
                      horizontal=True, format_func=lambda by: i18n.text(language, f"gates.units.by_{by}"))
shown = right.multiselect(t("gates.units.panels"), list(arrays), default=list(arrays),
                          format_func=lambda k: fg.array_name(k, language), key="gates_panels")
show_all = ex.units <= TOP or st.toggle(t("gates.units.show_all", units=ex.units), key=ALL_UNITS,
                                        help=t("gates.units.show_all_help", top=TOP))
order, scores = unit_order(ex, order_by)
top = set(top_units(ex, TOP).tolist())
drawn = order if show_all else [u for u in order if u in top]
units = [int(u) for u in order]
if st.session_state.get(UNIT) not in units:
    st.session_state[UNIT] = int(drawn[0])
if st.session_state.get(STEP) not in range(len(ex.tokens)) or st.session_state.get("gates_for") != text:
    st.session_state[STEP] = ex.flips[-1] if ex.flips else len(ex.tokens) - 1
st.session_state["gates_for"] = text
score_name = t("gates.units.score_correlation" if order_by == "correlation" else "gates.units.score_variance")
scale = "gates" if has_gates else "states"

# ---------------------------------------------------------------------------------- what if
if st.toggle(t("gates.what_if.toggle"), key=EDIT, help=t("gates.what_if.toggle_help")):
    kind_col, word_col, new_col = st.columns([2, 2, 2])
    kind = kind_col.radio(t("gates.what_if.edit"), KINDS, key=EDIT_KIND, horizontal=True,
                          format_func=lambda k: i18n.text(language, f"gates.what_if.{k}"))
    steps = list(range(len(ex.tokens) + (kind == "insert")))
    if st.session_state.get(EDIT_STEP) not in steps:
        st.session_state[EDIT_STEP] = ex.tokens.index("not") if "not" in ex.tokens else (ex.flips or (0,))[-1]
    at_word = word_col.selectbox(t("gates.what_if.word"), steps, key=EDIT_STEP,
                                 format_func=lambda s: f"{s}: {labels[s]}" if s < len(labels) else
                                 i18n.text(language, "gates.what_if.after_last"))
    new_word = "" if kind == "remove" else new_col.text_input(
        t("gates.what_if.new_word"), key=EDIT_WORD, max_chars=50,
        placeholder=t("gates.what_if.placeholder", words=EDIT_EXAMPLES))
    try:
        cmp = compare_edit(run, text, WordEdit(kind, at_word, new_word), final_ex, lang=language) \
            if kind == "remove" or new_word.strip() else None
    except NothingToExplain as e:
        st.warning(error_markdown(e), icon=":material/warning:")
        cmp = None
    except LstmLabError as e:
        st.error(error_markdown(e), icon=":material/error:")
        cmp = None
    if cmp is None and kind != "remove" and not new_word.strip():
        st.caption(t(f"gates.what_if.type_{kind}", word=plain(labels[at_word])) if at_word < len(labels) else
                   t("gates.what_if.type_insert_end"))
    elif cmp is not None and all(s == "both" for s in cmp.source):
        st.info(t("gates.what_if.no_change"), icon=":material/info:")
    elif cmp is not None:
        changed, change = cmp.changed_units()
        named = t("gates.list_gap").join(t("gates.what_if.unit_change", unit=u, change=change[u]) for u in changed[:5])
        st.markdown(sentences(
            t("gates.what_if.final_reads_both") if not at_final else "",
            t("gates.what_if.result", before=percent(cmp.original.prediction), after=percent(cmp.edited.prediction),
              shift=cmp.shift, units=named)))
        chart(fg.p_overlaid, list(cmp.labels), cmp.p_original, cmp.p_edited,
              names=(t("gates.what_if.as_typed"), t("gates.what_if.edited")),
              title=t("gates.what_if.ribbon_title"), lang=language, key="gates_edit_ribbon")
        diffs = cmp.differences()
        panels = [k for k in shown if k in diffs] or list(diffs)
        diff_order = list(changed[:TOP]) if not show_all else list(changed)
        chart(fg.gate_heatmaps, list(cmp.labels), {k: diffs[k] for k in panels}, order=diff_order,
              scale="difference", title=t("gates.what_if.diff_title"), lang=language,
              key="gates_edit_heatmaps")
        st.caption(t("gates.what_if.diff_caption"))

# ---------------------------------------------------------------------------------- heatmaps
unit, step = st.session_state[UNIT], st.session_state[STEP]
if shown:
    chart(fg.gate_heatmaps, labels, {k: arrays[k] for k in shown}, order=drawn,
          unit_scores=None if order_by == "index" else scores, score_name=score_name,
          selected=(unit, step), scale=scale,
          title=t("gates.units.heatmaps_all") if show_all else
          t("gates.units.heatmaps_top", n=len(drawn)), lang=language,
          key="gates_heatmaps")
st.caption(t(f"gates.units.scale_{cell}"))
gates = {k: v for k, v in arrays.items() if k not in ("c", "h")}  # a SimpleRNN has none
if gates:
    chart(fg.gate_means, labels, gates, title=t("gates.units.means_title"), lang=language,
          key="gates_means")

# ---------------------------------------------------------------------------------- one unit
st.markdown(f"#### {t('gates.unit.heading')}")
pick_unit, pick_word = st.columns([1, 2], gap="large")
option = "gates.unit.option" if order_by == "index" else f"gates.unit.option_{order_by}"
unit = pick_unit.selectbox(t("gates.unit.unit"), units, key=UNIT,
                           format_func=lambda u: i18n.text(language, option, unit=u,
                                                           score=0.0 if order_by == "index" else scores[u]),
                           help=t("gates.unit.unit_help"))
step = pick_word.select_slider(t("gates.unit.word"), options=list(range(len(ex.tokens))), key=STEP,
                               format_func=lambda s: f"{s}: {labels[s]}") if len(ex.tokens) > 1 else 0
chart(fg.unit_story, labels, arrays, unit, step=step, p_positive=ex.p_positive,
      title=t("gates.unit.story_title", unit=unit), lang=language, key="gates_story")
st.markdown(t("gates.unit.reading_lstm" if ex.cell == "lstm" else "gates.unit.reading_other",
              unit=unit, step=step, word=plain(labels[step])))
st.latex(fg.equations_aligned(unit_terms(ex, unit, step)))

# ---------------------------------------------------------------------------------- saturation
if has_gates:
    st.markdown(f"#### {t('gates.saturation.heading')}")
    over_training = snaps is not None and len(snaps) > 1
    if over_training:
        sat = saturation_against(ex, replays[0])
    else:
        with st.spinner(t("gates.spinner_untrained")):
            fresh = untrained(key, run)
        sat = compare_saturation(run, text, fresh, ex)
    chart(fg.saturation_bars, sat.trained, before=sat.before, low=sat.low, high=sat.high,
          title=t("gates.saturation.title"), lang=language,
          key="gates_saturation")
    st.caption(t("gates.saturation.caption_epoch" if over_training else "gates.saturation.caption_fresh",
                 low=sat.low, high=sat.high))

# ---------------------------------------------------------------------------------- probes
st.markdown(f"#### {t('gates.probes.heading')}")
probes = probe_set()
with st.spinner(t("gates.spinner_probes")):
    mine = probe_report(key=key, _run=run)
reports = {"model": mine}  # by the column's short name: model, bow
recorded = recorded_baseline(run, probes)
if recorded is not None:  # answers kept with the run (the shipped model's 25,000 reviews are not refitted here)
    reports["bow"] = recorded
else:
    try:
        reports["bow"] = baseline_for(run)
    except LstmLabError as e:  # the run's training data is not here, or not allowed on this server
        st.info(t("gates.probes.cannot_open", problem=error_markdown(e)), icon=":material/info:")
model_names = {"model": t("gates.probes.this_model"), "bow": t("gates.probes.bag_of_words")}
chart(fg.probe_bars, [category_name(c, language) for c in CATEGORIES],
      {model_names[name]: [(s.correct, s.total) for s in r.categories()] for name, r in reports.items()},
      title=t("gates.probes.title"), lang=language, key="gates_probes")
st.caption(t("gates.probes.caption", n=len(probes)))
col_kind, col_review, col_truth = t("gates.probes.kind"), t("gates.probes.review"), t("gates.probes.truth")
truth = {positive: t(f"gates.{sentiment(positive)}") for positive in (True, False)}  # once, not per probe
table = {col_kind: [category_name(p.category, language) for p in probes], col_review: [p.text for p in probes],
         col_truth: [truth[p.label == 1] for p in probes]}
columns = {col_kind: st.column_config.TextColumn(width="small"),
           col_review: st.column_config.TextColumn(width="large")}
for name, r in reports.items():
    p_col, right_col = t(f"gates.probes.{name}_p"), t(f"gates.probes.{name}_right")
    table[p_col] = r.p_positive
    table[right_col] = ["✓" if ok else "✗" for ok in r.right]
    columns[p_col] = st.column_config.NumberColumn(format="%.2f", width="small", help=t(f"gates.probes.{name}_p_help"))
    columns[right_col] = st.column_config.TextColumn(width="small", help=t(f"gates.probes.{name}_right_help"))
st.dataframe(pd.DataFrame(table), key=PROBE_TABLE, on_select=open_probe, selection_mode="single-row",
             hide_index=True, height=280, column_config=columns)

st.download_button(t("gates.download.label"), ex.to_csv, file_name="gate_traces.csv", mime="text/csv",
                   help=t("gates.download.help_gates" if has_gates else "gates.download.help_rnn"),
                   icon=":material/download:")
