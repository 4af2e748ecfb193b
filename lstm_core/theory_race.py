"""SimpleRNN, LSTM and GRU on the same reviews: one configuration, one seed, one prepared split, trained
one after the other in one background job (issue 15, item 4).

    result = race(ExperimentConfig())          # every cell of RACE_CELLS
    result.table()                             # test accuracy, probe accuracy, seconds per epoch, ...

Besides the test split, each model reads :data:`PROBES`: short reviews written for this comparison
whose verdict comes first and is followed by plain, neutral description, so a model that reads h_T
must carry the verdict across the words after it. Their accuracy is reported as measured (12 reviews:
a coarse probe, not a benchmark).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import CELLS, ExperimentConfig
from .memory_task import CELL_NAMES
from .pipeline import prepare, train_run
from .theory_jobs import CurveRecorder, RecordedTask
from .training import best_val_accuracy

RACE_CELLS = ("rnn", "lstm", "gru")
_AFTER = (" The film was shot over two months in a small town by the coast, the cast includes several "
          "actors from television, the music was written by a newcomer and the running time is close to two "
          "hours, with a short scene after the credits.")
# (review, label 1 = positive): the verdict first, then the same neutral description.
PROBES: tuple[tuple[str, int], ...] = tuple((verdict + _AFTER, label) for verdict, label in (
    ("A wonderful, moving film that I loved from start to finish.", 1),
    ("Brilliant acting and a superb script: one of the best films of the year.", 1),
    ("I enjoyed every minute; funny, clever and beautifully made.", 1),
    ("An excellent story told with real warmth. Highly recommended.", 1),
    ("A delightful surprise, great fun and a fantastic cast.", 1),
    ("Simply perfect, I would happily watch it again.", 1),
    ("An awful, boring film and a complete waste of time.", 0),
    ("Terrible acting and a dull, stupid plot. Avoid it.", 0),
    ("The worst movie I have seen in years; I regret paying for it.", 0),
    ("A horrible mess with bad jokes and no story at all.", 0),
    ("Boring, lifeless and far too long. I fell asleep.", 0),
    ("A disappointing, poorly written film that never works.", 0),
))


RACE = "cell race"  # the kind of its background job (lstm_core.jobs.Job.kind)

@dataclass(frozen=True)
class RaceEntry:
    cell: str
    run: Any  # lstm_core.runs.Run
    test_accuracy: float
    probe_accuracy: float
    seconds_per_epoch: float
    epochs_run: int
    stopped: bool


@dataclass
class RaceResult:
    config: ExperimentConfig
    entries: dict[str, RaceEntry] = field(default_factory=dict)
    stopped: bool = False

    def table(self) -> list[dict[str, Any]]:
        """One row per cell, for a page or a report."""
        rows = []
        for e in self.entries.values():
            rows.append({"cell": CELL_NAMES[e.cell], "test accuracy": e.test_accuracy,
                         "probe accuracy": e.probe_accuracy, "best val accuracy": best_val_accuracy(e.run.history),
                         "epochs run": e.epochs_run, "seconds per epoch": e.seconds_per_epoch})
        return rows


def probe_accuracy(run: Any) -> float:
    """Share of :data:`PROBES` that ``run`` labels right (P(positive) >= 0.5 means positive)."""
    p = np.asarray(run.predict([text for text, _ in PROBES]))
    labels = np.array([label for _, label in PROBES])
    return float(np.mean((p >= 0.5).astype(int) == labels))


def race(cfg: ExperimentConfig, cells: Sequence[str] = RACE_CELLS, *, recorder: CurveRecorder | None = None,
         progress: Callable[[str, float], None] | None = None) -> RaceResult:
    """Train ``cfg`` once per cell (only ``model.cell`` differs) on one prepared split; a stop keeps the
    cells finished (the one training is tested as it stands)."""

    cells = tuple(cells)
    if not cells or len(set(cells)) != len(cells) or not set(cells) <= set(CELLS):
        raise ValueError(f"race.cells must be distinct names among {', '.join(CELLS)}, got {cells!r}")
    recorder = recorder or CurveRecorder(cells, cfg.train.max_epochs)
    say = progress or (lambda what, fraction: None)
    prepared = prepare(cfg, progress=progress)
    result = RaceResult(cfg)
    for i, cell in enumerate(cells):
        if recorder.should_stop():
            result.stopped = True
            break
        say(f"training {CELL_NAMES[cell]} ({i + 1} of {len(cells)})", (i + 1) / len(cells))
        recorder.started(cell)
        t0 = time.perf_counter()
        run = train_run(cfg.replace(model={"cell": cell}), recorder.listener(cell), prepared=prepared,
                        name=f"race: {CELL_NAMES[cell]}", with_baseline=False)
        epochs = run.info.epochs_run or 1
        seconds = run.info.seconds if run.info.seconds is not None else time.perf_counter() - t0
        entry = RaceEntry(cell, run, run.metrics.test.accuracy, probe_accuracy(run), seconds / epochs,
                          epochs, run.info.stopped_by_user)
        result.entries[cell] = entry
        recorder.add(entry)
        if entry.stopped:
            result.stopped = True
            break
    recorder.started(None)
    return result


class RaceTask(RecordedTask):
    """A background job's runner that runs :func:`race`; the page polls :meth:`snapshot`."""

    def __init__(self, cfg: ExperimentConfig, cells: Sequence[str] = RACE_CELLS):
        self.config, self.cells = cfg, tuple(cells)
        super().__init__(lambda recorder, progress: race(cfg, self.cells, recorder=recorder, progress=progress),
                         self.cells, cfg.train.max_epochs)

    def __reduce__(self):  # to a worker process as its config and cells
        return RaceTask, (self.config, self.cells)
