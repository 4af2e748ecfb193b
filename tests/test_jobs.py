"""The background trainer without Streamlit: queueing, progress, stop, errors, abandoned owners.

Most tests drive the manager with a fake runner that reports like the real trainer (fast and
deterministic), in a worker thread (``in_process=True``: the fake holds events); the last ones
train a tiny real model through ``PipelineRunner`` in a worker process. Worker processes, their
faults and the run store: ``tests/test_workers.py``.
"""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

import pytest

from lstm_core.config import ExperimentConfig
from lstm_core.jobs import FAILED, FINISHED, QUEUED, RUNNING, STOPPED, Job, JobManager, JobRefused
from lstm_core.pipeline import PipelineRunner
from lstm_core.training import BatchUpdate, EpochUpdate, TrainInfo
from helpers import tiny_config, wait_for  # the same tiny model the pipeline tests train

CFG = ExperimentConfig()


class FakeRunner:
    """Reports ``epochs`` × ``batches`` like the trainer; waits for ``gate`` first if given."""

    def __init__(self, epochs=2, batches=5, delay=0.005, fail=None, gate=None):
        self.epochs, self.batches, self.delay, self.fail, self.gate = epochs, batches, delay, fail, gate
        self.started = threading.Event()

    def __call__(self, job):
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        job.progress("cleaning reviews", 0.5)
        if self.fail is not None:
            raise self.fail
        job.on_train_begin(TrainInfo(self.epochs, self.batches, 100, 20))
        step, t0 = 0, time.perf_counter()
        for epoch in range(self.epochs):
            for batch in range(self.batches):
                time.sleep(self.delay)
                job.on_batch_end(BatchUpdate(epoch, batch, self.batches, step, 1 / (step + 1), 0.5 + step / 100,
                                             time.perf_counter() - t0))
                step += 1
                if job.should_stop():
                    return SimpleNamespace(steps=step, stopped=True)
            job.on_epoch_end(EpochUpdate(epoch, {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6,
                                                 "val_accuracy": 0.65}, time.perf_counter() - t0))
        return SimpleNamespace(steps=step, stopped=False)


@pytest.fixture
def managers(job_managers):
    """Managers whose one worker is a thread: the fake runners hold events."""
    return lambda **kwargs: job_managers(**{"in_process": True, **kwargs})


def test_progress_is_reported_and_the_run_is_kept(managers):
    runner = FakeRunner(epochs=3, batches=4, delay=0.02)
    job = managers(runner=runner).submit(CFG, "alice", "first")
    assert wait_for(lambda: job.snapshot().steps_done >= 2)
    live = job.snapshot()
    assert live.status == RUNNING and live.batches_per_epoch == 4 and live.epochs == 3
    assert live.eta is not None and live.eta > 0 and live.elapsed > 0 and 0 < live.fraction < 1
    assert len(live.batches["loss"]) == live.steps_done
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == FINISHED and snap.done and snap.error is None and snap.eta is None
    assert snap.steps_done == 12 and snap.epochs_done == 3 and snap.fraction == 1.0
    assert snap.batches["step"] == tuple(range(12)) and snap.history["val_accuracy"] == (0.65,) * 3
    assert snap.epoch == 2 and snap.batch == 4
    assert job.run.steps == 12 and not job.run.stopped
    assert snap.elapsed == job.snapshot().elapsed  # the clock stops when the job ends


def test_snapshot_is_a_copy(managers):
    job = managers(runner=FakeRunner(batches=2, epochs=1)).submit(CFG, "alice")
    assert job.wait(10)
    snap = job.snapshot()
    job.on_batch_end(BatchUpdate(0, 0, 2, 99, 0.1, 0.9, 1.0))
    assert 99 not in snap.batches["step"] and 99 in job.snapshot().batches["step"]


def test_stop_is_honoured_within_one_batch_and_keeps_the_model(managers):
    job = managers(runner=FakeRunner(epochs=50, batches=10, delay=0.05)).submit(CFG, "alice")  # the stop crosses a pipe
    assert wait_for(lambda: job.snapshot().steps_done >= 3)
    job.stop()
    at_stop = job.snapshot().steps_done
    assert "stopping" in job.snapshot().phase or job.snapshot().done
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == STOPPED and snap.stop_requested and snap.error is None
    assert job.run is not None and job.run.stopped and job.run.steps - at_stop <= 1


