"""The Compare page end to end in headless Chromium: make the session's settings tiny (Data and Train
pages), start a comparison, see the three models' curves overlaid, look up neighbours, show the map."""

from __future__ import annotations

import pytest

from app_driver import goto_page, slider_to, wait_idle

pytestmark = pytest.mark.e2e


def test_a_tiny_comparison_overlays_the_curves_and_shows_neighbours_and_a_map(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server.url}/data")
    page.get_by_text("One review, step by step").wait_for(timeout=60_000)
    slider_to(page, "Reviews per class and split", ["Home"], "10")  # of the bundled sample
    goto_page(page, "Train")
    slider_to(page, "Max epochs", ["Home", "ArrowRight"], "2")
    slider_to(page, "Max length (tokens)", ["Home"], "10")
    goto_page(page, "Compare")
    expect(page.get_by_text("up to 2 epochs")).to_be_visible()  # the Train page's settings are used
    page.get_by_role("button", name="Compare", exact=True).click()

    # live, then final: every model's validation curve in one chart (legend entries of one plot)
    chart = page.locator(".js-plotly-plot").filter(has_text="random, trained: validation").first
    expect(chart).to_be_visible(timeout=120_000)
    for name in ("word2vec, fine-tuned: validation", "word2vec, frozen: validation"):
        expect(chart).to_contain_text(name, timeout=120_000)
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("Epochs to 85% validation accuracy")).to_be_visible()
    wait_idle(page)

    word = page.get_by_role("textbox", name="A word")
    word.fill("film")
    word.press("Enter")
    wait_idle(page)
    expect(page.locator("table").filter(has_text="before training").first).to_contain_text("after training")
    word.fill("zebra")
    word.press("Enter")
    expect(page.get_by_text("'zebra' is not in the vocabulary")).to_be_visible(timeout=30_000)

    word_map = page.locator(".js-plotly-plot").filter(has_text="before training").first
    expect(word_map).to_be_visible(timeout=30_000)
    expect(word_map).to_contain_text("movie")
