"""Lesson links: settings from the URL, hidden and locked controls, and bad links opening with defaults
and a notice that names what was left out."""

from __future__ import annotations

from helpers import APP, texts
from lstm_core.config import ExperimentConfig
from streamlit.testing.v1 import AppTest
from ui.lesson import FIELDS, MAX_PARAMS, parse_value, read_link

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
    text = "\n".join(notices)
    for named in ("model.units", "got 0", "train.batch_size", "'lots'", "colour", "data.source", "model.nope"):
        assert named in text
    assert "/etc/passwd" not in text  # the path is not echoed back either
    assert len(notices) == 5


def test_an_oversized_link_is_ignored_whole():
    cfg, _, _, notices = read_link({f"x{i}": "1" for i in range(MAX_PARAMS + 1)}, BASE)
    assert cfg == BASE and "ignored" in notices[0]
    cfg, _, _, notices = read_link({"model.cell": "l" * 10_000}, BASE)
    assert cfg == BASE and "longer than" in notices[0] and "l" * 300 not in notices[0]
    _, _, _, notices = read_link({"k" * 5000: "1"}, BASE)
    assert "does not have" in notices[0] and len(notices[0]) < 200  # a long unknown name is not echoed whole


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
