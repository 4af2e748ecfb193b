"""The real app in headless Chromium: a fresh server, a tiny training, the chart and the metrics.

Tests run in file order on one server; the first one is the server's first request.
"""

from __future__ import annotations

import re

import pytest

from app_driver import goto_page, slider_to, wait_idle

pytestmark = pytest.mark.e2e


def test_a_direct_link_on_a_fresh_server_gets_the_whole_app(app_server, page):
    page.goto(f"{app_server.url}/train")
    page.get_by_role("heading", name="Train", exact=True).wait_for(timeout=30_000)
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Home", "Data", "Train"):
        assert nav.get_by_role("link", name=title).count() == 1
    assert page.get_by_text("Current model").count() == 1
    assert nav.get_by_role("link", name="app").count() == 0  # not Streamlit's legacy pages/ list


def test_home_shows_the_cell_and_where_to_start(app_server, page):
    page.goto(app_server.url)
    page.get_by_role("heading", name="LSTM Lab").wait_for(timeout=30_000)
    picture = page.get_by_test_id("stImage").locator("img").first
    picture.wait_for(timeout=30_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert page.get_by_text("Where to start").count() == 1


def test_train_a_tiny_model_and_see_the_chart_and_metrics(app_server, page):
    page.goto(f"{app_server.url}/data")
    page.get_by_text("One review, step by step").wait_for(timeout=60_000)
    slider_to(page, "Reviews per class and split", ["Home"], "10")
    page.get_by_text("20 training and 20 test reviews").wait_for(timeout=30_000)
    goto_page(page, "Train")
    slider_to(page, "Max epochs", ["Home", "ArrowRight"], "2")
    slider_to(page, "Max length (tokens)", ["Home"], "10")
    page.get_by_role("button", name="Train", exact=True).click()
    result = page.get_by_role("heading", name=re.compile(r"^run 1: LSTM"))
    live = page.get_by_text(re.compile(r"^Epoch \d/2 · batch"))
    live.or_(result).first.wait_for(timeout=120_000)  # a tiny run may end before the next poll
    page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=30_000)
    result.wait_for(timeout=180_000)
    metrics = page.get_by_test_id("stMetric")
    labels = [metrics.nth(i).get_by_test_id("stMetricLabel").inner_text() for i in range(5)]
    assert labels == ["Test accuracy", "Precision", "Recall", "F1", "TF-IDF + LR baseline"]
    value = metrics.first.get_by_test_id("stMetricValue").inner_text()
    assert re.fullmatch(r"\d{1,3}\.\d%", value), value
    # The result's metrics reach the browser before its two charts (one script run, sent element by element).
    page.get_by_test_id("stPlotlyChart").nth(1).wait_for(timeout=30_000)  # curves and confusion matrix
    page.locator(".js-plotly-plot .scatterlayer .trace").first.wait_for(state="attached", timeout=30_000)
    assert page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^run 1: LSTM")).count() == 1
    assert page.get_by_role("button", name="Train", exact=True).is_enabled()


def test_a_path_that_is_not_imdb_is_refused_on_the_page(app_server, page, tmp_path):
    page.goto(f"{app_server.url}/data")
    page.get_by_text("One review, step by step").wait_for(timeout=60_000)
    page.get_by_text("Full dataset by path").click()
    wait_idle(page)
    box = page.get_by_label("Path to aclImdb_v1.tar.gz or an extracted aclImdb/ folder")
    box.fill(str(tmp_path))
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Use this data").click()
    page.get_by_text("This data cannot be used").wait_for(timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0
    assert page.get_by_text("Bundled IMDB sample").count() >= 1  # still the previous data


def test_an_upload_that_is_no_bundle_is_refused(app_server, page, tmp_path):
    fake = tmp_path / "model.zip"
    fake.write_text("this is not a zip file")
    page.goto(f"{app_server.url}/train")
    page.get_by_text("Upload a run").wait_for(timeout=30_000)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(fake))
    page.get_by_text("This file cannot be used").wait_for(timeout=30_000)
    assert page.get_by_text("not a run bundle").count() >= 1 and page.get_by_text("Traceback").count() == 0
