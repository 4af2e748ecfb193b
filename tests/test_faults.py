"""The server's faults (issue 12, item 5): a process killed while it saves a run leaves no half run
where runs are listed, and earlier runs still load; a server killed while its worker trains leaves
no training running. (A worker that dies or raises mid-epoch: ``tests/test_workers.py``.)"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from lstm_core.run_store import STALE_SECONDS, RunStore
from lstm_core.runs import load_run
from helpers import trained_run, wait_for

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def start(code: str, tmp_path: Path) -> subprocess.Popen:
    """Run ``code`` in a new Python process (the repo and tests/ importable); its stdout is piped."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}
    return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)


def read_line(child: subprocess.Popen, prefix: str, timeout: float = 120) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = child.stdout.readline()
        if line.startswith(prefix):
            return line[len(prefix):].strip()
        if not line and child.poll() is not None:
            break
    raise AssertionError(f"the child never printed {prefix!r}")


def test_a_process_killed_while_saving_leaves_no_half_run_and_earlier_runs_load(data_dir, tmp_path):
    store = RunStore(tmp_path / "store")
    earlier = trained_run(data_dir, tmp_path / "runs")
    store.root.mkdir(parents=True)
    shutil.copytree(earlier, store.path("a" * 40))
    child = start(f"""
        import time
        from lstm_core.config import ExperimentConfig
        from lstm_core.run_store import RunStore
        from lstm_core.runs import Run
        from lstm_core.vocabulary import Vocabulary

        class HalfWritten:  # writes part of the weights file, then is killed before it finishes
            def save_weights(self, path):
                with open(path, "wb") as f:
                    f.write(b"HDF5 half of it")
                print("half", flush=True)
                time.sleep(600)

        run = Run(ExperimentConfig(), Vocabulary().fit([["good", "film"]]), HalfWritten())
        RunStore({str(store.root)!r}).put(run, {"b" * 40!r})
        """, tmp_path)
    try:
        read_line(child, "half")
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        child.kill()
    assert not store.path("b" * 40).exists()  # the half-written run never took its place
    leftovers = [p for p in store.root.iterdir() if p.name.startswith(".")]
    assert leftovers  # (its temporary folder, unlisted)
    # "After restart": the store lists only the complete run, which loads.
    assert store.keys() == ["a" * 40] and store.get("b" * 40) is None
    assert load_run(store.get("a" * 40)).name == load_run(earlier).name
    for p in leftovers:
        os.utime(p, (time.time() - STALE_SECONDS - 1,) * 2)
    store.prune()
    assert not [p for p in store.root.iterdir() if p.name.startswith(".")]  # stale ones are cleared


def test_a_server_killed_while_its_worker_trains_leaves_no_training_running(tmp_path):
    server = start("""
        import time
        from lstm_core.config import ExperimentConfig
        from lstm_core.jobs import JobManager
        from test_workers import Fake

        if __name__ == "__main__":
            manager = JobManager()
            job = manager.submit(ExperimentConfig(), "alice", "long", runner=Fake(epochs=1, batches=100_000))
            while job.snapshot().steps_done == 0:
                time.sleep(0.05)
            print("worker", manager.workers()[0].pid, flush=True)
            time.sleep(600)
        """, tmp_path)
    try:
        worker = int(read_line(server, "worker "))
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
    finally:
        server.kill()
    assert wait_for(lambda: not _alive(worker), 30), "the worker kept training after its server died"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read()
    except FileNotFoundError:
        return False
