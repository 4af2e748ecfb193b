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


def pytest_collection_modifyitems(items):
    """The browser tests run one after another on one pytest-xdist worker (``--dist loadgroup`` in
    pytest.ini): each starts a server, a worker process and Chromium, and two such modules at once on
    2 cores would time each other out. The other tests share the second worker and fill the time the
    browser tests spend waiting for pages."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("browser"))
