"""Jobs in worker processes: faults (a worker that dies or raises), wall time, recycling, the
teacher's view, and the run store (a training computed once, shared while it runs, replayed after;
the same curves in a worker as in a fresh process).

The fake task below is pickled to a spawned worker (this module is imported there), reports like
the trainer and can die in the ways a worker dies."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lstm_core import jobs
from lstm_core.jobs import FAILED, FINISHED, QUEUED, RUNNING, STOPPED, JobManager
from lstm_core.config import ExperimentConfig
from lstm_core.embeddings import WrongDimension
from lstm_core.pipeline import PipelineRunner
from lstm_core.run_store import RunStore, run_key
from lstm_core.training import BatchUpdate, EpochUpdate, TrainInfo
from lstm_core.workers import machine_pool
from helpers import tiny_config, wait_for

CFG = ExperimentConfig()


@dataclass(frozen=True)
class Fake:
    """Reports ``epochs`` x ``batches``; at step ``fault`` it exits, raises or hangs as ``how`` says."""

    epochs: int = 2
    batches: int = 5
    delay: float = 0.01
    fault: int | None = None
    how: str = "exit"
    deaf: bool = False  # ignores stop requests

    def __call__(self, job):
        job.on_train_begin(TrainInfo(self.epochs, self.batches, 100, 20))
        step, t0 = 0, time.perf_counter()
        for epoch in range(self.epochs):
            for batch in range(self.batches):
                if step == self.fault:
                    if self.how == "exit":
                        os._exit(3)
                    if self.how == "raise":
                        raise ValueError("batch 2 of epoch 1 had no reviews")
                    if self.how == "dimension":  # an exception whose __init__ is not its args
                        raise WrongDimension("the vectors have 3 dimensions, the model 8", 3, 8)
                    time.sleep(3600)  # "hang"
                time.sleep(self.delay)
                job.on_batch_end(BatchUpdate(epoch, batch, self.batches, step, 0.5, 0.6, time.perf_counter() - t0))
                step += 1
                if job.should_stop() and not self.deaf:
                    return {"steps": step, "pid": os.getpid()}
            job.on_epoch_end(EpochUpdate(epoch, {"loss": 0.5, "accuracy": 0.6, "val_loss": 0.6,
                                                 "val_accuracy": 0.55}, time.perf_counter() - t0))
        return {"steps": step, "pid": os.getpid()}


@pytest.fixture
def managers(job_managers):
    return job_managers


def test_the_pool_is_sized_so_that_the_server_keeps_a_core():
    assert machine_pool(2) == (1, 1) and machine_pool(1) == (1, 1)
    assert machine_pool(4) == (1, 3) and machine_pool(8) == (3, 2)


def test_jobs_run_in_another_process_and_report_back(managers):
    manager = managers()
    job = manager.submit(CFG, "alice", "fake", runner=Fake(epochs=3, batches=4))
    assert job.wait(60), job.snapshot()
    snap = job.snapshot()
    assert snap.status == FINISHED and snap.steps_done == 12 and snap.epochs_done == 3
    assert job.run["steps"] == 12 and job.run["pid"] != os.getpid()
    assert job.run["pid"] == manager.workers()[0].pid


@pytest.mark.parametrize("how, message", [
    ("exit", "the training process stopped unexpectedly (exit code 3)"),
    ("raise", "batch 2 of epoch 1 had no reviews"),
])
def test_a_worker_that_dies_or_raises_mid_epoch_fails_only_its_job(managers, how, message):
    manager = managers()
    before = manager.workers()[0].pid
    doomed = manager.submit(CFG, "alice", "doomed", runner=Fake(fault=7, how=how))
    after = manager.submit(CFG, "bob", "after", runner=Fake())
    assert doomed.wait(60) and after.wait(90)
    snap = doomed.snapshot()
    assert snap.status == FAILED and message in snap.error and snap.steps_done == 7
    assert after.status == FINISHED and after.run["steps"] == 10  # the next student's job still ran
    assert (after.run["pid"] == before) == (how == "raise")  # a raise keeps its worker; a death, a new one
    assert manager.submit(CFG, "alice", "again", runner=Fake()).wait(60)


def test_the_exception_crosses_with_its_attributes_for_the_page_to_offer_a_fix(managers):
    job = managers().submit(CFG, "alice", "vectors", runner=Fake(fault=1, how="dimension"))
    assert job.wait(60) and job.status == FAILED
    assert isinstance(job.exception, WrongDimension) and (job.exception.found, job.exception.expected) == (3, 8)
    assert job.snapshot().error == "the vectors have 3 dimensions, the model 8"


def test_a_killed_worker_fails_its_job_while_another_worker_goes_on(managers):
    manager = managers(processes=2, threads=1)
    slow = manager.submit(CFG, "alice", "slow", runner=Fake(epochs=1, batches=400, delay=0.02))
    victim = manager.submit(CFG, "bob", "victim", runner=Fake(epochs=1, fault=2, how="hang"))
    assert wait_for(lambda: slow.snapshot().steps_done > 0 and victim.snapshot().steps_done == 2)
    pid = next(w.pid for w in manager.workers() if w.running == victim.id)
    os.kill(pid, signal.SIGKILL)
    assert victim.wait(30)
    assert victim.status == FAILED and "exit code -9" in victim.snapshot().error
    assert slow.status == RUNNING  # the other student's training never noticed
    assert wait_for(lambda: len(manager.workers()) == 2 and all(w.ready for w in manager.workers()))
    slow.stop()
    assert slow.wait(30) and slow.status == STOPPED and slow.run["steps"] < 400


def test_a_worker_told_to_stop_is_replaced_only_when_a_job_needs_it(managers):
    """Ctrl-C or a kill of the server's process group reaches the workers first: replacing them at
    once would start TensorFlow while the server stops (that cost each browser test 12 s)."""
    manager = managers(processes=1)
    assert wait_for(lambda: manager.workers() and manager.workers()[0].ready)
    os.kill(manager.workers()[0].pid, signal.SIGTERM)
    assert wait_for(lambda: not manager.workers())
    time.sleep(1.0)
    assert not manager.workers()  # not replaced while nothing waits
    job = manager.submit(CFG, "alice", "after", runner=Fake(epochs=1, batches=1))
    assert job.wait(60) and job.status == FINISHED  # the submit started a new worker


def test_a_job_over_its_wall_time_is_stopped_and_a_deaf_one_killed(managers, monkeypatch):
    monkeypatch.setattr(jobs, "KILL_AFTER", 4.0)
    manager = managers(wall_seconds=1.0)
    polite = manager.submit(CFG, "alice", "polite", runner=Fake(epochs=1, batches=10_000))
    assert polite.wait(30)
    assert polite.status == STOPPED and "wall-time limit" in polite.snapshot().phase
    assert polite.run["steps"] < 10_000  # what it trained is kept
    deaf = manager.submit(CFG, "alice", "deaf", runner=Fake(epochs=1, batches=10_000, deaf=True))
    assert deaf.wait(30)
    assert deaf.status == FAILED and "wall-time limit" in deaf.snapshot().error


def test_a_worker_is_replaced_after_its_share_of_jobs(managers):
    manager = managers(jobs_per_worker=2)
    pids = []
    for i in range(3):
        job = manager.submit(CFG, "alice", f"job {i}", runner=Fake(epochs=1, batches=1))
        assert job.wait(60) and job.status == FINISHED
        pids.append(job.run["pid"])
    assert pids[0] == pids[1] != pids[2]


def test_the_teacher_sees_every_job_with_positions_and_cancels_any(managers):
    manager = managers()
    running = manager.submit(CFG, "alice", "running", runner=Fake(epochs=1, batches=1000, delay=0.02))
    queued = [manager.submit(CFG, owner, owner, runner=Fake(epochs=1, batches=2)) for owner in ("bob", "carol")]
    assert wait_for(lambda: running.snapshot().steps_done > 3)
    snaps = manager.jobs()
    assert [s.job_id for s in snaps] == [running.id] + [j.id for j in queued]
    assert [s.status for s in snaps] == [RUNNING, QUEUED, QUEUED] and [s.position for s in snaps[1:]] == [1, 2]
    first, second = snaps[1], snaps[2]
    assert 0 < first.starts_in < second.starts_in and "starting in about" in second.phase
    assert manager.cancel(queued[1].id) and queued[1].status == STOPPED
    assert manager.cancel(running.id) and running.wait(30) and running.status == STOPPED
    assert not manager.cancel("job-nonexistent")
    assert queued[0].wait(60) and queued[0].status == FINISHED


# --------------------------------------------------------------------------- the run store (real training)


def fresh_process_curves(cfg: ExperimentConfig, threads: int, env: dict) -> dict:
    """Train ``cfg`` in a new Python process (threads capped the same way), its curves as JSON."""
    code = ("import json, sys\n"
            "from lstm_core.workers import cap_threads\n"
            f"cap_threads({threads})\n"
            "from lstm_core.config import ExperimentConfig\n"
            "from lstm_core.pipeline import train_run\n"
            "run = train_run(ExperimentConfig.from_dict(json.loads(sys.argv[1])), with_baseline=False)\n"
            "print(json.dumps({'history': run.history, 'batches': run.batches}))\n")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(cfg.to_dict())], capture_output=True, text=True,
                         env=env, timeout=300, cwd=Path(__file__).resolve().parent.parent, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_same_training_is_computed_once_shared_then_replayed(managers, tiny_imdb_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_LAB_CACHE", str(tmp_path / "cache"))
    store = RunStore(tmp_path / "runs")
    cfg = tiny_config(tiny_imdb_dir, max_epochs=3)
    manager = managers(store=store, warm_up=cfg)
    alice = manager.submit(cfg, "alice", "alice's run")
    assert wait_for(lambda: alice.snapshot().steps_done > 0, 300), alice.snapshot()
    bob = manager.submit(cfg, "bob", "bob's run")  # the same, while it trains: follows it
    assert bob.status == RUNNING and bob.snapshot().shared == 2 and manager.position(bob) is None
    assert alice.wait(300) and bob.wait(10), alice.snapshot()
    assert alice.status == bob.status == FINISHED and store.keys() == [run_key(cfg)]
    assert bob.snapshot().batches == alice.snapshot().batches
    assert alice.run.name == "alice's run" and bob.run.name == "bob's run"

    t0 = time.perf_counter()
    carol = manager.submit(cfg, "carol", "carol's run")  # done before: served at once
    served = time.perf_counter() - t0
    assert carol.status == FINISHED and carol.snapshot().replayed and served < 5
    assert carol.snapshot().history == alice.snapshot().history and carol.snapshot().fraction == 1.0
    assert carol.run.history == alice.run.history and carol.run.name == "carol's run"
    other = manager.submit(cfg.replace(train={"seed": 1}), "dave", "another seed")  # another training
    assert not other.snapshot().replayed and other.status in (QUEUED, RUNNING)
    other.stop()

    # The same training again in the same worker (bypassing the store), after what it trained before.
    erin = manager.submit(cfg, "erin", "trained again", runner=PipelineRunner())
    assert erin.wait(300) and erin.status == FINISHED, erin.snapshot().error
    assert erin.run.history == alice.run.history and erin.run.batches == alice.run.batches

    # A stored run is the run a fresh process trains: same seed, same curves.
    fresh = fresh_process_curves(cfg, manager.threads, dict(os.environ))
    for key, values in alice.run.history.items():
        assert fresh["history"][key] == pytest.approx(values, rel=1e-6, abs=1e-7), key
    assert fresh["batches"]["loss"] == pytest.approx(alice.run.batches["loss"], rel=1e-6, abs=1e-7)


def test_stopping_a_shared_training_leaves_it_running_for_the_others(managers, tiny_imdb_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_LAB_CACHE", str(tmp_path / "cache"))
    store = RunStore(tmp_path / "runs")
    cfg = tiny_config(tiny_imdb_dir, max_epochs=30, patience=30)
    manager = managers(store=store)
    alice = manager.submit(cfg, "alice")
    bob = manager.submit(cfg, "bob")  # queued or running: the same training either way
    assert alice.snapshot().shared == 2
    assert wait_for(lambda: alice.snapshot().steps_done > 0, 300)
    bob.stop()
    assert bob.status == STOPPED and bob.run is None and "goes on for 1 other" in bob.snapshot().phase
    assert alice.status == RUNNING and manager.active_job("bob") is None
    alice.stop()
    assert alice.wait(120) and alice.status == STOPPED and alice.run.info.stopped_by_user
    assert store.keys() == []  # a stopped training depends on when: never stored


def test_a_teacher_precomputes_a_lesson_into_the_store(tiny_imdb_dir, tmp_path, monkeypatch, capsys):
    from lstm_core.cli import main

    monkeypatch.setenv("LSTM_LAB_CACHE", str(tmp_path / "cache"))
    cfg = tiny_config(tiny_imdb_dir, max_epochs=1)
    lesson = tmp_path / "lesson.json"
    lesson.write_text(json.dumps([cfg.to_dict()]))
    store = tmp_path / "runs"
    assert main(["precompute", str(lesson), "--store", str(store)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert [r["trained"] for r in first["runs"]] == [True]
    assert RunStore(store).get(run_key(cfg)) == Path(first["runs"][0]["run"])  # what the app will replay
    assert main(["precompute", str(lesson), "--store", str(store)]) == 0
    assert [r["trained"] for r in json.loads(capsys.readouterr().out)["runs"]] == [False]
    lesson.write_text(json.dumps([{"model": {"units": 0}}]))
    assert main(["precompute", str(lesson), "--store", str(store)]) == 2
    assert "config 1 of the lesson file: model.units must be" in capsys.readouterr().err


def test_the_class_settings_are_read_checked_and_reach_the_manager(managers):
    from lstm_core.settings import SettingsError, parse_settings

    s = parse_settings('idle_minutes = 30\nteacher_password = "s3cret"\n[workers]\nprocesses = 1\nthreads = 1\n'
                       'queue_size = 3\nwall_minutes = 0.5\njobs_per_process = 7\nstored_runs = 9\n')
    assert s.idle_minutes == 30 and "s3cret" not in repr(s)
    assert s.is_teacher("s3cret") and not s.is_teacher("s3cre") and not s.is_teacher(None)
    assert not parse_settings("").is_teacher("")  # no password set: the teacher's view stays closed
    for text, message in (("[workers]\nqueue_size = 0", "workers.queue_size must be an integer >= 1, got 0"),
                          ("[workers]\npool = 2", "unknown [workers] keys ['pool']"),
                          ("teacher_password = 1234", "teacher_password must be a string")):
        with pytest.raises(SettingsError, match=re.escape(message)):
            parse_settings(text)
    sized = JobManager.from_settings(s)
    try:
        assert (sized.processes, sized.threads, sized.max_queued, sized.wall_seconds, sized.jobs_per_worker) == \
            (1, 1, 3, 30.0, 7)
        assert sized._store.max_runs == 9
    finally:
        sized.close()
    assert managers(in_process=True).max_queued >= 40  # the default queue holds a class
