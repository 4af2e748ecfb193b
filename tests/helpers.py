"""Helpers shared by the AppTest tests of the pages (tests/test_app_pages.py, test_security.py)."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lstm_core.config import ExperimentConfig
from lstm_core.runs import export_bundle

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TINY = ExperimentConfig().replace(
    data={"per_class": 20},
    sequence={"max_len": 20, "max_vocab": 1_000},
    model={"embedding_dim": 8, "units": 4, "dense_units": 4, "dropout": 0.0, "embedding_init": "random",
           "embedding_trainable": True},
    train={"max_epochs": 2, "batch_size": 8, "learning_rate": 0.01, "patience": 5},
)
LONG = TINY.replace(train={"max_epochs": 100, "batch_size": 2})  # runs until stopped


def app(page: str | None = None, config: ExperimentConfig | None = None, owner: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if config is not None:
        at.session_state["lab_config"] = config
    if owner is not None:  # AppTests share one session id; the trainer tells sessions apart by it
        at.session_state["lab_owner"] = owner
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    """The elements' text as a reader sees it (user text in markdown is backslash-escaped)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in elements))


def until_done(at: AppTest, timeout: float = 180) -> None:
    job = at.session_state["lab_job"]
    assert job.wait(timeout), job.snapshot()
    at.run()  # the page sees the job done, collects the run and redraws


def button(at: AppTest, label: str):
    (found,) = [b for b in at.button if b.label == label]
    return found


def train_button(at: AppTest):
    return at.button(key="train")


def bundle_of(at: AppTest) -> bytes:
    return export_bundle(at.session_state["lab_runs"][-1].path)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="bundle").upload(name, data, "application/zip").run()
    assert not at.exception, at.exception
    return at
