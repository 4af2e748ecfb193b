"""The app as a student meets it: first page, first chart point, a default training to its end.

Starts ``streamlit run app.py`` (tests/e2e/app_driver.py), drives it in headless Chromium and
measures, from the browser:

- first page: server ready (``/_stcore/health`` answers) → the Home page's title and picture shown;
- first chart point: click on Train → the progress line "Epoch 1/… · batch" (drawn with the chart),
  once on the very first click, as soon as the Train page shows its button on a fresh server (the
  worker process may still be warming up), and once warm (one setting changed);
- default training: click on Train → the finished run's results (test metrics) shown;
- the same training again: click → its results, served from the run store (not trained again);
- stop: click on Stop → the run stopped and tested.

The server gets an empty run store of its own (``LSTM_LAB_RUNS``), so that nothing is replayed
from an earlier run of the bench; RSS of the server and its worker are read from /proc.

Writes the "App" section of bench/results.md and, with --screenshots DIR (default
docs/screenshots), home.png, data.png, train.png (during training) and train-results.png.
The machine is shared: the load average is reported with the figures.

    python bench/bench_app.py
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench"), str(REPO / "tests" / "e2e")]

from _results import update_section  # noqa: E402
from app_driver import AppServer, launch, slider_to, wait_idle  # noqa: E402
from lstm_core.workers import rss_bytes  # noqa: E402

FIRST_POINT = re.compile(r"^Epoch \d+/\d+ · batch")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screenshots", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.md", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.screenshots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = {}
    load_before = os.getloadavg()[0]
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log = REPO / "bench" / "out" / "bench_app_server.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        store = tempfile.mkdtemp(prefix="bench-app-runs-")
        with AppServer(log=log, env={"LSTM_LAB_RUNS": store}) as app:
            # The very first click on a fresh server: the Train page opened directly, Train pressed
            # as soon as it shows.
            page.set_viewport_size({"width": 1400, "height": 1250})
            page.goto(f"{app.url}/train")
            train = page.get_by_role("button", name="Train", exact=True)
            train.wait_for(timeout=60_000)
            t0 = time.perf_counter()
            figures["click_after_start"] = t0 - app.ready_at
            train.click()
            page.get_by_text(FIRST_POINT).wait_for(timeout=120_000)
            figures["first_point_cold"] = time.perf_counter() - t0
            page.get_by_text(re.compile(r"^Epoch 3/")).wait_for(timeout=300_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=args.screenshots / "train.png")
            page.get_by_role("heading", name=re.compile(r"^run 1: ")).wait_for(timeout=600_000)
            figures["default_training"] = time.perf_counter() - t0
            page.get_by_test_id("stMetricValue").first.wait_for()
            wait_idle(page)
            figures["test_accuracy"] = float(page.get_by_test_id("stMetricValue").first.inner_text().rstrip("%"))
            page.screenshot(path=args.screenshots / "train-results.png")

            t0 = time.perf_counter()  # the same training again: served from the store
            train.click()
            page.get_by_role("heading", name=re.compile(r"^run 2: ")).wait_for(timeout=120_000)
            page.get_by_test_id("stMetricValue").first.wait_for()
            figures["replayed"] = time.perf_counter() - t0
            wait_idle(page)

            slider_to(page, "Max epochs", ["ArrowLeft"], "7")  # another training: the worker is warm
            t0 = time.perf_counter()
            train.click()
            page.get_by_text(FIRST_POINT).wait_for(timeout=120_000)
            figures["first_point_warm"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            page.get_by_role("button", name="Stop").click()
            page.get_by_role("heading", name=re.compile(r"^run 3: ")).wait_for(timeout=120_000)
            figures["stop_to_results"] = time.perf_counter() - t0
            wait_idle(page)
            figures["server_rss"] = rss_bytes(app.proc.pid) / 2**20
            figures["worker_rss"] = sum(rss_bytes(pid) for pid in _children(app.proc.pid)) / 2**20

            page.set_viewport_size({"width": 1400, "height": 1000})
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home").click()
            page.get_by_role("heading", name="LSTM Lab").wait_for(timeout=60_000)
            page.get_by_test_id("stImage").locator("img").first.wait_for()
            wait_idle(page)
            page.screenshot(path=args.screenshots / "home.png")

            page.set_viewport_size({"width": 1400, "height": 2500})
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data").click()
            page.get_by_text("One review, step by step").wait_for(timeout=120_000)
            page.get_by_text("Test tokens covered").wait_for()
            wait_idle(page)
            page.screenshot(path=args.screenshots / "data.png")

        browser.close()
    load_after = os.getloadavg()[0]

    lines = [
        "The app in headless Chromium, driven by `bench/bench_app.py` (a fresh `streamlit run app.py` with an "
        "empty run store, the bundled data, the classroom defaults). Times are seen in the browser.",
        "",
        "| what | time | target |",
        "|---|---:|---:|",
        f"| first page (server ready → the Train page and its button shown) | {figures['click_after_start']:.1f} s "
        "| ≤ 4 s |",
        f"| first chart point, the very first click (on that button at once) | {figures['first_point_cold']:.1f} s "
        "| ≤ 3 s |",
        f"| first chart point, trainer warm | {figures['first_point_warm']:.1f} s | ≤ 3 s |",
        f"| default training, click → results with test metrics | {figures['default_training']:.0f} s "
        "| about a minute |",
        f"| the same training again, click → its results (replayed from the run store) | "
        f"{figures['replayed']:.1f} s | |",
        f"| Stop → stopped run tested and shown | {figures['stop_to_results']:.1f} s | |",
        "",
        f"RSS after these three trainings: server {figures['server_rss']:.0f} MB, its worker process "
        f"{figures['worker_rss']:.0f} MB.",
        "",
        f"Test accuracy of that run: {figures['test_accuracy']:.1f}%. Load average (1 min) before / after: "
        f"{load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPU cores (other work shares the machine); "
        f"Python {platform.python_version()}.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        update_section("App", text, args.results)
    return 0


def _children(pid: int) -> list[int]:
    """The worker processes of the server ``pid`` (its direct children)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


if __name__ == "__main__":
    sys.exit(main())
