"""The Why LSTM page in Streamlit's AppTest: every section with its measured figure and caption, the two
starts, a review through a tiny model, the link into the Gates page, a tiny memory sweep trained in the
background, and the messages for bad input and a missing model. The page's trainer is a JobManager
without warm-up (``ui.state.job_manager`` is patched); its model a tiny run made the default run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import english_left, shown_texts, trained_run
from streamlit.testing.v1 import AppTest

import ui.state
from lstm_core.jobs import JobManager

pytestmark = pytest.mark.usefixtures("app_navigation")
ROOT = Path(__file__).resolve().parent.parent
PAGE, APP = str(ROOT / "pages" / "why_lstm.py"), str(ROOT / "app.py")
TIMEOUT = 90  # the first run loads TensorFlow and measures three networks
KEPT = {"tiny", "last"}  # the tiny run's name, "tiny lstm last", stays as it is in Japanese too


@pytest.fixture(scope="module")
def manager():
    m = JobManager()
    yield m
    m.close()


@pytest.fixture(scope="module")
def out_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("why-runs")


@pytest.fixture
def model(tiny_imdb_dir, out_root, manager, monkeypatch):
    monkeypatch.setattr(ui.state, "job_manager", lambda: manager)
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", trained_run(tiny_imdb_dir, out_root))


@pytest.fixture
def page(model):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    return run(at)


def run(at):
    at.run()
    assert not at.exception, at.exception
    return at


def japanese(at):
    """The page in Japanese, as a link with lang=ja opens it."""
    at.query_params["lang"] = "ja"
    return run(at)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def chart_titles(at) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_first_open_shows_each_idea_with_its_measurement(page):
    assert page.title[0].value == "Why LSTM"
    heads = [h.value for h in page.header]
    assert heads == ["1 · A plain RNN loses its gradient", "2 · Two weight conflicts", "3 · The LSTM cell",
                     "4 · A memory task: who remembers the value?", "5 · The three cells on the movie reviews"]
    latex = " ".join(el.value for el in page.get("latex"))
    for piece in (r"h_t = \tanh", r"\prod_{s=t+1}^{T}", r"c_t &= f_t \odot c_{t-1} + i_t \odot g_t", "o_t &="):
        assert piece in latex
    assert page.get("imgs") or page.get("image")
    specs = chart_titles(page)
    assert any("fresh networks" in s and '"type":"log"' in s for s in specs)  # the gradient plot, log scale
    assert any("product of the forget gates" in s for s in specs)  # the review's cell path
    text = captions(page)
    # chrono + N(0, 1): the SimpleRNN's gradient at distance 50 is 10^5 times weaker or more, the LSTM's not
    ratios = re.search(r"SimpleRNN [\d.]+×10[⁰¹²³⁴⁵⁶⁷⁸⁹]+× \(d = 100: [^)]+\); LSTM ([\d.]+)× ", text)
    assert ratios, text
    assert float(ratios.group(1)) < 1000
    assert "of what the word 20 from the end wrote into the cell" in text
    assert "Press **Train the sweep**" in " ".join(i.value for i in page.info)
    body = "".join(el.proto.body for el in page.get("html"))
    assert body.count('class="why-value"') == 1 and body.count('class="why-marker"') == 1


def test_with_lang_ja_the_page_speaks_japanese_and_lang_en_brings_english_back(model):
    at = japanese(AppTest.from_file(PAGE, default_timeout=TIMEOUT))
    assert at.title[0].value == "なぜLSTMか"
    assert [h.value for h in at.header][:3] == ["1 · 単純な RNN は勾配を失う", "2 · 二つの重み衝突", "3 · LSTM のセル"]
    shown = shown_texts(at)
    assert english_left(shown, allowed=KEPT) == []
    assert any("SimpleRNN（学習前）" in s for s in shown) and any("忘却ゲートの積" in s for s in shown)
    assert "セル経路" in " ".join(el.value for el in at.get("latex"))
    at.query_params["lang"] = "en"
    run(at)
    assert at.title[0].value == "Why LSTM" and "Press **Train the sweep**" in " ".join(i.value for i in at.info)


def test_the_start_changes_the_measured_gradients(page):
    before = captions(page)
    page.radio(key="why_init").set_value("default")
    run(page)
    after = captions(page)
    assert after != before and "LSTM" in after


def test_an_empty_review_gets_a_message(page):
    page.text_area(key="why_text").input("   ")
    run(page)
    assert any("empty" in w.value for w in page.warning)


def test_no_cell_chosen_disables_the_sweep(page):
    page.multiselect(key="why_cells").set_value([])
    run(page)
    assert any("Choose at least one cell" in w.value for w in page.warning)
    assert page.button(key="why_start").disabled


def test_a_tiny_sweep_trains_in_the_background_and_shows_accuracy_and_gradients(page):
    page.multiselect(key="why_cells").set_value(["lstm"])
    page.multiselect(key="why_distances").set_value([5])
    page.slider(key="why_epochs").set_value(1)
    page.select_slider(key="why_train").set_value(500)
    run(page)
    page.button(key="why_start").click()
    run(page)
    job = page.session_state["lab_job"]
    if not job.wait(0):
        assert any(b.label in ("Stop", "Cancel") for b in page.button)  # Cancel while queued
    assert job.wait(120), job.snapshot().phase
    assert job.snapshot().error is None, job.snapshot().error
    run(page)
    specs = chart_titles(page)
    assert any("test accuracy vs distance" in s for s in specs)
    assert any("before and after training at k = 5" in s and "LSTM, trained at k=5" in s for s in specs)
    text = captions(page)
    assert re.search(r"Measured on 1,000 fresh sequences each \(chance 50.0%\): LSTM \d+\.\d% at k = 5", text)
    assert "Distance 1 over distance 50 after training: LSTM" in text
    japanese(page)  # the same results, read in Japanese
    shown = shown_texts(page)
    assert english_left(shown, allowed=KEPT) == []
    assert any("LSTM（k=5 で学習後）" in s for s in shown) and "それぞれ新しい系列 1,000 本で計測しました" in captions(page)


def test_the_review_opens_on_the_gates_page(model):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run(at)
    at.switch_page("pages/why_lstm.py")
    run(at)
    at.text_area(key="why_text").input("A wonderful film, not boring at all.")
    run(at)
    at.button(key="why_to_gates").click()
    run(at)
    assert at.title[0].value == "Gates"
    assert at.text_area(key="gates_text").value == "A wonderful film, not boring at all."


def test_without_a_model_the_review_part_says_what_to_do(tmp_path, manager, monkeypatch):
    monkeypatch.setattr(ui.state, "job_manager", lambda: manager)
    monkeypatch.setattr(ui.state, "DEFAULT_RUN", tmp_path / "no_default_run")
    at = run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))
    assert any("Train a model on the Train page" in i.value for i in at.info)
    assert any("fresh networks" in s for s in chart_titles(at))  # the other sections need no model


def test_the_three_cells_race_on_the_train_pages_settings(model, tiny_imdb_dir):
    from test_pipeline_cli import tiny_config

    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[ui.state._CONFIG] = tiny_config(tiny_imdb_dir, max_epochs=1)
    run(at)
    assert "up to 1 epochs" in captions(at)
    at.button(key="why_race_start").click()
    run(at)
    job = at.session_state["lab_job"]
    assert job.wait(120), job.snapshot().phase
    assert job.snapshot().error is None, job.snapshot().error
    run(at)
    (table,) = [d.value for d in at.dataframe]
    assert list(table["cell"]) == ["SimpleRNN", "LSTM", "GRU"]
    assert any("The three cells on the same reviews" in s for s in chart_titles(at))
    assert re.search(r"Measured on the test reviews: SimpleRNN [\d.]+% \([\d.]+ s per epoch, [\d.]+% of the 12 probe",
                     captions(at))
    japanese(at)
    assert english_left(shown_texts(at), allowed=KEPT) == []
    assert list(at.dataframe[0].value.columns)[:2] == ["セル", "テスト正解率"]
