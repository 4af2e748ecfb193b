"""A class on one server: N students in headless Chromium at once, the classroom path, measured.

Starts a fresh ``streamlit run app.py`` in server mode (``--server.address 127.0.0.1`` with a
settings file saying ``mode = "server"``: what a class gets) with an empty run store, opens N browser contexts (one per
student: their own cookies, so their own workspace) and has each, all at the same time:

1. open the Train page, one student every 0.5 s (the URL → the page's title shown; the browsers
   themselves run on the same 2 cores as the server, which a real class does not);
2. press Train: with the defaults, except every tenth student, who first sets Max epochs to 2, 3, …
   (different settings: trained separately); click → the live line or the result shown;
3. go to the Gates page through the sidebar (navigation) and type a sentence there (Gates update:
   the last key → the page's token line redrawn for the new text);
4. every fifth student reloads the page once mid-training (reload → the page back, the live training
   or its result in view);
5. go back to Train and wait for the result (the time from the Train click to the run's test
   metrics).

With ``--client protocol`` each student is a ``st_protocol.Tab`` instead: a client of Streamlit's
websocket protocol that does what the server sees a browser do (the XSRF cookie, widget values,
the live fragments' timers) and draws nothing, so the figures are the server's own, as a class
whose browsers run on their own machines gets them. A Gates update is then timed to the new token
line's arrival (in Chromium: to its redraw and the page idle).

Reported: errors (an exception box, a Streamlit error), refusals (the queue refused a job), runs
seen in another student's browser (cross-session leaks: each student must see exactly their own
one run), p50/p95 of every interaction, time until every student has a result after the last Train
click (and until every student who clicked the defaults has: the issue's 90 s), the peak RSS of the
server with its training processes (sampled every 0.5 s), and where the CPU went: the server, its
training processes, the browsers.

    python bench/bench_classroom.py              # 30 students
    python bench/bench_classroom.py --client protocol   # 30 students, the server alone
    python bench/bench_classroom.py --students 10 --no-write
    python bench/bench_classroom.py --trace      # the server traces every session (ui.trace) into
                                                 # bench/out/classroom/trace.jsonl; a failed student's
                                                 # kept page names its browser key there

Writes the "Classroom" section of bench/results.md ("Classroom: the server alone" with protocol clients).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "bench"), str(REPO / "tests" / "e2e")]

from _results import update_section  # noqa: E402
from app_driver import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402
from lstm_core.workers import rss_bytes  # noqa: E402
from st_protocol import MAIN, SIDEBAR, Tab  # noqa: E402
from ui.state import XSRF_COOKIE, browser_key  # noqa: E402
from ui.trace import TRACE_ENV  # noqa: E402

LIVE_OR_RESULT = re.compile(r"^(Epoch \d+/\d+ · batch|run 1: LSTM)")
LIVE = re.compile(r"^Epoch \d+/\d+ · batch")
RESULT = re.compile(r"^run 1: LSTM")
TOKENS = re.compile(r"\(\d+ tokens, ")
REFUSED = re.compile(r"already waiting|try again|is still (queued|running)")
SHOWN = REPO / "bench" / "out" / "classroom"  # failed students' pages, kept to be looked at
# A step waits this long (ms) before it counts as an error: with 30 Chromiums on the server's 2 cores a
# Gates update took up to 175 s, which is slow, not broken; a result never coming is broken.
STEP_WAIT = 300_000
ARRIVAL = 0.5  # seconds between two students' first request
SENTENCES = ("the acting was not good at all", "a warm funny film that I loved", "boring and far too long",
             "I expected it to be great, it was not", "not bad at all, I enjoyed it")


@dataclass
class Student:
    index: int
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    refused: bool = False
    clicked_at: float | None = None
    result_at: float | None = None
    runs_seen: int = 0
    console: list[str] = field(default_factory=list)  # the browser's console (timed) and failed requests
    browser: str | None = None  # the first 8 characters of its browser key, as ui.trace writes it

    @property
    def changes_settings(self) -> bool:
        """Every tenth student trains with other settings (Max epochs); the rest click the defaults."""
        return self.index % 10 == 9

    def took(self, what: str, seconds: float) -> None:
        self.times.setdefault(what, []).append(seconds)


class RssSampler(threading.Thread):
    """Peak resident memory of a process and its children (the server and its training workers),
    and the CPU seconds of every process by role, as last seen alive (``cpu_seconds``)."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.last = pid, every, 0, 0
        self._cpu: dict[int, tuple[str, float]] = {}  # pid → (role, CPU seconds when last seen)
        self._start = {pid: seconds for pid, (_, _, seconds) in processes().items()}  # before the class
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self.every):
            procs = processes()
            self.last = tree_rss(self.pid, procs)
            self.peak = max(self.peak, self.last)
            below = descendants(self.pid, procs)
            for pid, (_, comm, seconds) in procs.items():
                role = ("server" if pid == self.pid else "training processes" if pid in below
                        else "browsers" if comm.startswith(("chrom", "node"))
                        else "this bench" if pid == os.getpid() else "other")
                self._cpu[pid] = (role, seconds - self._start.get(pid, 0.0))

    def stop(self) -> None:
        self._stop.set()

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) spent during the class, by role: the server, its training
        processes, the browsers (Chromium and Playwright's driver) and everything else."""
        total: dict[str, float] = {}
        for role, seconds in self._cpu.values():
            total[role] = total.get(role, 0.0) + seconds
        return total


def processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds) of every process in /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, rest = f.read().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()  # after the command name: state, ppid, …; utime and stime are 12th, 13th
        out[int(entry)] = (int(fields[1]), head.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / tick)
    return out


