"""The server's session trace (ui.trace): off by default, JSON lines of digests when asked for."""

from __future__ import annotations

import json

import pytest

from helpers import TINY, app, train_button, until_done
import ui.trace as trace

pytestmark = pytest.mark.usefixtures("app_navigation")


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_without_the_variable_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(trace, "_PATH", None)
    monkeypatch.chdir(tmp_path)
    trace.log("run", page="train")
    assert not trace.enabled()
    assert list(tmp_path.iterdir()) == []


def test_a_line_per_event_with_its_fields(tmp_path, monkeypatch):
    path = tmp_path / "trace.jsonl"
    monkeypatch.setattr(trace, "_PATH", str(path))
    trace.log("run", page="train", runs=2)
    trace.log("collect", has_run=True)
    first, second = lines(path)
    assert (first["event"], first["page"], first["runs"]) == ("run", "train", 2)
    assert second == {"t": second["t"], "event": "collect", "has_run": True}
    assert second["t"] >= first["t"] > 0


def test_a_digest_stands_for_a_token_without_showing_it():
    token = "s3cret-owner-token"
    assert trace.digest(token) == trace.digest(token)
    assert len(trace.digest(token)) == 8 and trace.digest(token) not in token
    assert trace.digest("another") != trace.digest(token)
    assert trace.digest(None) is None


def test_the_app_traces_each_full_run_its_collect_and_no_secret(tmp_path, monkeypatch):
    path = tmp_path / "trace.jsonl"
    monkeypatch.setattr(trace, "_PATH", str(path))
    # its own seed: with TINY's own, its run would be in the run store and another test's TINY training instant
    at = app("pages/train.py", config=TINY.replace(train={"seed": 13}), owner="owner-token-abc")
    train_button(at).click().run()
    until_done(at)  # the run that sees it done collects it (a line of its own)
    at.run()  # and the next one's line shows it in the history
    events = lines(path)
    runs = [e for e in events if e["event"] == "run"]
    assert runs and runs[-1]["page"] == "train" and runs[-1]["runs"] == 1 and runs[-1]["current"]
    assert runs[-1]["job_done"] and runs[-1]["collected"]
    (collect,) = [e for e in events if e["event"] == "collect"]
    assert collect["has_run"] and collect["owner"] == trace.digest("owner-token-abc")
    assert "owner-token-abc" not in path.read_text(encoding="utf-8")
