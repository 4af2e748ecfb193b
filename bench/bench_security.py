"""What the three worst attacks of issue 13 cost the server now: peak RSS before and after each.

Starts ``streamlit run app.py`` (tests/e2e/app_driver.py) on loopback, so in "local" mode where typed
paths are allowed (the most open setting), waits for the trainer's warm-up to settle, and then, in
headless Chromium, for each attack:

1. resets the server's peak-RSS counter (``echo 5 > /proc/PID/clear_refs``: VmHWM := VmRSS),
2. does what the attacker did, waits for the app's refusal on the page,
3. reads VmHWM (the peak since the reset) and VmRSS.

The attacks: a crafted pickle given as a gensim ``.kv`` vector file on the Compare page (it would
create a marker file when unpickled); a 9.5 MB bundle declaring a 1,000,000-word vocabulary and a
1,024-d embedding uploaded on the Train page; ``/x$CLASS_SECRET`` typed as the data path on the
Data page with CLASS_SECRET set in the server's environment. Writes the "Security" section of
bench/results.md.

    python bench/bench_security.py
"""

from __future__ import annotations

import io
import json
import pickle
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench"), str(REPO / "tests" / "e2e")]

from _results import update_section  # noqa: E402
from app_driver import AppServer, launch, wait_idle  # noqa: E402
from lstm_core.runs import FILES  # noqa: E402
from lstm_core.vocabulary import FORMAT as VOCAB_FORMAT  # noqa: E402

SECRET = "hunter2-class-secret"
MB = 2**20


class Payload:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def settle(pid: int, seconds: float = 90.0) -> float:
    """Wait until the server's RSS stops growing (the trainer's warm-up loads TensorFlow)."""
    last, stable_since, end = 0.0, time.monotonic(), time.monotonic() + seconds
    while time.monotonic() < end:
        rss = memory(pid)[0]
        if abs(rss - last) > 2:
            last, stable_since = rss, time.monotonic()
        elif time.monotonic() - stable_since > 8:
            break
        time.sleep(1)
    return last


def million_word_bundle() -> bytes:
    run = REPO / "assets" / "default_run"
    n = 1_000_000
    cfg = json.loads((run / "config.json").read_text())
    cfg["model"]["embedding_dim"] = 1024
    vocab = {"format": VOCAB_FORMAT, "max_size": n, "min_count": 1, "words": [f"w{i}" for i in range(n)],
             "counts": [1] * n}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in FILES:
            data = {"config.json": json.dumps(cfg).encode(), "vocabulary.json": json.dumps(vocab).encode()}.get(name)
            zf.writestr(name, data if data is not None else (run / name).read_bytes())
    return buf.getvalue()


def open_and_click(page, url: str, label: str) -> None:
    """Open ``url``, wait for the control labelled ``label``, click it and wait for the rerun."""
    page.goto(url)
    page.get_by_text(label).wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_text(label).click()
    wait_idle(page)


def type_path(page, box, text: str) -> None:
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def attack(page, pid: int, label: str, act, refused_text: str) -> dict:
    wait_idle(page)
    before = memory(pid)[0]
    reset_peak(pid)
    t0 = time.perf_counter()
    act()
    page.get_by_text(refused_text).first.wait_for(timeout=120_000)
    seconds = time.perf_counter() - t0
    wait_idle(page)
    rss, peak = memory(pid)
    shown = page.get_by_test_id("stAlertContainer").all_inner_texts()
    return {"attack": label, "before": before, "peak": peak, "after": rss, "seconds": seconds,
            "message": " ".join(" ".join(t.split()).removeprefix("error ") for t in shown if refused_text in t)[:220]}


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-security-"))
    marker = tmp / "pwned"
    crafted = tmp / "vectors.kv"
    crafted.write_bytes(pickle.dumps(Payload(str(marker))))
    bundle = tmp / "million.zip"
    bundle.write_bytes(million_word_bundle())
    rows = []
    from playwright.sync_api import sync_playwright

    with AppServer(log=tmp / "server.log", env={"CLASS_SECRET": SECRET}) as server, sync_playwright() as p:
        pid = server.proc.pid
        browser = launch(p)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{server.url}/train")
        page.get_by_text("Upload a run").wait_for(timeout=120_000)
        print(f"server settled at {settle(pid):.0f} MB", file=sys.stderr)

        def upload():
            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bundle))
        rows.append(attack(page, pid, f"1,000,000-word bundle, 1,024-d embedding ({bundle.stat().st_size / MB:.1f} MB)",
                           upload, "This file cannot be used"))

        open_and_click(page, f"{server.url}/compare", "Use my own word-vector file")

        def pickle_path():
            type_path(page, page.get_by_role("textbox", name="Path to the vector file (on the machine running the app)"),
                      str(crafted))
            page.get_by_role("button", name="Check the file").click()
        rows.append(attack(page, pid, "crafted pickle as a gensim .kv vector file", pickle_path, "pickle-based"))
        rows[-1]["ran"] = marker.exists()

        open_and_click(page, f"{server.url}/data", "Full dataset by path")

        def var_path():
            type_path(page, page.get_by_role("textbox").first, "/x$CLASS_SECRET")
            page.get_by_role("button", name="Use this data").click()
        rows.append(attack(page, pid, "`/x$CLASS_SECRET` as the data path", var_path, "This data cannot be used"))
        rows[-1]["leaked"] = SECRET in page.content()
        browser.close()

    lines = ["Written by `bench/bench_security.py`: one fresh `streamlit run app.py` on loopback (\"local\" "
             "mode: typed paths allowed), each attack made in headless Chromium after the server's peak-RSS "
             "counter was reset; peak = VmHWM since the reset. Target: peak within 50 MB of before.", "",
             "| attack | RSS before | peak | peak − before | refused after | the page said |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['attack']} | {r['before']:.0f} MB | {r['peak']:.0f} MB | {r['peak'] - r['before']:+.0f} MB "
                     f"| {r['seconds']:.1f} s | {r['message'].replace('|', '/')} |")
    lines += ["", f"The crafted pickle's payload ran: {'yes' if rows[1]['ran'] else 'no'}. "
                  f"The secret appeared on the page: {'yes' if rows[2]['leaked'] else 'no'}."]
    print("\n".join(lines))
    update_section("Security", "\n".join(lines))
    worst = max(r["peak"] - r["before"] for r in rows)
    return 0 if worst <= 50 and not rows[1]["ran"] and not rows[2]["leaked"] else 1


if __name__ == "__main__":
    sys.exit(main())
