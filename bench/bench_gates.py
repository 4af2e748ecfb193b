"""How long gate tracing takes (200 tokens through 64 units; target <= 20 ms) and how soon the Gates page
updates after typing (target <= 1 s).

Tracing: ``lstm_core.gates`` (NumPy, float64) on one 200-token sequence of 128-d embeddings — the
default ``ExperimentConfig`` sizes — as the median of many runs, for LSTM, GRU and SimpleRNN, and the
same sequence through the Keras layer itself (eager call and compiled ``predict_on_batch``), which
returns h but no gates.

Page update, with the bundled default model (``assets/default_run``), for a one-sentence review and
a 200-token one: ``explain`` alone; the five figures built; the page script rerun after the text
changes (Streamlit's AppTest, in process: widgets, ``explain``, figures, serialisation); and in headless
Chromium against ``streamlit run app.py``, from Ctrl+Enter in the text box to the page fully redrawn
(the new token count shown and no element left stale). Prints tables and writes the "Gate tracing"
section of ``bench/results.md``.

    python bench/bench_gates.py [--repeats 300] [--page-repeats 10] [--no-page] [--no-browser] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from lstm_core.gates import trace_layer  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
N_TOKENS, UNITS, EMBEDDING_DIM = 200, 64, 128
TARGET_MS = 20.0
PAGE_TARGET_MS = 1000.0
SHORT_TEXTS = ("The acting was wonderful but the plot was a mess.",  # 5 tokens, then 6
               "The acting was wonderful but the plot was a terrible mess.")
LONG_REVIEW = (
    "I went in expecting a light comedy and for the first half hour that is exactly what I got. The two leads "
    "have real chemistry, the jokes land, and the small-town setting is shot with obvious love. Then the film "
    "changes its mind. A dull subplot about a stolen painting takes over, the supporting characters vanish, and "
    "the dialogue turns into long speeches that go nowhere. The music, so charming at the start, becomes loud "
    "and repetitive. By the final act I had stopped caring about anyone on screen. The ending tries to win us "
    "back with a sentimental reunion, but it feels cheap and unearned. A promising start wasted.")
CELLS = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU, "SimpleRNN": keras.layers.SimpleRNN}


def _median_ms(fn: Callable[[], Any], repeats: int, warmup: int = 3) -> tuple[float, float]:
    """(median, 90th percentile) wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), float(np.percentile(times, 90))


