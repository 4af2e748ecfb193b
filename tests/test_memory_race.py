"""lstm_core.theory_race: SimpleRNN, LSTM and GRU on the same tiny reviews, one config and seed, through
the recorder; the probe reviews; a stop; bad cells named. (Named test_memory_race: the Why LSTM tests.)"""

from __future__ import annotations

import pytest
from helpers import tiny_config

from lstm_core.theory_jobs import CurveRecorder
from lstm_core.theory_race import PROBES, RaceTask, probe_accuracy, race


def test_the_probes_put_the_verdict_first_and_are_balanced():
    labels = [label for _, label in PROBES]
    assert labels.count(1) == labels.count(0) == 6
    assert all(text.endswith("a short scene after the credits.") for text, _ in PROBES)


def test_a_race_trains_each_cell_with_only_the_cell_changed(tiny_imdb_dir):
    cfg = tiny_config(tiny_imdb_dir, max_epochs=1)
    recorder = CurveRecorder(("rnn", "gru"), 1)
    result = race(cfg, ("rnn", "gru"), recorder=recorder)
    assert list(result.entries) == ["rnn", "gru"] and not result.stopped
    for cell, e in result.entries.items():
        assert e.run.config == cfg.replace(model={"cell": cell})
        assert 0 <= e.test_accuracy <= 1 and e.probe_accuracy == probe_accuracy(e.run) and e.seconds_per_epoch > 0
    rows = result.table()
    assert [r["cell"] for r in rows] == ["SimpleRNN", "GRU"] and rows[0]["epochs run"] == 1
    snap = recorder.snapshot()
    assert snap.fraction == 1.0 and snap.curves["gru"].batches_per_epoch >= 1
    assert snap.curves["rnn"].history["val_accuracy"] and len(snap.records) == 2


def test_a_stopped_race_keeps_nothing_it_did_not_train(tiny_imdb_dir):
    cfg = tiny_config(tiny_imdb_dir, max_epochs=1)
    result = race(cfg, ("lstm",), recorder=CurveRecorder(("lstm",), 1, should_stop=lambda: True))
    assert result.stopped and not result.entries
    with pytest.raises(ValueError, match=r"race.cells must be distinct names among lstm, gru, rnn, got \('lstm', 'lstm'\)"):
        race(cfg, ("lstm", "lstm"))
    assert RaceTask(cfg).cells == ("rnn", "lstm", "gru")
