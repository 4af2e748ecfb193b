"""Guided lessons: the shipped files parse, every step's control exists on its page, and a student can
walk a lesson with Next and Back; a teacher's mistake in a file is named."""

from __future__ import annotations

import pytest
from helpers import APP
from lstm_core.lessons import LessonError, parse_lesson, read_lessons
from streamlit.testing.v1 import AppTest
from ui.tour import PAGE_FILES, css_key

GOOD = '''title = "t"
[[steps]]
page = "train"
text = "Press Train"
highlight = "train"
settings = { "train.max_epochs" = 3 }
'''


def test_two_lessons_ship_and_each_follows_pages_that_exist():
    lessons = read_lessons()
    assert len(lessons) >= 2
    assert all(step.page in PAGE_FILES for lesson in lessons.values() for step in lesson.steps)
    first = lessons["1-from-rnn-to-lstm"]
    assert [s.page for s in first.steps] == ["why_lstm", "home", "data", "train", "gates", "compare"]


@pytest.mark.parametrize("text, message", [
    ("title = 'x'", "needs between 1 and"),
    (GOOD.replace('page = "train"', 'page = "nowhere"'), "step 1: page must be one of"),
    (GOOD.replace("= 3", "= 0"), "settings train.max_epochs = 0"),
    (GOOD + "colour = 'red'\n", "unknown keys ['colour']"),
    ("title = \n", "not valid TOML"),
])
def test_a_mistake_in_a_lesson_file_names_the_step_and_key(text, message):
    with pytest.raises(LessonError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_lesson(text, "mine")


def test_settings_accumulate_over_the_steps():
    lesson = parse_lesson(GOOD + '[[steps]]\npage = "gates"\ntext = "Look"\n', "mine")
    from lstm_core.config import ExperimentConfig

    assert lesson.config_at(1, ExperimentConfig()).train.max_epochs == 3


def test_css_keys_are_written_as_streamlit_writes_them():
    assert css_key("cfg:preprocess.keep_negations") == "cfg-preprocess-keep_negations"


def test_every_highlighted_control_exists_on_its_page(app_navigation):
    """Walk every shipped lesson in the app: each step opens its page, whose element has the key."""
    for name, lesson in read_lessons().items():
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.selectbox(key="tour_pick").select(name).run()
        for i, step in enumerate(lesson.steps):
            assert not at.exception, (name, i, at.exception)
            assert f"step {i + 1} of {len(lesson.steps)}" in " ".join(c.value for c in at.caption)
            if step.highlight:
                assert any(f".st-key-{css_key(step.highlight)} " in h.proto.body for h in at.get("html")), (name, i)
                assert step.highlight in _keys(at), (name, i, step.highlight)
            if step.gates_text:
                assert at.session_state["gates_text"] == step.gates_text
            if i + 1 < len(lesson.steps):
                at.button(key="tour_next").click().run()
        at.button(key="tour_end").click().run()
        assert not at.exception and at.session_state["tour_lesson"] is None


def _keys(at: AppTest) -> set[str]:
    """Every user key of an element drawn on the page (widgets and keyed charts)."""
    keys = set(at.session_state.filtered_state) if hasattr(at.session_state, "filtered_state") else set()
    for node in _walk(at._tree):
        key = getattr(node, "key", None)
        if key:
            keys.add(key)
    return keys


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)