def measure(repeats: int) -> list[dict[str, Any]]:
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(1, N_TOKENS, EMBEDDING_DIM)).astype("float32")  # (1, T, E)
    rows = []
    for name, cls in CELLS.items():
        layer = cls(UNITS, return_sequences=True, return_state=True)
        model = keras.Sequential([keras.Input((N_TOKENS, EMBEDDING_DIM)), cls(UNITS, return_sequences=True)])
        layer(x)
        trace, trace_p90 = _median_ms(lambda: trace_layer(layer, x[0]), repeats)
        eager, _ = _median_ms(lambda: layer(x), max(10, repeats // 10))
        compiled, _ = _median_ms(lambda: model.predict_on_batch(x), max(10, repeats // 10))
        rows.append({"cell": name, "trace": trace, "trace_p90": trace_p90, "eager": eager, "compiled": compiled})
    return rows


def to_markdown(rows: list[dict[str, Any]], repeats: int) -> str:
    lines = [
        f"One sequence of {N_TOKENS} tokens × {EMBEDDING_DIM}-d embeddings through {UNITS} units; "
        f"median (90th percentile) of {repeats} runs of `trace_layer` (weights read from the layer, "
        f"NumPy float64, all gates kept). Target: ≤ {TARGET_MS:.0f} ms. For comparison, the Keras layer "
        "on the same input returns h only.",
        "",
        "| cell | gate trace (NumPy) | Keras eager call | Keras `predict_on_batch` |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(f"| {r['cell']} | {r['trace']:.1f} ms ({r['trace_p90']:.1f}) | {r['eager']:.1f} ms "
                     f"| {r['compiled']:.1f} ms |")
    lines += ["", f"Machine: {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
                  f"NumPy {np.__version__}, Keras {keras.__version__}. "
                  "Made by `python bench/bench_gates.py`."]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ page update


def _long_texts(run: Any) -> tuple[str, str]:
    """Two reviews that clean to exactly N_TOKENS and N_TOKENS - 1 tokens (the long review repeated)."""
    from lstm_core.preprocessing import Cleaner

    cleaner = Cleaner(run.config.preprocess)
    words = LONG_REVIEW.split() * 4
    out = []
    for n in (N_TOKENS, N_TOKENS - 1):
        k = len(words)
        while len(cleaner.clean(" ".join(words[:k]))) > n:
            k -= 1
        out.append(" ".join(words[:k]))
        assert len(cleaner.clean(out[-1])) == n, "the long review does not clean to the wanted length"
    return out[0], out[1]


def _figures(ex: Any) -> None:
    """What the page builds for one explanation."""
    from lstm_core import figures_gates as fg
    from lstm_core.gate_analysis import saturation, unit_order, unit_terms

    labels, arrays = ex.labels(), ex.arrays()
    order, scores = unit_order(ex, "index")
    fg.p_ribbon(labels, ex.p_positive, flips=ex.flips)
    fg.gate_heatmaps(labels, arrays, order=order, selected=(0, len(labels) - 1))
    fg.gate_means(labels, {k: v for k, v in arrays.items() if k not in ("c", "h")})
    fg.unit_story(labels, arrays, 0, step=len(labels) - 1, p_positive=ex.p_positive)
    fg.saturation_bars(saturation(ex.trace))
    fg.equations_aligned(unit_terms(ex, 0, len(labels) - 1))


def _apptest_ms(texts: tuple[str, str], repeats: int) -> tuple[float, float]:
    """Median (p90) of the page script rerun after the text box changes, in process (AppTest)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    PagesManager.uses_pages_directory = False  # as a server after its first run (ui.boot)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/gates.py").run()
    assert not at.exception, at.exception
    runs = iter(range(10 ** 6))

    def update() -> None:
        at.text_area(key="gates_text").input(texts[next(runs) % 2]).run()
        assert not at.exception, at.exception

    return _median_ms(update, repeats, warmup=2)


# textContent, not innerText (which forces a layout at every poll and slows the page it measures)
_REDRAWN = """([n]) => document.body.textContent.includes(`(${n} tokens,`)
    && document.querySelectorAll('[data-stale="true"]').length === 0
    && !document.querySelector('[data-testid="stStatusWidget"]')"""


def _browser_ms(cases: dict[str, tuple[tuple[str, str], tuple[int, int]]], repeats: int) -> dict[str, Any]:
    """Headless Chromium against a fresh ``streamlit run app.py``: the first open of the Gates page,
    then Ctrl+Enter → page redrawn, per case (median, p90 over ``repeats``)."""
    sys.path.insert(0, str(REPO / "tests" / "e2e"))
    from app_driver import AppServer, launch
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with AppServer(timeout=120) as server, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(f"{server.url}/gates")
        page.get_by_role("heading", name="As the model reads it").wait_for(timeout=180_000)
        out["first_open_ms"] = (time.perf_counter() - start) * 1e3
        box = page.get_by_role("textbox", name="Review")
        for name, (texts, counts) in cases.items():
            times = []
            for k in range(repeats + 2):
                box.fill(texts[k % 2])
                start = time.perf_counter()
                box.press("Control+Enter")
                page.wait_for_function(_REDRAWN, arg=[counts[k % 2]], timeout=30_000, polling=20)
                if k >= 2:  # two warm-up updates
                    times.append((time.perf_counter() - start) * 1e3)
            out.setdefault("cases", {})[name] = (statistics.median(times), float(np.percentile(times, 90)), min(times))
        browser.close()
    return out


def measure_page(repeats: int, browser: bool) -> dict[str, Any]:
    from lstm_core.explain import explain
    from lstm_core.runs import load_run

    run = load_run(REPO / "assets" / "default_run")
    long_texts = _long_texts(run)
    cases = {"one sentence": (SHORT_TEXTS, (5, 6)), f"{N_TOKENS} tokens": (long_texts, (N_TOKENS, N_TOKENS - 1))}
    for name, (texts, counts) in cases.items():
        assert [len(explain(run, t).tokens) for t in texts] == list(counts), name
    rows = []
    for name, (texts, _) in cases.items():
        ex = explain(run, texts[0])
        rows.append({"case": name,
                     "explain": _median_ms(lambda: explain(run, texts[0]), repeats * 3),
                     "figures": _median_ms(lambda: _figures(ex), repeats),
                     "apptest": _apptest_ms(texts, repeats)})
    result: dict[str, Any] = {"rows": rows, "model": run.config.model, "max_len": run.config.sequence.max_len}
    if browser:
        result["browser"] = _browser_ms(cases, repeats)
    result["load"] = os.getloadavg()[0]
    return result


def page_markdown(page: dict[str, Any], repeats: int) -> str:
    m = page["model"]
    b = page.get("browser", {})
    lines = [
        "### Page update",
        "",
        f"The Gates page with the default run ({m.cell.upper()}, {m.units} units, {m.embedding_dim}-d embeddings, "
        f"{m.pooling} pooling, max length {page['max_len']}); median (90th percentile) of {repeats} updates, "
        f"alternating two texts. Target: the page redrawn ≤ {PAGE_TARGET_MS:.0f} ms after typing.",
        "",
        "| review | `explain` | figures built | page script rerun (AppTest) | browser: Ctrl+Enter → redrawn (best) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in page["rows"]:
        shown = b.get("cases", {}).get(r["case"])
        browser = f"{shown[0]:.0f} ms ({shown[1]:.0f}; best {shown[2]:.0f})" if shown else "not measured"
        lines.append(f"| {r['case']} | {r['explain'][0]:.1f} ms ({r['explain'][1]:.1f}) | {r['figures'][0]:.0f} ms "
                     f"({r['figures'][1]:.0f}) | {r['apptest'][0]:.0f} ms ({r['apptest'][1]:.0f}) | {browser} |")
    if "first_open_ms" in b:
        lines += ["", f"First open of the page on a fresh server (TensorFlow import and model load included): "
                      f"{b['first_open_ms'] / 1e3:.1f} s."]
    lines += ["", "Browser: headless Chromium (Debian) on the same machine as `streamlit run app.py`, timed from the "
                  "key press until the new token count is on the page and Streamlit marks no element stale. "
                  f"Load average while measuring: {page['load']:.1f} on {os.cpu_count()} cores (the machine is shared; "
                  "an idle one is faster)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed runs per measurement")
    parser.add_argument("--page-repeats", type=int, default=10, help="timed page updates per measurement")
    parser.add_argument("--no-page", action="store_true", help="skip the page-update timings")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium timing")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md")
    args = parser.parse_args(argv)

    rows = measure(args.repeats)
    markdown = to_markdown(rows, args.repeats)
    slow = [r["cell"] for r in rows if r["trace"] > TARGET_MS]
    if not args.no_page:
        page = measure_page(args.page_repeats, browser=not args.no_browser)
        markdown += "\n\n" + page_markdown(page, args.page_repeats)
        slow += [f"page update ({case})" for case, (ms, *_) in page.get("browser", {}).get("cases", {}).items()
                 if ms > PAGE_TARGET_MS]
        slow += [f"page script ({r['case']})" for r in page["rows"] if r["apptest"][0] > PAGE_TARGET_MS]
    print(markdown)
    if slow:
        print(f"\nover target: {', '.join(slow)}", file=sys.stderr)
    if not args.no_write:
        from bench._results import update_section

        update_section("Gate tracing", markdown)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