def test_one_job_per_owner_others_queue_with_their_position(managers):
    gate = threading.Event()
    manager = managers(runner=FakeRunner(gate=gate))
    a = manager.submit(CFG, "alice", "a")
    with pytest.raises(JobRefused, match="still (queued|running)"):
        manager.submit(CFG, "alice", "a again")
    b = manager.submit(CFG, "bob", "b")
    c = manager.submit(CFG, "carol", "c")
    assert wait_for(lambda: a.status == RUNNING)
    assert (b.snapshot().position, c.snapshot().position) == (1, 2)
    assert b.snapshot().status == QUEUED and "number 2" in c.snapshot().phase
    assert manager.active_job("alice") is a and manager.active_job("dave") is None
    gate.set()
    assert a.wait(10) and b.wait(10) and c.wait(10)
    assert [j.status for j in (a, b, c)] == [FINISHED] * 3
    assert manager.submit(CFG, "alice", "a2").wait(10)  # free again once finished


def test_a_full_queue_refuses_with_a_clear_message(managers):
    gate = threading.Event()
    runner = FakeRunner(gate=gate)
    manager = managers(runner=runner, max_queued=1)
    manager.submit(CFG, "alice")
    assert runner.started.wait(10)
    manager.submit(CFG, "bob")
    with pytest.raises(JobRefused, match="1 trainings are already waiting"):
        manager.submit(CFG, "carol")
    gate.set()


def test_stopping_a_queued_job_drops_it_at_once(managers):
    gate = threading.Event()
    manager = managers(runner=FakeRunner(gate=gate))
    a, b, c = (manager.submit(CFG, owner) for owner in ("alice", "bob", "carol"))
    assert wait_for(lambda: a.status == RUNNING)
    b.stop()
    assert b.status == STOPPED and b.run is None and b.wait(0)
    assert c.snapshot().position == 1 and manager.active_job("bob") is None
    gate.set()
    assert c.wait(10) and c.status == FINISHED


@pytest.mark.parametrize("error, message", [
    (ValueError("model.units must be an integer in [1, 1024], got 0"),
     "model.units must be an integer in [1, 1024], got 0"),
    # anything else may carry server paths (an OSError's file name): named by type only
    (OSError(2, "No such file", "/tmp/lstm-lab-x/secret-token/model.h5"),
     "an internal error (FileNotFoundError); the server's log has the details"),
])
def test_errors_are_surfaced_and_the_worker_goes_on(managers, error, message):
    manager = managers(runner=FakeRunner(fail=error))
    job = manager.submit(CFG, "alice")
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == FAILED and snap.error == message and job.run is None
    assert type(job.exception) is type(error) and job.exception.args == error.args and "Traceback" in job.traceback
    assert manager.submit(CFG, "alice", runner=FakeRunner()).wait(10)
    assert manager.active_job("alice") is None


def test_a_job_whose_owner_left_stops(managers):
    present = {"alice": True}
    manager = managers(runner=FakeRunner(epochs=100, batches=10, delay=0.005),
                       owner_alive=lambda owner: present[owner], grace=0.05)
    job = manager.submit(CFG, "alice")
    assert wait_for(lambda: job.snapshot().steps_done >= 2)
    time.sleep(0.1)
    assert job.status == RUNNING  # still there: keeps training
    present["alice"] = False
    assert job.wait(10)
    assert job.status == STOPPED and job.run is not None and job.run.steps < 1000


def test_close_stops_the_running_job_and_refuses_new_ones():
    manager = JobManager(runner=FakeRunner(epochs=100, batches=10, delay=0.005), in_process=True)
    job = manager.submit(CFG, "alice")
    assert wait_for(lambda: job.snapshot().steps_done >= 1)
    manager.close()
    assert job.status == STOPPED
    with pytest.raises(JobRefused, match="shut down"):
        manager.submit(CFG, "alice")


def test_submit_checks_its_config(managers):
    with pytest.raises(ValueError, match="ExperimentConfig"):
        managers(runner=FakeRunner()).submit({"model": {}}, "alice")


# ---------------------------------------------------------------------------------------- real trainer

class StopAfterFirstBatch:
    """A job's runner (pickled to the worker) that asks its job to stop once the first batch is in."""

    def __init__(self):
        self.inner = PipelineRunner()

    def __call__(self, job):
        original = job.on_batch_end

        def on_batch_end(update):
            original(update)
            job.stop()

        job.on_batch_end = on_batch_end
        return self.inner(job)


