"""The Gates page in Japanese, end to end in headless Chromium: ``/gates?lang=ja`` on a fresh session opens the
page in Japanese with no English left in what the reader sees (the main area and the sidebar, the charts'
SVG text included) but what stays English in every language: the reviews and tokens the model reads, the
model's and its data set's names, and the names in ``tests/helpers.SAME_IN_EVERY_LANGUAGE``. The URL keeps
``lang=ja``; the sidebar's English / 日本語 switch brings the English page back.

Streamlit's own chrome (the running status, the main menu, the toolbar) is not the app's and is not read:
only ``[data-testid="stMain"]`` and ``[data-testid="stSidebar"]``. Formulas (KaTeX) and code spans are left
out too, as ``helpers.english_left`` leaves out ``$…$`` and backticks.

``LSTM_LAB_SCREENSHOTS=1`` also writes the Japanese page, 1400×1000, to ``docs/screenshots/gates_ja.png``.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from app_driver import REPO, wait_idle
from helpers import english_left

from lstm_core.config import ExperimentConfig
from lstm_core.preprocessing import Cleaner
from lstm_core.probes import load_probes
from lstm_core.storage import ASSETS
from ui.readings import EXAMPLES

pytestmark = pytest.mark.e2e

DEFAULT_RUN = ASSETS / "default_run"  # what a fresh session's Gates page shows
CHARTS = 7  # time-lapse, ribbon, heatmaps, means, one unit, saturation, probes
SCREENSHOT = REPO / "docs" / "screenshots" / "gates_ja.png"

# The visible text under each root, one string per text node (SVG text included) and the placeholder of each
# empty box, leaving out what is not the app's words: the sentence's word chips (.lab-sentence: the typed
# review), formulas, code spans, the probe table's cells (the probe reviews, drawn on a canvas), the boxes' own
# values and Material icons (their text is the icon's name, "home", drawn as a picture by the icon font).
VISIBLE_TEXT = """(roots) => {
  const skip = ['.lab-sentence', '.katex', 'code', 'textarea', 'input', 'style', 'script', '[data-testid="stDataFrame"]',
                '[data-testid="stIconMaterial"]'].join(', ');
  const out = [];
  for (const selector of roots) {
    const root = document.querySelector(selector);
    if (!root) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, el = node.parentElement;
      if (!el || !node.textContent.trim() || el.closest(skip)) continue;
      if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
      out.push(node.textContent);
    }
    for (const box of root.querySelectorAll('input[placeholder], textarea[placeholder]'))
      if (!box.value && box.checkVisibility()) out.push(box.placeholder);
  }
  return out;
}"""


def _example_texts() -> list[str]:
    """The Gates page's example reviews (ui.readings.EXAMPLES)."""
    return [text for text, _ in EXAMPLES.values()]


def _words(*texts: str) -> set[str]:
    return {w.lower() for t in texts for w in re.findall(r"[A-Za-z][A-Za-z'-]*", t)}


def model_words(review: str) -> set[str]:
    """What stays English: the example and probe reviews and the review in the box, the tokens the model reads of
    it (lemmas such as 'act' from 'acting'), the unknown-word token, the model's and its data set's names."""
    config = ExperimentConfig.from_dict(json.loads((DEFAULT_RUN / "config.json").read_text()))
    meta = json.loads((DEFAULT_RUN / "meta.json").read_text())
    info = json.loads((DEFAULT_RUN / "history.json").read_text()).get("info", {})
    tokens = Cleaner(config.preprocess).clean(review)
    return (_words(*_example_texts(), *(p.text for p in load_probes()), review, *tokens, meta["name"],
                   info.get("data", ""), config.train.monitor) | {"oov"})


def _open_japanese_gates(app_server, page) -> str:
    """The Gates page of a fresh session in Japanese, drawn; the review in its box."""
    from playwright.sync_api import expect

    page.goto(f"{app_server.url}/gates?lang=ja")
    expect(page.get_by_role("heading", name="ゲート", exact=True)).to_be_visible(timeout=180_000)
    expect(page.get_by_role("heading", name="モデルが読んだとおりの文")).to_be_visible(timeout=180_000)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(CHARTS, timeout=180_000)
    wait_idle(page, timeout=180_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(CHARTS, timeout=60_000)  # every chart drawn
    return page.get_by_role("textbox", name="レビュー", exact=True).input_value()


def test_the_gates_page_in_japanese_shows_no_english_but_what_the_model_reads(app_server, page):
    review = _open_japanese_gates(app_server, page)
    assert "lang=ja" in page.url
    main = page.evaluate(VISIBLE_TEXT, ['[data-testid="stMain"]'])
    assert any("忘却ゲート f" in t for t in main) and any("P(positive)" in t for t in main)  # the charts were read
    assert english_left(main, model_words(review)) == []
    sidebar = page.evaluate(VISIBLE_TEXT, ['[data-testid="stSidebar"]'])
    assert any("ゲート" in t for t in sidebar)
    allowed = model_words(review) | {"English"}  # the switch names each language in it
    assert english_left(sidebar, allowed) == []
    if os.environ.get("LSTM_LAB_SCREENSHOTS") and SCREENSHOT.parent.is_dir():
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOT))


def test_the_sidebar_switch_brings_the_english_page_back(app_server, page):
    from playwright.sync_api import expect

    _open_japanese_gates(app_server, page)
    page.get_by_test_id("stSidebar").locator(".st-key-lab_lang_pick").get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Gates", exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="As the model reads it")).to_be_visible(timeout=60_000)
    wait_idle(page, timeout=120_000)
    assert "lang=ja" not in page.url
    assert page.get_by_text("Traceback").count() == 0
