"""The Gates page end to end in headless Chromium: upload a tiny trained run on the Train page, open
Gates from the navigation, type a sentence, see the sentence as the model reads it and the gate
heatmaps; typed HTML stays text; one word edited shows both versions and their difference; a probe
row clicked opens its review in the text box; the page fits a 1024×768 screen; the epoch slider
redraws the heatmaps with the weights of another epoch. (The app's own
``assets/default_run`` is never shown: the upload makes the tiny run current for the session, and the
sidebar says so.)
"""

from __future__ import annotations

import re

import pytest
from app_driver import goto_page, slider_to, wait_idle
from helpers import trained_run  # the tiny run the explain tests train (tests/helpers.py)

from lstm_core.runs import export_bundle

pytestmark = pytest.mark.e2e


def _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, text: str):
    """The Gates page of a fresh session whose current model is the tiny run, tracing ``text``."""
    from playwright.sync_api import expect

    bundle = tmp_path / "tiny-run.zip"
    bundle.write_bytes(export_bundle(trained_run(tiny_imdb_dir, tmp_path)))
    page.goto(f"{app_server.url}/train")
    page.get_by_text("Upload a run").wait_for(timeout=60_000)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bundle))
    expect(page.get_by_test_id("stSidebar")).to_contain_text("tiny lstm last", timeout=60_000)
    wait_idle(page)
    goto_page(page, "Gates")
    expect(page.get_by_role("heading", name="As the model reads it")).to_be_visible(timeout=60_000)
    box = page.get_by_role("textbox", name="Review")
    box.fill(text)
    box.press("Control+Enter")
    expect(page.locator(".lab-sentence")).to_contain_text(text.split()[-1].strip("."), timeout=30_000)
    wait_idle(page)
    return box


def test_typing_a_sentence_shows_what_the_model_read_and_the_heatmaps(app_server, page, tiny_imdb_dir, tmp_path):
    from playwright.sync_api import expect

    box = _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, "Not good at all, a boring and dull film.")
    sentence = page.locator(".lab-sentence")
    expect(sentence).to_contain_text("boring", timeout=30_000)  # the new text, not the example's
    wait_idle(page)  # the rerun is over: the example's paragraph (also 5 tokens) has been replaced
    verdict = page.get_by_text(re.compile(r"the current model, tiny lstm last, says (positive|negative): "
                                          r"P\(positive\) = [\d.]+% \(5 tokens,"))  # not good boring dull film
    expect(verdict).to_have_count(1)
    expect(verdict).to_be_visible()
    expect(sentence.locator(".lab-removed").first).to_have_text("at")  # dropped, and shown so

    heatmaps = page.locator(".js-plotly-plot").filter(has_text="forget gate f").first
    expect(heatmaps).to_be_visible()
    for title in ("input gate i", "candidate g", "output gate o", "cell state c", "hidden state h"):
        expect(heatmaps).to_contain_text(title)
    expect(heatmaps).to_contain_text("bore")  # a token (the lemma of "boring") on the shared word axis
    assert heatmaps.locator("g.hm").count() == 6  # six drawn heatmap layers
    expect(page.locator(".js-plotly-plot").filter(has_text="P(positive)").first).to_be_visible()

    box.fill('<script>window.__typed_script_ran = 1</script><b>great</b> film <img src=x onerror="window.__img=1">')
    box.press("Control+Enter")
    expect(page.get_by_text("nothing in them was run")).to_be_visible(timeout=30_000)
    assert page.evaluate("() => window.__typed_script_ran === undefined && window.__img === undefined")
    assert page.locator(".lab-sentence b").count() == 0 and page.locator(".lab-sentence img").count() == 0
    assert page.get_by_text("Traceback").count() == 0