def test_real_training_reports_stops_and_fails_clearly(managers, tiny_imdb_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_LAB_CACHE", str(tmp_path / "cache"))
    manager = managers(warm_up=tiny_config(tiny_imdb_dir), in_process=False)
    job = manager.submit(tiny_config(tiny_imdb_dir), "alice", "tiny")
    assert job.wait(120), job.snapshot()
    snap = job.snapshot()
    assert snap.status == FINISHED, snap.error
    assert snap.epochs_done == 2 and snap.steps_done == 2 * snap.batches_per_epoch
    assert job.run.name == "tiny" and job.run.metrics.test and job.run.metrics.baseline
    assert list(job.run.batches["loss"]) == list(snap.batches["loss"])
    assert manager.warm_up_error is None and manager.workers()[0].pid != os.getpid()

    stopped = manager.submit(tiny_config(tiny_imdb_dir, max_epochs=50), "alice", "stopped",
                             runner=StopAfterFirstBatch())
    assert stopped.wait(120)
    assert stopped.status == STOPPED and stopped.snapshot().steps_done == 1
    assert stopped.run.info.stopped_by_user and stopped.run.metrics.test is not None

    missing = manager.submit(tiny_config(tmp_path / "nowhere"), "alice", "missing")
    assert missing.wait(60)
    assert missing.status == FAILED and "nowhere" in missing.snapshot().error


def test_a_job_queued_during_the_warm_up_says_the_trainer_is_starting(managers):
    class SlowStart(FakeRunner):
        def __init__(self):
            super().__init__()
            self.release = threading.Event()

        def warm_up(self, cfg):
            assert self.release.wait(10)

    runner = SlowStart()
    manager = managers(runner=runner, warm_up=CFG)
    job = manager.submit(CFG, "alice")
    assert job.status == QUEUED and "still starting: loading TensorFlow" in job.snapshot().phase
    runner.release.set()
    assert job.wait(10) and manager.warmed
    assert "still starting" not in manager.submit(CFG, "bob").snapshot().phase


def test_the_time_left_leaves_out_the_first_batch_s_graph_tracing(managers):
    job = Job(CFG, "alice", "eta", managers(runner=FakeRunner()))
    job.on_train_begin(TrainInfo(epochs=2, batches_per_epoch=10, train_size=100, val_size=10))
    job.on_batch_end(BatchUpdate(0, 0, 10, 0, 0.7, 0.5, elapsed=30.0))  # tracing the graph: 30 s
    assert job._eta_now() is None  # one batch says nothing of the pace yet
    for step in range(1, 5):
        job.on_batch_end(BatchUpdate(0, step, 10, step, 0.7, 0.5, elapsed=30.0 + 0.5 * step))
    assert job._eta_now() == pytest.approx(15 * 0.5)  # 15 batches left at 0.5 s, not at 30 s / 5 each


# ------------------------------------------------------------------------------------ languages


def test_a_snapshot_speaks_the_language_it_is_asked(managers):
    gate = threading.Event()
    runner = FakeRunner(gate=gate)
    manager = managers(runner=runner)
    first = manager.submit(CFG, "alice", "first")
    assert runner.started.wait(10)
    queued = manager.submit(CFG, "bob", "second")
    snap = queued.snapshot("ja")
    assert snap.phase.startswith("順番待ちです: 1 番目") and snap.phase_key.startswith("jobs.phase.queued")
    assert snap.phase_fields["position"] == 1 and "number 1" in queued.snapshot().phase  # English by default
    with pytest.raises(JobRefused) as refused:
        manager.submit(CFG, "alice", "again")
    assert refused.value.key == "jobs.refused.still_running" and "'first' is still running" in str(refused.value)
    queued.stop()
    assert queued.snapshot("ja").phase == "始まる前に止めました" and queued.snapshot().phase == "stopped before it started"
    gate.set()
    assert first.wait(10) and first.snapshot("ja").phase == "完了しました"


def test_the_pipeline_says_each_step_with_its_catalogue_key(tiny_imdb_dir):
    from lstm_core.pipeline import prepare

    said = []
    prepare(tiny_config(tiny_imdb_dir), progress=lambda what, fraction: said.append(what))
    assert said and all(getattr(what, "key", None) for what in said), said
    assert {what.key for what in said} == {"jobs.step.loading", "jobs.step.cleaning_train",
                                           "jobs.step.cleaning_test", "jobs.step.ready"}


def test_the_pipeline_s_steps_and_a_failure_s_type_are_said_in_japanese(managers):
    from lstm_core.jobs import Said, step_said
    from lstm_core.notices import Notice

    said = step_said(Notice.keyed("jobs.step.testing", n="1,000"))  # as lstm_core.pipeline says it
    assert str(Notice.keyed("jobs.step.testing", n="1,000")) == "testing on 1,000 test reviews"  # what the CLI prints
    assert said.key == "jobs.step.testing" and said.render("ja") == "1,000 件のテスト用レビューでテストしています"
    assert step_said("training 'x' (1 of 2)") == Said(None, words="training 'x' (1 of 2)")  # a runner's own words
    assert step_said(("jobs.step.ready", {})).render("ja") == "準備ができました"
    manager = managers(runner=FakeRunner(fail=OSError(2, "No such file", "/tmp/secret/model.h5")))
    job = manager.submit(CFG, "alice")
    assert job.wait(10) and job.status == FAILED
    assert job.snapshot("ja").error == "内部エラーです（FileNotFoundError）。詳しくはサーバーのログにあります"
    assert "secret" not in job.snapshot("ja").error
