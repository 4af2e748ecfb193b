"""The Gates page in Streamlit's AppTest: typed text, the examples, sorting, unit and word selection,
bad input, a missing model, and the whole page in Japanese. The page's model is a tiny run made the default run by pointing
``ui.state.DEFAULT_RUN`` at it (``assets/default_run`` is never used here)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from helpers import english_left, shown_texts, trained_run
from streamlit.testing.v1 import AppTest

import ui.state
from lstm_core.explain import CUT, DROPPED, KEPT, UNKNOWN, Word
from lstm_core.i18n import text as catalogue_text
from ui.readings import EXAMPLES
from ui.sentence import plain, sentence_html

pytestmark = pytest.mark.usefixtures("app_navigation")  # conftest: pages run inside app.py's navigation

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "gates.py")
APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60  # the first run loads TensorFlow and the model


@pytest.fixture(scope="module")
def out_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gate-page-runs")


@pytest.fixture
def page(tiny_imdb_dir, out_root, monkeypatch):
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def html_of(at) -> str:
    return "".join(el.proto.body for el in at.get("html"))


def charts(at) -> list:
    return at.get("plotly_chart")


def alerts(at) -> str:
    return " ".join(el.value for kind in ("info", "warning", "error") for el in at.get(kind))


def type_text(at, text: str):
    at.text_area(key="gates_text").input(text).run()
    assert not at.exception, at.exception
    return at


def test_first_open_traces_the_contrast_example_with_every_figure(page):
    assert page.text_area(key="gates_text").value.startswith("The acting was wonderful but")
    body = html_of(page)
    assert "lab-removed" in body and 'title="dropped: stopword (as &#x27;be&#x27;)"' in body
    assert len(charts(page)) == 7  # time-lapse, ribbon, heatmaps, means, unit story, saturation, probes
    assert any("After the last word the current model" in m.value for m in page.markdown)
    (latex,) = page.get("latex")  # i, f, g, o, c, h of the selected unit, aligned
    assert latex.value.count("&=") == 12 and r"\sigma" in latex.value
    assert page.get("download_button")
    (saturation,) = [c for c in charts(page) if c.key == "gates_saturation"]  # trained and untrained bars
    assert saturation.proto.spec.count("before training") >= 3


@pytest.mark.parametrize("example", ["Positive", "Negative", "Negation", "Contrast", "Long review"])
def test_examples_fill_the_box_and_trace(page, example):
    page.button[[b.label for b in page.button].index(example)].click().run()
    assert not page.exception, page.exception
    text = page.text_area(key="gates_text").value
    assert text and len(charts(page)) == 7
    if example == "Negation":
        assert "not good at all" in text and ">not</span>" in html_of(page)


def test_typed_text_updates_the_sentence_and_the_prediction(page):
    type_text(page, "Not good at all, a boring film.")
    body = html_of(page)
    assert ">Not</span>" in body and 'class="lab-removed" title="dropped: shorter than 3 letters">at<' in body
    assert any("P(positive) =" in m.value for m in page.markdown)
    steps = page.select_slider(key="gates_step")
    assert list(steps.options[:2]) == ["0: not", "1: good"]  # as displayed


def test_sorting_and_selecting_a_unit_and_a_word_fill_in_the_equations(page):
    page.radio(key="gates_order").set_value("correlation").run()
    assert not page.exception
    units = page.selectbox(key="gates_unit")
    assert units.options[0].startswith("unit ") and "(r = " in units.options[0]
    units.select(2).run()
    page.select_slider(key="gates_step").set_value(0).run()
    assert not page.exception
    (latex,) = [el.value for el in page.get("latex")]
    assert r"i_t &= \sigma\big(W_{i} x_t" in latex and r"c_t &= f_t\,c_{t-1}" in latex
    assert r"\sigma(0.000 + 0.000" not in latex  # the unit's own numbers (the recurrent term is 0 at word 0)
    assert any("Unit 2 reading word 0" in m.value for m in page.markdown)
    page.multiselect(key="gates_panels").set_value(["f"]).run()
    assert not page.exception and len(charts(page)) == 7


@pytest.mark.parametrize("text,kind,message", [
    ("", "warning", "The text is empty"),
    ("The and of it is", "warning", "cleaning dropped every word"),
    ("😀😀 🎬 !!!", "warning", "no letters a\\-z"),
    ("zzzq blorptastic wibbling", "info", "None of these words"),
    ("Ce film était magnifique, great", "info", "only the letters a\\-z"),
])
def test_bad_input_gets_a_clear_message_and_no_traceback(page, text, kind, message):
    type_text(page, text)
    assert any(message in el.value for el in page.get(kind)), alerts(page)


def test_html_and_script_are_shown_as_text_never_markup(page):
    type_text(page, '<script>alert("x")</script><img src=x onerror=alert(1)> <b>great</b> film & more')
    body = html_of(page)
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "nothing in them was run" in alerts(page)
    type_text(page, "great :red[film] $x$ **bold** [link](http://example.com)")
    assert not page.exception


def test_a_100000_character_paste_is_cut_with_a_notice(page):
    type_text(page, ("The acting was wonderful but the plot was a mess. " * 2000)[:100_000])
    assert "were cut" in alerts(page)
    assert "more words not read" in html_of(page)  # the unread part collapsed, not 15,000 spans
    assert len(html_of(page)) < 60_000


def test_every_example_button_says_whether_the_current_model_gets_it_right(page, tiny_imdb_dir, out_root):
    from lstm_core.runs import load_run

    run = load_run(trained_run(tiny_imdb_dir, out_root))
    for name, (text, label) in EXAMPLES.items():
        (button,) = [b for b in page.button if b.label == catalogue_text("en", f"gates.example.{name}.name")]
        right = (run.predict([text])[0] >= 0.5) == (label == 1)
        assert ("gets it right" in button.help) == right and ("A question for the class" in button.help) != right


def test_the_probe_table_puts_this_model_beside_the_bag_of_words(page):
    from lstm_core.probes import load_probes

    (chart,) = [c for c in charts(page) if "share of the probes right" in c.proto.spec]
    assert "this model" in chart.proto.spec and "bag of words" in chart.proto.spec
    (table,) = page.dataframe
    assert len(table.value) == len(load_probes()) and list(table.value["review"])[0] == load_probes()[0].text
    assert {"model P", "model ✓", "BoW P", "BoW ✓"} <= set(table.value.columns)
    assert set(table.value["model ✓"]) <= {"✓", "✗"}


def test_on_a_server_the_bag_of_words_never_opens_a_path_the_teacher_has_not_allowed(tiny_imdb_dir, out_root,
                                                                                    monkeypatch, server_settings):
    server_settings()  # no data_roots: the run's recorded data folder may not be opened
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert "which this server cannot open" in alerts(at) and str(tiny_imdb_dir) not in alerts(at)
    (chart,) = [c for c in charts(at) if "share of the probes right" in c.proto.spec]
    assert "this model" in chart.proto.spec and "bag of words" not in chart.proto.spec
    assert "BoW P" not in at.dataframe[0].value.columns


def test_a_word_edit_shows_both_versions_and_their_difference(page):
    type_text(page, "This film is not good at all.")
    page.toggle(key="gates_edit").set_value(True).run()
    assert not page.exception, page.exception
    assert page.selectbox(key="gates_edit_step").value == 1  # "not" by default
    keys = [c.key for c in charts(page)]
    assert "gates_edit_ribbon" in keys and "gates_edit_heatmaps" in keys
    assert any("As typed: P(positive) =" in m.value and "changed most: unit" in m.value for m in page.markdown)
    (diff,) = [c for c in charts(page) if c.key == "gates_edit_heatmaps"]
    spec = json.dumps(json.loads(diff.proto.spec), ensure_ascii=False)  # plotly escapes "−" unless orjson is installed
    assert "−not" in spec and "edited − original" in spec
    page.radio(key="gates_edit_kind").set_value("swap").run()
    assert "Type the word to swap for" in " ".join(c.value for c in page.caption)
    page.text_input(key="gates_edit_word").input("<b>bad</b>").run()
    assert not page.exception, page.exception
    (diff,) = [c for c in charts(page) if c.key == "gates_edit_heatmaps"]
    assert "+bad" in diff.proto.spec and "<b>" not in diff.proto.spec
    page.radio(key="gates_edit_kind").set_value("insert").run()
    page.text_input(key="gates_edit_word").input("the").run()  # a stopword: nothing the model reads changes
    assert "changes nothing the model reads" in alerts(page)


@pytest.mark.parametrize("cell,panels,equations", [("gru", 4, 4), ("rnn", 1, 1)])
def test_gru_and_simple_rnn_runs_get_their_own_gates_and_equations(tiny_imdb_dir, out_root, monkeypatch, cell,
                                                                   panels, equations):
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root, cell, "mean"))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert len(at.multiselect(key="gates_panels").value) == panels
    (latex,) = at.get("latex")
    assert latex.value.count("&=") == 2 * equations
    at.selectbox(key="gates_unit").select(1).run()
    assert not at.exception, at.exception
    words = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "c_{t-1}" not in words and "cell state" not in words
    if cell == "rnn":  # no gate wording at all, nor in the figures' colour scale
        assert "gate" not in words.lower().replace("has no gates", "") and "has no gates" in words
        assert "gate" not in " ".join(b.help for b in at.button).lower()
        (heatmaps,) = [c for c in charts(at) if c.key == "gates_heatmaps"]
        assert "(open)" not in heatmaps.proto.spec


def test_without_a_model_the_page_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", tmp_path / "no_default_run")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert "no model to inspect yet" in at.info[0].value and not charts(at)


def test_in_the_app_the_sidebar_names_the_model_the_page_shows(tiny_imdb_dir, out_root, monkeypatch):
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/gates.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Gates"
    assert any(m.value == "**tiny lstm last**" for m in at.sidebar.markdown)
    assert any("the current model, **tiny lstm last**, says" in m.value for m in at.markdown)


def test_sentence_html_marks_and_escapes_every_word():
    words = [Word("<b>Great</b>", KEPT, "great", 0), Word("zzz", UNKNOWN, "zzz", 1, "not known"),
             Word("the", DROPPED, reason="stopword"), Word("end", CUT, "end", reason="beyond")]
    out = sentence_html(words)
    assert html.escape("<b>Great</b>") in out and "<b>Great" not in out
    assert 'class="lab-oov" title="token 1: not known">zzz*<' in out
    assert 'class="lab-removed" title="dropped: stopword">the<' in out and 'class="lab-cut"' in out
    many = [Word(f"w{i}", CUT, reason="beyond") for i in range(1000)] + [Word("good", KEPT, "good", 0)]
    out = sentence_html(many, most=60, each_side=15)
    assert "[… 970 more words not read …]" in out and out.count('class="lab-cut"') == 30 + 1 + 1  # words, the count, the legend
    assert plain("*a* $x$ :red[b] <i>") == r"\*a\* \$x\$ \:red\[b\] &lt;i&gt;"


def test_the_shipped_model_shows_its_16_units_most_tied_to_the_prediction_until_asked_for_all():
    at = AppTest.from_file(PAGE, default_timeout=120)  # ui.state.DEFAULT_RUN: assets/default_run (64 units)
    at.run()
    assert not at.exception, at.exception
    (heatmaps,) = [c for c in charts(at) if c.key == "gates_heatmaps"]
    spec = json.loads(heatmaps.proto.spec)
    assert "The 16 units most tied to the prediction" in spec["layout"]["title"]["text"]
    assert all(len(trace["y"]) == 16 for trace in spec["data"])
    at.toggle(key="gates_all").set_value(True).run()
    assert not at.exception, at.exception
    (heatmaps,) = [c for c in charts(at) if c.key == "gates_heatmaps"]
    spec = json.loads(heatmaps.proto.spec)
    assert all(len(trace["y"]) == 64 for trace in spec["data"]) and "Every unit" in spec["layout"]["title"]["text"]


# ------------------------------------------------------------------------------------ time-lapse


def _heatmap_cells(at) -> list:
    (heatmaps,) = [c for c in charts(at) if c.key == "gates_heatmaps"]
    return [trace["z"] for trace in json.loads(heatmaps.proto.spec)["data"]]


def test_the_epoch_slider_redraws_the_same_sentence_at_that_epoch(page):
    type_text(page, "A wonderful film but the plot was dull.")
    slider = page.select_slider(key="gates_epoch")
    from lstm_core.runs import load_run

    snaps = load_run(ui.state.DEFAULT_RUN).snapshots
    assert slider.value == snaps.final and len(slider.options) == len(snaps) >= 3  # step 0 and 2 epochs
    assert "gates_timelapse" in [c.key for c in charts(page)]
    captions = " ".join(c.value for c in page.caption)
    assert f"The final model is **{snaps.label(snaps.final, False)}**" in captions
    final_cells = _heatmap_cells(page)
    slider.set_value(0).run()
    assert not page.exception, page.exception
    assert _heatmap_cells(page) != final_cells
    assert any("the current model at **before training** of its training says" in m.value for m in page.markdown)
    # the saturation bars at step 0 compare the weights with themselves: trained == before
    (bars,) = [c for c in charts(page) if c.key == "gates_saturation"]
    data = json.loads(bars.proto.spec)["data"]
    assert all(trace["x"][0::2] == trace["x"][1::2] for trace in data)


def test_a_run_without_snapshots_says_it_has_no_time_lapse(tiny_imdb_dir, out_root, tmp_path, monkeypatch):
    import shutil

    from lstm_core.snapshots import SNAPSHOTS

    old = shutil.copytree(trained_run(tiny_imdb_dir, out_root), tmp_path / "old-run")
    (old / SNAPSHOTS).unlink()
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", old)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert "No time-lapse for this run" in " ".join(c.value for c in at.caption)
    assert not at.get("select_slider") or all(s.key != "gates_epoch" for s in at.select_slider)
    (old / SNAPSHOTS).write_bytes(b"garbage")  # a damaged one: a clear message, the page still works
    shutil.copytree(old, tmp_path / "bad-run")
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", tmp_path / "bad-run")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    said = alerts(at).replace("\\", "")  # markdown escapes undone
    assert "snapshots.npz in" in said and "no time-lapse" in said and str(tmp_path) not in said
    assert "gates_heatmaps" in [c.key for c in charts(at)]


def test_the_bag_of_words_answers_recorded_with_a_run_are_shown_without_its_data(tiny_imdb_dir, out_root, tmp_path,
                                                                                 monkeypatch, server_settings):
    """The shipped model's 25,000 training reviews are not on a fresh clone: its run carries the bag of
    words' answers to the probes, shown even where its data may not be opened."""
    import shutil

    from lstm_core.probes import load_probes

    server_settings()  # the run's data folder may not be opened
    run = shutil.copytree(trained_run(tiny_imdb_dir, out_root), tmp_path / "with-answers")
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["baseline_probes"] = {p.text: 0.75 for p in load_probes()}
    (run / "metrics.json").write_text(json.dumps(metrics))
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", run)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert "which this server cannot open" not in alerts(at)
    (chart,) = [c for c in charts(at) if "share of the probes right" in c.proto.spec]
    assert "bag of words" in chart.proto.spec
    assert set(at.dataframe[0].value["BoW P"]) == {0.75}