def descendants(pid: int, procs: dict[int, tuple[int, str, float]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p, (parent, *_rest) in procs.items():
        children.setdefault(parent, []).append(p)
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo += children.get(p, [])
    return found


def tree_rss(pid: int, procs: dict[int, tuple[int, str, float]] | None = None) -> int:
    """Bytes resident in ``pid`` and every process below it (``workers.rss_bytes`` of each)."""
    return sum(rss_bytes(p) for p in descendants(pid, procs if procs is not None else processes()))


async def idle(page, timeout: float = STEP_WAIT) -> None:
    await page.wait_for_timeout(300)
    await page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=timeout)


async def timed(student: Student, what: str, action) -> None:
    t0 = time.perf_counter()
    await action()
    student.took(what, time.perf_counter() - t0)


async def check_errors(page, student: Student) -> None:
    for test_id in ("stException", "stAlertContentError"):
        boxes = page.get_by_test_id(test_id)
        for i in range(await boxes.count()):
            text = (await boxes.nth(i).inner_text())[:200]
            if REFUSED.search(text):
                student.refused = True
            else:
                student.errors.append(text)


async def set_epochs(page, epochs: int, student: Student) -> None:
    """Max epochs to ``epochs`` by keyboard, as a student does, pressing again (noted in the
    student's console) when a key press was lost: under a class's load one was (the slider stayed
    at 2 of 3 and the bench used to wait for ever)."""
    box = page.get_by_test_id("stSlider").filter(has=page.get_by_text("Max epochs", exact=True))
    shown = box.get_by_test_id("stSliderThumbValue")
    for key in ["Home"] + ["ArrowRight"] * (epochs - 1):
        await box.get_by_role("slider").press(key)
        await idle(page)
    for _ in range(3):
        value = int((await shown.inner_text()).strip())
        if value == epochs:
            return
        student.console.append(f"{time.perf_counter():.1f} bench: Max epochs shows {value}, not {epochs}: pressed again")
        for _ in range(abs(epochs - value)):
            await box.get_by_role("slider").press("ArrowRight" if value < epochs else "ArrowLeft")
            await idle(page)
    await shown.filter(has_text=re.compile(rf"^{epochs}$")).wait_for()


async def go(page, title: str) -> None:
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    await page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=STEP_WAIT)
    await idle(page)


async def gates_update(page, sentence: str) -> None:
    box = page.locator(".st-key-gates_text textarea")  # the what-if editor has a "Review" label too
    await box.wait_for(timeout=STEP_WAIT)
    line = page.get_by_text(TOKENS).first
    before = await line.inner_text() if await line.count() else ""
    await box.fill(sentence)
    await box.press("Control+Enter")
    await page.wait_for_function(
        "([before]) => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
        ".some(e => / tokens, /.test(e.innerText) && e.innerText !== before)", arg=[before], timeout=STEP_WAIT)
    await idle(page)


