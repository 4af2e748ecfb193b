"""The Compare page in Streamlit's AppTest with the tiny model: settings, own vector files (good,
wrong dimension, malformed), one comparison trained in the background, the table, neighbours, maps.
The page's trainer is a JobManager without warm-up (``ui.state.job_manager`` is patched)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import compare_config, english_left, shown_texts, write_vectors
from streamlit.testing.v1 import AppTest

import ui.state
from lstm_core.jobs import JobManager

pytestmark = pytest.mark.usefixtures("app_navigation")  # conftest: run pages as app.py's navigation does

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "compare.py")
TIMEOUT = 60
NAMES = {"data", "GoogleNews-vectors-negative300", "bin"}  # the example path's words: a file's name
WORDS = {"the", "zebra", "great", "awful"}  # the words typed below: tokens the model reads


@pytest.fixture(scope="module")
def manager():
    m = JobManager()
    yield m
    m.close()


def opened(data_dir, vectors, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[ui.state._CONFIG] = compare_config(data_dir, vectors, max_epochs=2).replace(
        model={"embedding_path": None})
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def page(data_dir, vectors, manager, monkeypatch):
    monkeypatch.setattr(ui.state, "job_manager", lambda: manager)
    return opened(data_dir, vectors)


def run(at):
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at, kind: str) -> str:
    return " ".join(el.value for el in at.get(kind))


def use_own_file(at, path) -> AppTest:
    at.toggle(key="cmp_own").set_value(True)
    run(at)
    at.text_input(key="cmp_path").input(str(path))
    run(at)
    at.button(key="cmp_check").click()
    return run(at)


def finish(at, curve=False) -> AppTest:
    """Press Compare, see the live view, wait for the job, draw the results."""
    if curve:  # the default sizes are all above the tiny data's 8 training reviews: no extra training
        at.toggle(key="cmp_curve").set_value(True)
        run(at)
    at.button(key="cmp_start").click()
    run(at)
    job = at.session_state["lab_job"]
    if not job.wait(0):  # queued or training: the live view is up
        assert any(b.label in ("Stop", "Cancel") for b in at.button)  # Cancel while queued
        assert at.get("plotly_chart") or "starts automatically" in texts(at, "info")
    assert job.wait(180), job.snapshot().phase
    assert job.snapshot().error is None, job.snapshot().error
    return run(at)


def test_first_open_explains_and_offers_the_settings(page):
    assert page.title[0].value == "Compare"
    assert "Press **Compare**" in texts(page, "info")
    assert page.checkbox(key="cmp_frozen").value and page.select_slider(key="cmp_target").value == 0.85
    assert "bundled with the app" in " ".join(c.value for c in page.caption)
    assert not page.get("plotly_chart")


def test_with_lang_ja_the_page_and_its_vector_check_speak_japanese(data_dir, vectors, manager, monkeypatch):
    monkeypatch.setattr(ui.state, "job_manager", lambda: manager)
    at = opened(data_dir, vectors, lang="ja")
    assert at.title[0].value == "比較" and "**比較する** を押すと" in texts(at, "info")
    assert english_left(shown_texts(at), allowed=NAMES) == []
    use_own_file(at, vectors)
    assert "にベクトルがあります" in texts(at, "success")
    assert english_left(shown_texts(at), allowed=NAMES) == []


def test_with_lang_en_the_page_is_english(data_dir, vectors, manager, monkeypatch):
    monkeypatch.setattr(ui.state, "job_manager", lambda: manager)
    at = opened(data_dir, vectors, lang="en")
    assert at.title[0].value == "Compare" and "Press **Compare**" in texts(at, "info")


def test_own_vector_file_is_checked_with_coverage(page, vectors):
    use_own_file(page, vectors)
    assert "vocabulary words" in texts(page, "success") and "have a vector" in texts(page, "success")


def test_wrong_dimension_is_explained_and_fixed_in_one_click(page, tmp_path):
    use_own_file(page, write_vectors(tmp_path / "five.txt", dim=5))
    assert "have dimension 5, but the model's embedding has 8" in texts(page, "error")
    page.button(key="cmp_fix_dim").click()
    run(page)
    assert page.session_state[ui.state._CONFIG].model.embedding_dim == 5
    page.button(key="cmp_check").click()
    run(page)
    assert "have a vector" in texts(page, "success") and not page.error


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01 not vectors at all", "not a word2vec file"),
    (b"3 8\ngood 0.1 0.2\n", "line 2 has 2 numbers; expected 8"),
])
def test_malformed_files_get_a_clear_message(page, tmp_path, content, message):
    bad = tmp_path / ("bad.bin" if content.startswith(b"\x00") else "bad.txt")
    bad.write_bytes(content)
    use_own_file(page, bad)
    assert message in texts(page, "error")
    page.text_input(key="cmp_path").input(str(tmp_path / "nowhere.vec"))
    run(page)  # a path that does not exist is named at once, with no Check button to press
    assert "does not exist" in texts(page, "error") and not [b for b in page.button if b.key == "cmp_check"]


def test_a_comparison_trains_and_shows_table_neighbours_and_maps(page, vectors):
    use_own_file(page, vectors)
    finish(page, curve=True)
    table = page.dataframe[0].value
    assert list(table["variant"]) == ["random, trained", "word2vec, fine-tuned", "word2vec, frozen"]
    assert "epochs to 85% val" in table.columns
    assert "Epochs to 85% validation accuracy" in " ".join(c.value for c in page.caption)
    charts = [c.proto.id for c in page.get("plotly_chart")]
    assert len(charts) == 3  # curves, learning curve, map
    neighbours = [t.value for t in page.table]  # one per model
    assert len(neighbours) == 3
    for nb in neighbours:
        assert list(nb.columns) == ["before training", "after training"] and len(nb) == 8

    page.text_input(key="cmp_word").input("boring")
    run(page)
    assert any("Looked up as **bore**" in c.value for c in page.caption)
    page.text_input(key="cmp_word").input("zebra")
    run(page)
    assert "'zebra' is not in the vocabulary" in texts(page, "warning")
    page.text_input(key="cmp_word").input("the")
    run(page)
    assert "stopword" in texts(page, "warning")

    page.radio(key="cmp_map_method").set_value("tsne")
    run(page)
    assert len(page.get("plotly_chart")) == 3
    page.text_area(key="cmp_map_words").input("great awful zebra")
    run(page)
    assert "at least 3 words" in texts(page, "warning")

    page.query_params["lang"] = "ja"  # the same results, read in Japanese
    run(page)
    assert english_left(shown_texts(page), allowed=NAMES | WORDS) == []
    assert "3 語以上必要です" in texts(page, "warning") and "ストップワード" in texts(page, "warning")
    assert list(page.dataframe[0].value["初期値"]) == ["ランダム（学習する）", "word2vec（微調整する）", "word2vec（固定）"]


def test_a_bad_vector_path_fails_the_job_with_its_message(page, tmp_path):
    page.toggle(key="cmp_own").set_value(True)
    run(page)
    page.text_input(key="cmp_path").input(str(write_vectors(tmp_path / "wide.txt", dim=5)))
    page.button(key="cmp_start").click()
    run(page)
    job = page.session_state["lab_job"]
    assert job.wait(60)
    run(page)
    assert "have dimension 5" in texts(page, "error")
    page.button(key="cmp_fix_dim_job").click()  # the fix is offered here too
    run(page)
    assert page.session_state[ui.state._CONFIG].model.embedding_dim == 5