def test_editing_one_word_shows_both_versions_and_their_difference(app_server, page, tiny_imdb_dir, tmp_path):
    from playwright.sync_api import expect

    _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, "This film is not good, a boring film.")
    page.get_by_text("What if one word were different?").click()
    expect(page.get_by_text(re.compile(r"As typed: P\(positive\) = [\d.]+%; edited: [\d.]+%"))).to_be_visible(
        timeout=30_000)
    diff = page.locator(".js-plotly-plot").filter(has_text="Edited minus as typed")
    expect(diff).to_be_visible()
    expect(diff).to_contain_text("Δ forget gate f")
    expect(diff).to_contain_text("−not")  # "not" removed by default, its column only in the text as typed
    assert diff.locator("g.hm").count() == 6
    ribbons = page.locator(".js-plotly-plot").filter(has_text="both versions")
    expect(ribbons).to_contain_text("as typed")
    expect(ribbons).to_contain_text("edited")

    page.get_by_text("swap for", exact=True).click()
    wait_idle(page)
    word = page.get_by_role("textbox", name="New word")
    word.fill("great")
    word.press("Enter")
    expect(diff).to_contain_text("+great", timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0


def test_a_probe_row_opens_its_review_in_the_text_box(app_server, page, tiny_imdb_dir, tmp_path):
    from playwright.sync_api import expect

    from lstm_core.probes import load_probes

    box = _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, "Not good at all, a boring film.")
    heading = page.get_by_role("heading", name="Where a bag of words fails")
    expect(heading).to_have_count(1, timeout=30_000)  # a rerun's stale copy gone (the fresh-clone run saw two)
    heading.scroll_into_view_if_needed()
    grid = page.get_by_test_id("stDataFrame")
    expect(grid).to_have_count(1, timeout=30_000)
    grid.scroll_into_view_if_needed()
    expect(grid).to_be_visible(timeout=30_000)
    wait_idle(page)
    at = grid.bounding_box()
    row = 2  # the third probe: header row, then 35 px per row; the selection boxes are the first column
    page.mouse.click(at["x"] + 16, at["y"] + 35 + 35 * row + 17)
    expect(box).to_have_value(load_probes()[row].text, timeout=30_000)
    expect(page.locator(".lab-sentence")).to_contain_text("music", timeout=30_000)  # "Great story, great acting, great music."


def test_the_page_fits_a_1024_by_768_screen(app_server, browser, tiny_imdb_dir, tmp_path):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, "The acting was wonderful but the plot was a mess.")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        cut = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stButton"] button *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
        assert cut == [], cut  # every example button's label shown whole
        for name in ("Review", ):
            box = page.get_by_role("textbox", name=name).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1024
    finally:
        context.close()


def test_the_page_follows_typing_without_ctrl_enter(app_server, page, tiny_imdb_dir, tmp_path):
    from playwright.sync_api import expect

    box = _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, "A great film.")
    box.click()
    box.press("End")
    box.press_sequentially(" Boring and dull.", delay=40)  # keys only: no Ctrl+Enter, no click outside
    expect(page.locator(".lab-sentence")).to_contain_text("dull", timeout=10_000)
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"says (positive|negative): P\(positive\) = [\d.]+% \(4 tokens,"))).to_be_visible()
    expect(box).to_be_focused()  # typing goes on in the box


def test_moving_the_epoch_slider_redraws_the_gates_at_that_epoch(app_server, page, tiny_imdb_dir, tmp_path):
    from playwright.sync_api import expect

    _gates_with_tiny_run(app_server, page, tiny_imdb_dir, tmp_path, "A wonderful film but the plot was dull.")
    expect(page.get_by_role("heading", name="Over training")).to_be_visible()
    expect(page.get_by_text(re.compile(r"The final model is epoch \d"))).to_be_visible()
    heatmaps = page.locator(".js-plotly-plot").filter(has_text="forget gate f").first
    cells = "el => JSON.stringify(el.data.map(t => t.z))"
    final = heatmaps.evaluate(cells)
    slider_to(page, "Epoch", ["Home"], "before training")
    expect(page.get_by_text(re.compile(r"the current model at before training of its training says"))).to_be_visible(
        timeout=30_000)
    before = heatmaps.evaluate(cells)
    assert before != final  # the same sentence, other weights: other gate values
    assert page.get_by_text("Traceback").count() == 0