async def classroom_path(browser, url: str, student: Student, start: asyncio.Event) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(180_000)  # 30 Chromium tabs share the server's 2 cores here
    page.on("console", lambda m: student.console.append(f"{time.perf_counter():.1f} {m.type}: {m.text[:300]}"))
    page.on("requestfailed", lambda r: student.console.append(f"request failed: {r.url[:120]} {r.failure}"))
    page.on("pageerror", lambda e: student.console.append(f"page error: {str(e)[:300]}"))
    try:
        await start.wait()
        await asyncio.sleep(ARRIVAL * student.index)  # a class arrives over some seconds, not in one instant
        await timed(student, "open a page", lambda: open_train(page, url))
        if student.changes_settings:
            await set_epochs(page, 2 + student.index // 10, student)
        student.clicked_at = time.perf_counter()
        await page.get_by_role("button", name="Train", exact=True).click()
        await timed(student, "Train click → live line", lambda: page.get_by_text(LIVE_OR_RESULT).first.wait_for(
            timeout=300_000))
        await check_errors(page, student)
        if student.refused:
            return
        await timed(student, "page navigation → Gates", lambda: go(page, "Gates"))
        await timed(student, "Gates update", lambda: gates_update(page, SENTENCES[student.index % len(SENTENCES)]))
        if student.index % 5 == 0:
            await timed(student, "reload", lambda: reload_train(page, url))
        else:
            await timed(student, "page navigation → Train", lambda: go(page, "Train"))
        await page.get_by_role("heading", name=RESULT).wait_for(timeout=900_000)
        student.result_at = time.perf_counter()
        await idle(page)
        await check_errors(page, student)
        student.runs_seen = await page.get_by_test_id("stSidebar").locator("text=/^run \\d+:/").count() + \
            await page.get_by_test_id("stMain").get_by_text(re.compile(r"^run [2-9]\d*:")).count()
    except Exception as e:  # a bench reports a student's failure and goes on with the others
        student.errors.append(failure(e))
        await keep_page(page, student)
    finally:
        student.browser = student.browser or await browser_of(page)
        await context.close()


async def keep_page(page, student: Student) -> None:
    """What a failed student's page showed, in bench/out/classroom/: its text, HTML, browser console and a screenshot."""
    SHOWN.mkdir(parents=True, exist_ok=True)
    try:
        (SHOWN / f"student-{student.index}.txt").write_text(await page.locator("body").inner_text(timeout=30_000))
        student.browser = await browser_of(page)
        (SHOWN / f"student-{student.index}.console.txt").write_text(
            f"browser key {student.browser}\n" + "\n".join(student.console))
        (SHOWN / f"student-{student.index}.html").write_text(await page.content())
        await page.screenshot(path=str(SHOWN / f"student-{student.index}.png"), full_page=True, timeout=30_000)
    except Exception as e:  # the page itself may be gone; the failure is reported either way
        student.errors.append(f"(page not kept: {failure(e)})")


async def browser_of(page) -> str | None:
    """The page's browser key as ui.trace writes it (8 characters), from its XSRF cookie."""
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    return (browser_key(cookies.get(XSRF_COOKIE)) or "")[:8] or None


def failure(e: Exception) -> str:
    """A student's failure in one line: its type and the first line of its message (a timeout has none)."""
    return f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:160]}"


async def open_train(page, url: str) -> None:
    await page.goto(f"{url}/train", timeout=180_000)
    await page.get_by_role("heading", name="Train", exact=True).wait_for(timeout=STEP_WAIT)
    await idle(page)


async def reload_train(page, url: str) -> None:
    await page.goto(f"{url}/train", timeout=180_000)
    await page.get_by_role("heading", name="Train", exact=True).wait_for(timeout=STEP_WAIT)
    await page.get_by_text(LIVE_OR_RESULT).first.wait_for(timeout=300_000)


