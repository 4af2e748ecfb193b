"""Start ``streamlit run app.py`` on a free port and drive it with Debian's Chromium (Playwright).

Shared by the browser tests (``conftest.py``) and ``bench/bench_app.py``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``with AppServer() as app: app.url`` — the app in a subprocess of its own process group."""

    def __init__(self, log: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}  # the app needs no NLTK data
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.ready_at = 0.0  # time.perf_counter() when /_stcore/health first answered ok

    def __enter__(self) -> "AppServer":
        out = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1"],
            cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self) -> None:
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with status {self.proc.returncode} (log: {self.log_path})")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as r:
                    if r.read().strip() == b"ok":
                        self.ready_at = time.perf_counter()
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"streamlit did not answer on {self.url} within {self.timeout:.0f} s")

    def __exit__(self, *exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# --------------------------------------------------------------------------------------------- actions


def slider_to(page, label: str, keys: list[str], expect: str) -> None:
    """Move a slider with the keyboard ("Home", "End", "ArrowRight" …) until it shows ``expect``,
    then wait for the app's rerun."""
    box = page.get_by_test_id("stSlider").filter(has=page.get_by_text(label, exact=True))
    for key in keys:  # one at a time: each change reruns the app, which redraws the slider
        box.get_by_role("slider").press(key)
        wait_idle(page)
    thumb = box.get_by_test_id("stSliderThumbValue")
    for _ in range(20):  # a key pressed while a rerun redrew the slider can be lost: step to the value
        shown = thumb.inner_text().strip()
        if shown == expect or not _number(shown) or not _number(expect):
            break
        box.get_by_role("slider").press("ArrowRight" if float(shown) < float(expect) else "ArrowLeft")
        wait_idle(page)
    thumb.filter(has_text=re.compile(rf"^{re.escape(expect)}$")).wait_for()


def _number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the app is not running its script (Streamlit's status widget is gone)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=timeout)


def goto_page(page, title: str) -> None:
    """Change page through the sidebar navigation (keeps the session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for()
    wait_idle(page)
