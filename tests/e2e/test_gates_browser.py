"""The Gates page end to end in headless Chromium: upload a tiny trained run on the Train page, open
Gates from the navigation, type a sentence, see the sentence as the model reads it and the gate
heatmaps; typed HTML stays text. (The app's own ``assets/default_run`` is never shown: the upload
makes the tiny run current for the session, and the sidebar says so.)
"""

from __future__ import annotations

import re

import pytest
from app_driver import goto_page, wait_idle
from helpers import trained_run  # the tiny run the explain tests train (tests/helpers.py)

from lstm_core.runs import export_bundle

pytestmark = pytest.mark.e2e


def test_typing_a_sentence_shows_what_the_model_read_and_the_heatmaps(app_server, page, tiny_imdb_dir, tmp_path):
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
    box.fill("Not good at all, a boring and dull film.")
    box.press("Control+Enter")
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