async def run_class(url: str, n: int) -> tuple[list[Student], float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        students = [Student(i) for i in range(n)]
        start = asyncio.Event()
        tasks = [asyncio.create_task(classroom_path(browser, url, s, start)) for s in students]
        await asyncio.sleep(2)  # every context open before anyone starts
        t0 = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        await browser.close()
    return students, t0


async def protocol_path(url: str, student: Student, start: asyncio.Event) -> None:
    """The classroom path of ``classroom_path``, spoken over the websocket (no drawing)."""
    tab = Tab(url)
    try:
        await start.wait()
        await asyncio.sleep(ARRIVAL * student.index)
        await timed(student, "open a page", lambda: tab_open(tab, "train", "Train"))
        if student.changes_settings:
            await tab.set_slider("Max epochs", 2 + student.index // 10)
            await tab.wait_idle(120)
        student.clicked_at = time.perf_counter()
        await tab.click("Train")
        await timed(student, "Train click → live line", lambda: live_or_result(tab, 300))
        tab_errors(tab, student)
        if student.refused:
            return
        await timed(student, "page navigation → Gates", lambda: tab_go(tab, "gates", "Gates"))
        await timed(student, "Gates update", lambda: tab_gates(tab, SENTENCES[student.index % len(SENTENCES)]))
        await tab.wait_idle(120)
        if student.index % 5 == 0:
            await timed(student, "reload", lambda: tab_reload(tab))
        else:
            await timed(student, "page navigation → Train", lambda: tab_go(tab, "train", "Train"))
        await tab_result(tab)
        student.result_at = time.perf_counter()
        await tab.wait_idle(120)
        tab_errors(tab, student)
        student.runs_seen = sum(bool(re.match(r"^run \d+:", t)) for t in tab.page.text(root=SIDEBAR)) + \
            sum(bool(re.match(r"^run [2-9]\d*:", t)) for t in tab.page.text(root=MAIN))
    except Exception as e:  # a bench reports a student's failure and goes on with the others
        student.errors.append(failure(e))
    finally:
        await tab.close()


async def tab_open(tab: Tab, path: str, title: str) -> None:
    await tab.open(path)
    await tab_shown(tab, title)


async def tab_go(tab: Tab, path: str, title: str) -> None:
    await tab.go(path)
    await tab_shown(tab, title)


async def tab_shown(tab: Tab, title: str) -> None:
    """The page's title drawn and its script run over (the browser's heading and idle)."""
    await tab.wait_for(re.compile(rf"^{re.escape(title)}$"), 120, heading=True)
    await tab.wait_idle(120, settle=0)


async def tab_gates(tab: Tab, sentence: str) -> None:
    before = await tab.wait_for(TOKENS, 120)
    await tab.set_text("gates_text", sentence)
    await tab.wait_for(TOKENS, 120, besides=before)


async def tab_result(tab: Tab) -> None:
    """The run's result heading; a timeout says what the page showed instead."""
    try:
        await tab.wait_for(RESULT, 900, heading=True)
    except TimeoutError:
        shown = " | ".join(text[:60] for text in tab.page.text()[:12])
        raise TimeoutError(f"no result in 900 s; shown: {shown}") from None


async def tab_reload(tab: Tab) -> None:
    await tab.open("train")
    await tab.wait_for(re.compile(r"^Train$"), 120, heading=True)
    await live_or_result(tab, 300)


async def live_or_result(tab: Tab, timeout: float) -> None:
    """The live line (a batch's progress) or, for a training served from the store, its result."""
    waits = {asyncio.ensure_future(tab.wait_for(LIVE, timeout)),
             asyncio.ensure_future(tab.wait_for(RESULT, timeout, heading=True))}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    next(iter(done)).result()


def tab_errors(tab: Tab, student: Student) -> None:
    for text in tab.boxes():
        if REFUSED.search(text):
            student.refused = True
        else:
            student.errors.append(text[:200])


async def run_protocol_class(url: str, n: int) -> list[Student]:
    students = [Student(i) for i in range(n)]
    start = asyncio.Event()
    tasks = [asyncio.create_task(protocol_path(url, s, start)) for s in students]
    start.set()
    await asyncio.gather(*tasks)
    return students


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def report(students: list[Student], peak_rss: int, rss_idle: int, load: tuple[float, float],
           cpu: dict[str, float], client: str = "browser", traced: bool = False) -> str:
    kinds = sorted({k for s in students for k in s.times}, key=lambda k: min(
        (i for s in students for i, key in enumerate(s.times) if key == k), default=0))
    rows = ["| interaction | count | p50 | p95 | max |", "|---|---:|---:|---:|---:|"]
    for k in kinds:
        v = [t for s in students for t in s.times.get(k, [])]
        rows.append(f"| {k} | {len(v)} | {statistics.median(v):.2f} s | {pct(v, 0.95):.2f} s | {max(v):.2f} s |")
    clicks = [s.clicked_at for s in students if s.clicked_at]
    results = [s.result_at for s in students if s.result_at]
    last_click = max(clicks) if clicks else float("nan")
    done_after = (max(results) - last_click) if results else float("nan")  # the last result that came
    defaults = [s for s in students if not s.changes_settings]
    default_results = [s.result_at for s in defaults if s.result_at]
    default_after = max(default_results) - max(s.clicked_at for s in defaults if s.clicked_at) \
        if default_results else float("nan")
    errors = [f"student {s.index}: {e}" for s in students for e in s.errors]
    leaks = sum(1 for s in students if s.result_at and s.runs_seen != 1)
    lines = [
        f"{len(students)} students {CLIENTS[client]} against one fresh `streamlit run app.py` (server mode), "
        f"2 CPU cores; every tenth student changed Max epochs, every fifth reloaded once mid-training.",
        "",
        *rows,
        "",
        f"- errors: **{len(errors)}**; refusals: **{sum(s.refused for s in students)}**; students seeing another's "
        f"run: **{leaks}**; students with a result: **{len(results)} of {len(students)}**" + (
            f"; a slider key press lost (pressed again): "
            f"{sum(any('pressed again' in line for line in s.console) for s in students)} students." if client == "browser"
            else "."),
        (f"- every student with a result **{done_after:.0f} s** after the last Train click." if len(results) == len(students)
         else f"- the {len(results)} results that came were all in **{done_after:.0f} s** after the last Train click; "
              f"{len(students) - len(results)} students had none (their errors below)."),
        f"- the {len(defaults)} students who clicked the defaults: {len(default_results)} with a result, the last "
        f"**{default_after:.0f} s** after the last of their Train clicks.",
        f"- memory of the server and its training processes: {rss_idle / 2**20:,.0f} MB before, peak "
        f"**{peak_rss / 2**20:,.0f} MB**.",
        f"- load average (1 min) before / after: {load[0]:.1f} / {load[1]:.1f}.",
        "- CPU seconds spent during the class (user + system, /proc): " + ", ".join(
            f"{role} **{seconds:,.0f} s** ({seconds / max(sum(cpu.values()), 1e-9):.0%})"
            for role, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])) + ".",
    ]
    if errors:
        lines += ["", "Errors:", *[f"- {e}" for e in errors[:20]]]
    command = "python bench/bench_classroom.py" + (" --client protocol" if client == "protocol" else "") + \
        (" --trace" if traced else "")
    return "\n".join(lines) + f"\n\nMade by `{command}`.\n"


