"""Lesson links: settings from the URL, hidden and locked controls, a page's own choices (the Gates page's
unit, word and epoch; the Compare page's options), and bad links opening with defaults and a notice that
names what was left out, in the reader's language."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import APP, english_left, texts, trained_run
from lstm_core.config import ExperimentConfig
from lstm_core.notices import in_lang
from streamlit.testing.v1 import AppTest

import ui.state
from ui.lesson import (COMPARE_SIZES, COMPARE_TARGETS, FIELDS, MAX_INDEX, MAX_PARAMS, parse_value, read_link,
                       read_page_values)

BASE = ExperimentConfig()


def test_every_config_field_can_be_named_in_a_link():
    assert {"train.max_epochs", "model.cell", "data.per_class", "sequence.max_len"} <= set(FIELDS)
    assert parse_value("data.per_class", "all") is None and parse_value("data.per_class", "50") == 50
    assert parse_value("model.embedding_trainable", "false") is False
    assert parse_value("train.learning_rate", "0.01") == 0.01


def test_a_link_sets_fields_and_names_the_controls_to_hide_and_lock():
    cfg, hidden, locked, notices = read_link(
        {"train.max_epochs": "2", "model.cell": "gru", "hide": "model.units, train.seed", "lock": "model.cell"}, BASE)
    assert (cfg.train.max_epochs, cfg.model.cell, cfg.model.units) == (2, "gru", BASE.model.units)
    assert hidden == {"model.units", "train.seed"} and locked == {"model.cell"} and notices == []


def test_bad_values_unknown_names_and_paths_are_left_out_with_a_notice_each():
    cfg, hidden, _, notices = read_link({"model.units": "0", "train.batch_size": "lots", "colour": "red",
                                         "data.source": "/etc/passwd", "hide": "model.nope",
                                         "train.max_epochs": "3"}, BASE)
    assert cfg == BASE.replace(train={"max_epochs": 3})  # the good part of the link still applies
    assert hidden == set()
    text = "\n".join(map(str, notices))
    for named in ("model.units", "got 0", "train.batch_size", "'lots'", "colour", "data.source", "model.nope"):
        assert named in text
    assert "/etc/passwd" not in text  # the path is not echoed back either
    assert len(notices) == 5


def test_an_oversized_link_is_ignored_whole():
    cfg, _, _, notices = read_link({f"x{i}": "1" for i in range(MAX_PARAMS + 1)}, BASE)
    assert cfg == BASE and "ignored" in str(notices[0])
    cfg, _, _, notices = read_link({"model.cell": "l" * 10_000}, BASE)
    assert cfg == BASE and "longer than" in str(notices[0]) and "l" * 300 not in str(notices[0])
    _, _, _, notices = read_link({"k" * 5000: "1"}, BASE)
    assert "does not have" in str(notices[0]) and len(str(notices[0])) < 200  # a long unknown name is not echoed
    _, _, _, notices = read_link({"train.batch_size": "9" * 300}, BASE)
    assert len(str(notices[0])) < 200  # nor a long bad value


def test_the_notices_read_in_japanese_without_the_english_reasons():
    _, _, _, notices = read_link({"model.units": "0", "train.batch_size": "lots", "colour": "red",
                                  "data.source": "/etc/passwd", "hide": "model.nope", "model.embedding_trainable": "x",
                                  "model.cell": "l" * 1000}, BASE)
    japanese = [in_lang(n, "ja") for n in notices]
    assert len(japanese) == 7 and all("リンク" in n or "このバージョン" in n for n in japanese)
    names = {"units", "batch", "size", "colour", "lots", "nope", "source", "data", "model", "train", "cell", "hide",
             "embedding", "trainable", "true", "false"}  # the link's own names and values, and true / false
    assert english_left(japanese, allowed=names) == []
    assert "got 0" in str(notices[0]) and "got 0" not in japanese[0]  # the config's English reason stays English


def test_a_link_carries_the_gates_unit_word_and_epoch_and_the_compare_options():
    values, notices = read_page_values({"page.gates_unit": "3", "page.gates_step": "0", "page.gates_epoch": "1",
                                        "page.cmp_target": "0.85", "page.cmp_frozen": "false",
                                        "page.cmp_curve": "true", "page.cmp_sizes": "2000,500"})
    assert notices == []
    assert values == {"gates_unit": 3, "gates_step": 0, "gates_epoch": 1, "cmp_target": 0.85, "cmp_frozen": False,
                      "cmp_curve": True, "cmp_sizes": [500, 2000]}
    _, _, _, notices = read_link({"page.gates_unit": "3", "page.cmp_sizes": "500"}, BASE)
    assert notices == []  # page settings are known names, not "a setting this version does not have"


@pytest.mark.parametrize("key, text", [
    ("page.gates_unit", "-1"), ("page.gates_unit", "three"), ("page.gates_step", "²"), ("page.gates_step", "1.5"),
    ("page.gates_epoch", str(MAX_INDEX + 1)), ("page.gates_epoch", ""), ("page.cmp_target", "0.5"),
    ("page.cmp_target", "nan"), ("page.cmp_frozen", "maybe"), ("page.cmp_sizes", "500,7"),
    ("page.cmp_sizes", "500;1000"),
])
def test_a_bad_page_value_is_left_out_with_a_notice(key, text):
    values, notices = read_page_values({key: text})
    assert values == {} and len(notices) == 1
    assert key in str(notices[0]) and key in in_lang(notices[0], "ja")


def test_the_compare_options_are_the_compare_page_s():
    from lstm_core.compare import LEARNING_CURVE_SIZES

    source = (Path(__file__).resolve().parent.parent / "pages" / "compare.py").read_text(encoding="utf-8")
    (targets,) = [ast.literal_eval(node.value) for node in ast.parse(source).body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "TARGETS"]
    assert tuple(targets) == COMPARE_TARGETS and COMPARE_SIZES == tuple(LEARNING_CURVE_SIZES)


def lesson_app(query: dict[str, str], page: str = "pages/train.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_lesson_link_opens_the_train_page_set_up_with_controls_hidden_and_locked(app_navigation):
    at = lesson_app({"train.max_epochs": "3", "model.units": "32", "hide": "train.learning_rate",
                     "lock": "model.units"})
    assert at.session_state["lab_config"].train.max_epochs == 3
    (epochs,) = [s for s in at.slider if s.label == "Max epochs"]
    assert epochs.value == 3
    (units,) = [w for w in at.select_slider if w.label.startswith("Units")] or [
        w for w in at.slider if w.label.startswith("Units")]
    assert units.value == 32 and units.disabled
    labels = {w.label for w in [*at.slider, *at.select_slider, *at.selectbox, *at.number_input]}
    assert not any(label.startswith("Learning rate") for label in labels)


def test_a_link_carries_the_gates_sentence(app_navigation):
    at = lesson_app({"page.gates_text": "not good at all"}, "pages/gates.py")
    assert at.text_area(key="gates_text").value == "not good at all"


def test_a_broken_link_opens_with_the_defaults_and_a_notice(app_navigation):
    at = lesson_app({"model.units": "-4", "zzz": "<b>1</b>"})
    assert at.session_state["lab_config"] == BASE
    shown = texts(at.warning)
    assert "model.units" in shown and "zzz" in shown


def test_a_broken_link_in_japanese_says_so_in_japanese(app_navigation):
    at = lesson_app({"lang": "ja", "model.units": "-4", "page.gates_unit": "x", "zzz": "1"}, "pages/home.py")
    shown = [w.value for w in at.warning]
    assert len(shown) == 3 and all("リンク" in w for w in shown), shown
    assert english_left(shown, allowed={"units", "model", "gates", "unit", "page", "zzz"}) == []
    assert at.button(key="lesson_dismiss").label == "閉じる"
    at.button(key="lesson_dismiss").click().run()
    assert not at.warning


def test_switching_the_language_keeps_the_settings_a_link_gave(app_navigation):
    at = lesson_app({"train.max_epochs": "3"}, "pages/home.py")
    at.session_state["lab_config"] = at.session_state["lab_config"].replace(train={"max_epochs": 5})
    at.query_params["lang"] = "ja"  # what the sidebar's switch does
    at.run()
    assert not at.exception and at.session_state["lab_config"].train.max_epochs == 5


@pytest.fixture
def tiny_default(tiny_imdb_dir, tmp_path_factory, monkeypatch):
    """A tiny trained run (4 units, 2 epochs: snapshots 0, 1, 2) as the app's default model."""
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, tmp_path_factory.mktemp("lesson-run")))


def test_a_link_opens_the_gates_page_at_its_unit_word_and_epoch(app_navigation, tiny_default):
    at = lesson_app({"page.gates_text": "not good at all", "page.gates_unit": "3", "page.gates_step": "1",
                     "page.gates_epoch": "1"}, "pages/gates.py")
    assert (at.session_state["gates_unit"], at.session_state["gates_epoch"]) == (3, 1)
    assert at.selectbox(key="gates_unit").value == 3
    assert at.select_slider(key="gates_epoch").value == 1
    assert at.select_slider(key="gates_step").value == 1
    at.run()  # the sidebar's Lesson link (drawn before the page) gives them back
    (link,) = [c.value for c in at.get("code") if "/gates" in c.value]
    assert all(p in link for p in ("page.gates_unit=3", "page.gates_step=1", "page.gates_epoch=1",
                                   "page.gates_text=not+good+at+all")), link


def test_a_link_with_a_unit_the_model_lacks_opens_the_page_s_default(app_navigation, tiny_default):
    at = lesson_app({"page.gates_unit": "999", "page.gates_epoch": "9"}, "pages/gates.py")
    assert not at.exception
    assert at.selectbox(key="gates_unit").value in range(4)
