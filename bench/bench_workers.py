"""The training workers over a class's worth of trainings: memory, recycling, replay.

One ``JobManager`` as the app makes it (``JobManager.from_settings``: worker processes sized to the
machine, a worker replaced after ``jobs_per_process`` jobs), a private run store, and N small
trainings on the bundled data, each with its own learning rate so that none is replayed. After each, this
process loads the run (as a page does when the job ends) and keeps only the latest; the RSS of this
process (the server's side) and of the worker are read from /proc. Then the last training is
submitted again by another owner: the time until it is finished (served from the store) and until
its run is loaded.

    python bench/bench_workers.py            # 50 trainings; writes the "Workers" section of results.md
    python bench/bench_workers.py -n 10 --no-write
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from _results import update_section  # noqa: E402
from lstm_core.config import ExperimentConfig  # noqa: E402
from lstm_core.jobs import FINISHED, JobManager  # noqa: E402
from lstm_core.run_store import RunStore  # noqa: E402
from lstm_core.settings import load_settings  # noqa: E402
from lstm_core.workers import rss_bytes  # noqa: E402

MB = 2**20
# Small enough for 50 in a few minutes, the same code path as the default training.
SMALL = ExperimentConfig().replace(data={"per_class": 300}, sequence={"max_len": 64, "max_vocab": 5000},
                                   model={"units": 16, "embedding_dim": 32, "embedding_init": "random"},
                                   train={"max_epochs": 1})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="trainings (default 50)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.md", help=argparse.SUPPRESS)
    args = parser.parse_args()

    settings = load_settings()
    store = RunStore(tempfile.mkdtemp(prefix="bench-workers-runs-"))
    manager = JobManager.from_settings(settings, warm_up=SMALL, store=store)
    rows = []
    kept = None
    t_start = time.perf_counter()
    try:
        for i in range(args.n):
            cfg = SMALL.replace(train={"learning_rate": 2e-3 * (1 + i / 1000)})  # the same data, another run
            job = manager.submit(cfg, f"student {i}", f"run {i}")
            assert job.wait(600), job.snapshot()
            assert job.status == FINISHED, job.snapshot().error
            kept = job.run  # the page's current run; the one before is dropped
            worker = manager.workers()[0]
            rows.append((i + 1, rss_bytes(os.getpid()) / MB, worker.rss_bytes / MB, worker.pid))
            print(f"{i + 1:3d}  server {rows[-1][1]:6.0f} MB  worker {rows[-1][2]:6.0f} MB (pid {worker.pid})",
                  flush=True)
        seconds = time.perf_counter() - t_start
        t0 = time.perf_counter()
        again = manager.submit(cfg, "another student", "the same again")
        replay_done = time.perf_counter() - t0
        assert again.status == FINISHED and again.snapshot().replayed
        replay_run = again.run
        replay_loaded = time.perf_counter() - t0
        assert replay_run.history == kept.history
    finally:
        manager.close()

    workers = sorted({r[3] for r in rows}, key=[r[3] for r in rows].index)
    server = [r[1] for r in rows]
    worker = [r[2] for r in rows]
    early = min(5, len(rows))
    lines = [
        f"`bench/bench_workers.py`: {args.n} small trainings (bundled data, 300 reviews per class, 64 tokens, "
        f"16 units, 1 epoch; each its own learning rate) through one `JobManager.from_settings` with worker processes "
        f"({manager.processes} process of {manager.threads} thread(s), replaced after "
        f"{manager.jobs_per_worker} jobs: {len(workers)} processes used); this process loads each run as a "
        f"page does and keeps the latest.",
        "",
        "| | after training 1 | after training " + f"{early} | after training {args.n} | max |",
        "|---|---:|---:|---:|---:|",
        f"| server (this process) RSS | {server[0]:.0f} MB | {server[early - 1]:.0f} MB | {server[-1]:.0f} MB "
        f"| {max(server):.0f} MB |",
        f"| worker RSS | {worker[0]:.0f} MB | {worker[early - 1]:.0f} MB | {worker[-1]:.0f} MB | {max(worker):.0f} MB |",
        "",
        f"Server growth from training {early} to {args.n}: {server[-1] - server[early - 1]:+.0f} MB "
        f"({(server[-1] - server[early - 1]) / max(1, args.n - early):+.1f} MB per training). "
        f"{args.n} trainings took {seconds:.0f} s. The same training submitted again by another owner: "
        f"finished (served from the store) {replay_done * 1000:.0f} ms after submit, its run loaded "
        f"{replay_loaded:.2f} s after submit. Load average (1 min) at the end: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        update_section("Workers", text, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