CLIENTS = {"browser": "in headless Chromium",
           "protocol": "as websocket clients of Streamlit's protocol (bench/st_protocol.py: no browser, no drawing)"}
SECTIONS = {"browser": "Classroom", "protocol": "Classroom: the server alone"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="browser",
                        help="headless Chromium (the default) or websocket protocol clients (the server alone)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    parser.add_argument("--trace", action="store_true",
                        help=f"the server writes {SHOWN.relative_to(REPO)}/trace.jsonl (ui.trace)")
    args = parser.parse_args()
    trace_env = {}
    if args.trace:
        SHOWN.mkdir(parents=True, exist_ok=True)
        (SHOWN / "trace.jsonl").unlink(missing_ok=True)
        trace_env = {TRACE_ENV: str(SHOWN / "trace.jsonl")}
    settings = Path(tempfile.mkdtemp(prefix="lstm-lab-bench-")) / "lab_settings.toml"
    settings.write_text('mode = "server"\n')
    log = REPO / "bench" / "out" / "bench_classroom_server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    store = settings.parent / "runs"  # an empty run store: the class's first trainings are really trained
    with AppServer(log=log, env={"LSTM_LAB_SETTINGS": str(settings), "LSTM_LAB_RUNS": str(store), **trace_env},
                   timeout=120) as app:
        time.sleep(5)
        rss_idle = tree_rss(app.proc.pid)
        sampler = RssSampler(app.proc.pid)
        sampler.start()
        if args.client == "protocol":
            students = asyncio.run(run_protocol_class(app.url, args.students))
        else:
            students, _ = asyncio.run(run_class(app.url, args.students))
        sampler.stop()
    if args.trace:  # which browser key (in the trace) each student was, and how it ended
        (SHOWN / "students.json").write_text(json.dumps(
            [{"student": s.index, "browser": s.browser, "errors": s.errors, "result": s.result_at is not None}
             for s in students], indent=1))
    text = report(students, sampler.peak, rss_idle, (load_before, os.getloadavg()[0]), sampler.cpu_seconds(),
                  args.client, traced=args.trace)
    print(text)
    if not args.no_write:
        update_section(SECTIONS[args.client], text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
