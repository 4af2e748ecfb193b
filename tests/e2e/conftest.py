"""A fresh ``streamlit run app.py`` per test module and Debian's Chromium through Playwright.

Skipped, with the reason, when /usr/bin/chromium is absent (``apt-get install chromium``).
"""

from __future__ import annotations

import pytest

from app_driver import CHROMIUM, AppServer, launch


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with AppServer(log=log) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()
