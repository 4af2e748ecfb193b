"""Guided lessons: the shipped files parse, every step's control exists on its page, and a student can
walk a lesson with Next and Back; a teacher's mistake in a file is named."""

from __future__ import annotations

import pytest
from helpers import APP, english_left
from lstm_core.i18n import text
from lstm_core.lessons import LessonError, parse_lesson, read_lessons
from streamlit.testing.v1 import AppTest
from ui.tour import PAGE_FILES, css_key

MODEL_WORDS = {"not", "good", "but",  # words of the reviews, quoted as the model reads them
               "word", "vec"}  # word2vec, which the word pattern reads as two words

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


def test_a_mistake_reads_in_japanese_too():
    with pytest.raises(LessonError) as caught:
        parse_lesson(GOOD.replace('page = "train"', 'page = "nowhere"'), "mine")
    japanese = text("ja", caught.value.key, **caught.value.fields)
    assert "レッスン mine のステップ 1" in japanese and "nowhere" in japanese
    with pytest.raises(LessonError, match="text_ja must be between 1 and"):
        parse_lesson(GOOD + "text_ja = 3\n", "mine")
    with pytest.raises(LessonError, match="title_ja must be a text of 1 to"):
        parse_lesson('title_ja = ""\n' + GOOD, "mine")


def test_a_step_reads_in_the_reader_s_language_with_english_the_fallback():
    lesson = parse_lesson('title_ja = "題"\n' + GOOD + 'text_ja = "学習する を押してください"\n'
                          '[[steps]]\npage = "gates"\ntext = "Look"\n', "mine")
    assert (lesson.title_in("ja"), lesson.title_in("en")) == ("題", "t")
    assert [s.text_in("ja") for s in lesson.steps] == ["学習する を押してください", "Look"]
    assert [s.text_in("en") for s in lesson.steps] == ["Press Train", "Look"]


def test_the_shipped_lessons_are_in_japanese_too():
    for lesson in read_lessons().values():
        assert "ja" in lesson.titles and all("ja" in step.texts for step in lesson.steps), lesson.name
        japanese = [lesson.title_in("ja")] + [step.text_in("ja") for step in lesson.steps]
        assert english_left(japanese, allowed=MODEL_WORDS) == [], lesson.name
        assert all("\n" not in t for t in japanese)  # lines joined: a line break would show as a space


def test_a_lesson_in_japanese_shows_its_step_in_japanese(app_navigation):
    lesson = read_lessons()["1-from-rnn-to-lstm"]
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "ja"
    at.session_state["tour_lesson"], at.session_state["tour_step"] = lesson.name, 1  # the Home page's step
    at.run()
    assert not at.exception, at.exception
    step = lesson.steps[1]
    assert step.page == "home" and any(m.value == step.text_in("ja") for m in at.markdown)
    (caption,) = [c.value for c in at.caption if "ステップ" in c.value]
    assert caption == f"{lesson.title_in('ja')} · ステップ 2 / 6"
    banner = [caption, step.text_in("ja")] + [at.button(key=k).label for k in ("tour_back", "tour_next", "tour_end")]
    assert english_left(banner, allowed=MODEL_WORDS) == []
    picker = at.selectbox(key="tour_pick")
    assert picker.label == "ガイド付きレッスン" and lesson.title_in("ja") in picker.options
    assert at.toggle(key="lab_presenter").label == "プレゼンターモード"
    at.button(key="tour_next").click().run()  # to the Data page's step, still in Japanese
    assert not at.exception, at.exception
    assert any(m.value == lesson.steps[2].text_in("ja") for m in at.markdown)


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