# ------------------------------------------------------------------------------------ Japanese


def _words(*texts: str) -> set[str]:
    return {w.lower() for t in texts for w in re.findall(r"[A-Za-z][A-Za-z'-]*", t)}


def model_words(at) -> set[str]:
    """What stays English on the page in every language: the reviews and tokens the model reads (the example
    reviews, the typed text, the tokens in the word pickers and on the axes), the unknown-word token, the run's
    name and its data set's name (lstm_core.data names it: "IMDB folder aclImdb")."""
    from lstm_core.probes import load_probes
    from lstm_core.runs import load_run

    run = load_run(ui.state.DEFAULT_RUN)
    options = [str(o) for kind in ("select_slider", "selectbox") for el in at.get(kind) for o in el.options or []]
    return (_words(*(text for text, _ in EXAMPLES.values()), *(p.text for p in load_probes()),
                   at.text_area(key="gates_text").value, run.name, run.info.data, *options)
            | {"oov", "yet", "bad", "truly"})  # the what-if's words to type, as the placeholder suggests them


@pytest.fixture
def ja_page(tiny_imdb_dir, out_root, monkeypatch):
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params["lang"] = "ja"
    at.run()
    assert not at.exception, at.exception
    return at


def test_in_japanese_the_page_shows_no_english_but_what_the_model_reads(ja_page):
    at = ja_page
    assert at.title[0].value == "ゲート" and len(charts(at)) == 7
    assert english_left(shown_texts(at), model_words(at)) == []
    table = at.dataframe[0].value  # its columns, kinds and answers (the reviews stay English)
    assert english_left([*table.columns, *table["種類"], *table["正解"]]) == []
    at.toggle(key="gates_edit").set_value(True).run()  # the what-if: remove, then a word to swap
    assert not at.exception, at.exception
    assert {"gates_edit_ribbon", "gates_edit_heatmaps"} <= {c.key for c in charts(at)}
    assert english_left(shown_texts(at), model_words(at)) == []
    at.radio(key="gates_edit_kind").set_value("swap").run()
    assert "と入れ替える単語を入力してください" in " ".join(c.value for c in at.caption)
    assert english_left(shown_texts(at), model_words(at)) == []
    at.select_slider(key="gates_epoch").set_value(0).run()  # a time-lapse step: the verdict at "before training"
    assert any("学習前" in m.value for m in at.markdown)
    assert english_left(shown_texts(at), model_words(at)) == []


