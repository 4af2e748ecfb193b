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


# The browser modules in two groups of about equal length (seconds each took alone): a group's
# modules run one after another on one pytest-xdist worker, the two groups side by side.
LANE_A = {"test_gates_browser.py", "test_i18n_browser.py", "test_takeover_browser.py", "test_why_lstm_browser.py"}


def pytest_collection_modifyitems(items):
    """Browser tests run in two groups (``--dist loadgroup`` in pytest.ini), each module's tests one
    after another on one xdist worker: a module starts a server, a worker process and Chromium.
    The other tests fill the time the browser tests wait for pages."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("browser-a" if item.path.name in LANE_A else "browser-b"))
