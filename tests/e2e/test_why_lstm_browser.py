"""The Why LSTM page end to end in headless Chromium: the measured gradient plot is drawn, then a small
memory sweep (two distances, one epoch of 500 sequences) trains in the background with live curves and
ends with the accuracy-vs-distance chart and its measured caption."""

from __future__ import annotations

import re

import pytest

from app_driver import slider_to, wait_idle

pytestmark = pytest.mark.e2e


def remove_chip(page, label: str, chip: str) -> None:
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))
    box.locator(".react-aria-ComboBox").get_by_role("button", name=f"Remove {chip}", exact=True).click()
    wait_idle(page)


def test_a_small_memory_sweep_draws_live_curves_and_the_accuracy_chart(app_server, page):
    from playwright.sync_api import expect

    page.goto(app_server.url)
    expect(page.get_by_role("heading", name="LSTM Lab", exact=True)).to_be_visible(timeout=60_000)
    wait_idle(page, timeout=60_000)
    # as app_driver.goto_page, with room for the first measurement (TensorFlow's import) on a busy machine
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Why LSTM").click()
    expect(page.get_by_role("heading", name="Why LSTM", exact=True)).to_be_visible(timeout=90_000)
    gradients = page.locator(".js-plotly-plot").filter(has_text="fresh networks").first
    expect(gradients).to_be_visible(timeout=90_000)
    expect(gradients).to_contain_text("SimpleRNN, untrained")
    wait_idle(page, timeout=90_000)

    remove_chip(page, "Distances k", "80")
    remove_chip(page, "Distances k", "40")
    remove_chip(page, "Cells", "GRU")
    slider_to(page, "Epochs", ["Home"], "1")
    slider_to(page, "Training sequences", ["Home"], "500")
    page.get_by_role("button", name="Train the sweep").click()

    accuracy = page.locator(".js-plotly-plot").filter(has_text="test accuracy vs distance").first
    expect(accuracy).to_be_visible(timeout=180_000)
    for name in ("SimpleRNN", "LSTM", "chance"):
        expect(accuracy).to_contain_text(name)
    expect(page.get_by_text(re.compile(r"Measured on 1,000 fresh sequences each \(chance 50\.0%\): "
                                       r"SimpleRNN [\d.]+% at k = 10.*; LSTM [\d.]+% at k = 10"))).to_be_visible()
    expect(page.locator(".js-plotly-plot").filter(has_text="before and after training at k = 10").first) \
        .to_be_visible(timeout=60_000)