@pytest.mark.parametrize("text,kind,message", [
    ("", "warning", "文が空です"),
    ("The and of it is", "warning", "前処理ですべての単語が落とされました"),
    ("😀😀 🎬 !!!", "warning", "英字"),
    ("zzzq blorptastic wibbling", "info", "どの単語もモデルの語彙"),
    ("Ce film était magnifique, great", "info", "英字"),
    ('<script>alert("x")</script> <b>great</b> film', "info", "タグの中身は何も実行されていません"),
])
def test_in_japanese_what_is_wrong_with_a_text_is_said_in_japanese(ja_page, text, kind, message):
    at = ja_page
    at.text_area(key="gates_text").input(text).run()
    assert not at.exception, at.exception
    assert any(message in el.value for el in at.get(kind)), alerts(at)
    assert english_left(shown_texts(at), model_words(at) | _words(text)) == []


def test_the_language_switch_keeps_the_typed_text_and_the_choices(ja_page):
    at = ja_page
    type_text(at, "Not good at all, a boring film.")
    at.radio(key="gates_order").set_value("variance").run()
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Gates" and at.text_area(key="gates_text").value == "Not good at all, a boring film."
    assert at.radio(key="gates_order").value == "variance" and at.text_area(key="gates_text").label == "Review"


def test_the_sentence_legend_and_hovers_are_in_the_readers_language():
    words = [Word("Great", KEPT, "great", 0), Word("zzz", UNKNOWN, "zzz", 1, "未知"), Word("the", DROPPED, reason="x")]
    out = sentence_html(words, lang="ja")
    assert "モデルが読んだ単語" in out and 'title="トークン 0: 「great」として読みます"' in out
    assert 'title="落とされました: x"' in out
    shown = re.sub(r"<style>.*?</style>|<[^>]+>", " ", out, flags=re.S)
    assert english_left([html.unescape(shown)], {"great", "zzz", "the", "oov"}) == []


def test_sessions_asking_for_the_same_figure_share_it_and_a_new_text_gets_its_own(tiny_imdb_dir, out_root,
                                                                                  monkeypatch):
    import lstm_core.figures_gates as fg
    import ui.shared

    built = []

    def counted(*args, **kwargs):
        built.append(args[0])  # the token labels
        return real(*args, **kwargs)

    real = fg.gate_heatmaps
    monkeypatch.setattr(fg, "gate_heatmaps", counted)
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))
    ui.shared._figure.clear()
    first, second = (AppTest.from_file(PAGE, default_timeout=TIMEOUT).run() for _ in range(2))
    assert not first.exception and not second.exception
    assert len(built) == 1  # two sessions, one model, one example: built once

    def spec(at):
        (chart,) = [c for c in charts(at) if c.proto.id and "gates_heatmaps" in c.proto.id]
        return chart.proto.spec

    assert spec(first) == spec(second)
    type_text(second, "a truly wonderful film")
    assert len(built) == 2 and "wonderful" in " ".join(built[-1])
    assert spec(second) != spec(first)


def test_a_run_warmed_up_is_read_by_the_first_visit_without_a_prediction(tiny_imdb_dir, out_root, monkeypatch):
    import ui.readings
    from lstm_core.runs import Run

    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))
    predicted = []
    real = Run.predict
    monkeypatch.setattr(Run, "predict", lambda self, texts: predicted.append(len(texts)) or real(self, texts))

    def first_visit() -> list[int]:
        predicted.clear()
        at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
        assert not at.exception, at.exception
        return list(predicted)

    def forget() -> None:
        for cached in (ui.readings.example_report, ui.readings.probe_report, ui.readings.explained, ui.readings.lapse):
            cached.clear()

    forget()
    assert first_visit()  # cold: the examples and the probes are predicted during the visit
    forget()
    entry = ui.state.default_entry()
    ui.readings.warm(entry, ui.state._cached_default_run(str(entry.path)))
    assert first_visit() == []
