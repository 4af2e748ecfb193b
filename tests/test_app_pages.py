"""Every page through Streamlit's AppTest: renders, trains a tiny model, stops, refuses bad input.

The trainer is the app's shared one (``st.cache_resource``), so these tests exercise the real
background job; configs are tiny (20 reviews per class, 20 tokens, 4 units) to keep CPU use low.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from helpers import APP, LONG, TINY, app, bundle_of, button, texts, train_button, until_done, upload
import ui.readings
import ui.state
from lstm_core.config import ExperimentConfig
from lstm_core.errors import RunError
from lstm_core.preprocessing import clean_stages
from ui.stages import stages_html
from ui.state import RunEntry

pytestmark = pytest.mark.usefixtures("app_navigation")


# -------------------------------------------------------------------------------------------- render


def test_home_renders_without_tensorflow():
    """The first page imports no TensorFlow (the trainer's and the server's warm-ups are left out here)."""
    script = f"""
import sys
import ui.state
ui.state.JobManager.from_settings = lambda *args, **kwargs: None
ui.state._warm_default_run = lambda: None
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({APP!r}, default_timeout=30).run()
assert not at.exception, at.exception
assert at.title[0].value == "LSTM Lab" and len(at.get("image")) == 1
assert [l.proto.page for l in at.get("page_link")] == ["why_lstm", "data", "train", "gates", "compare"]
heavy = sorted(m for m in ("tensorflow", "keras", "sklearn") if m in sys.modules)
assert not heavy, heavy
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=Path(APP).parent)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_the_server_loads_the_default_run_and_reads_one_review_in_its_warm_up(monkeypatch):
    asked = []

    class Run:
        def predict(self, texts):
            asked.append(texts)

    monkeypatch.setattr(ui.state, "default_entry", lambda: RunEntry("default", ui.state.DEFAULT_RUN, "default",
                                                                     ExperimentConfig()))
    monkeypatch.setattr(ui.state, "_cached_default_run", lambda path: asked.append(path) or Run())
    monkeypatch.setattr(ui.readings, "warm", lambda entry, run: asked.append(("readings", entry.name)))
    ui.state._warm_default_run()
    # two batch sizes (TensorFlow then traces predict for any), then the Gates page's first readings (a review's too)
    assert asked == [str(ui.state.DEFAULT_RUN), ["a warm-up review"], ["a warm-up review", "and a second one"],
                     ("readings", "default")]


def test_a_damaged_default_run_does_not_break_the_warm_up(monkeypatch):
    def damaged(path):
        raise RunError(f"{path}: weights.h5 is damaged")

    monkeypatch.setattr(ui.state, "default_entry", lambda: RunEntry("default", ui.state.DEFAULT_RUN, "default",
                                                                     ExperimentConfig()))
    monkeypatch.setattr(ui.state, "_cached_default_run", damaged)
    ui.state._warm_default_run()  # the Gates page says what is wrong when it asks; the thread ends quietly
    monkeypatch.setattr(ui.state, "default_entry", lambda: None)
    monkeypatch.setattr(ui.state, "_cached_default_run", lambda path: pytest.fail("no default run to load"))
    ui.state._warm_default_run()


def test_sidebar_shows_the_default_model_or_says_there_is_none():
    at = app()
    sidebar = texts(at.sidebar.markdown) + texts(at.sidebar.caption)
    if Path(APP).parent.joinpath("assets", "default_run").is_dir():
        assert "The app's default model" in sidebar and "test accuracy" in sidebar
    else:
        assert "No model yet" in sidebar


def test_data_page_shows_balance_lengths_stages_and_vocabulary():
    at = app("pages/data.py", TINY)
    assert len(at.get("plotly_chart")) == 2
    assert "40 training and 40 test reviews" in texts(at.caption)
    (stages,) = at.get("html")
    body = stages.proto.body
    for name in ("raw", "HTML stripped", "letters only", "stopwords dropped", "token ids", "padded to 20"):
        assert f">{name}<" in body
    assert [m.label for m in at.metric][:3] == ["Words in the vocabulary", "Training tokens covered",
                                                "Test tokens covered"]


def test_data_page_switches_change_the_config():
    at = app("pages/data.py", TINY)
    at.toggle(key="cfg:preprocess.keep_negations").set_value(False).run()
    assert not at.exception and at.session_state["lab_config"].preprocess.keep_negations is False
    button(at, "Tutorial's cleaning").click().run()
    tutorial = ExperimentConfig.tutorial().preprocess
    assert at.session_state["lab_config"].preprocess == tutorial
    assert at.toggle(key="cfg:preprocess.html_as_space").value is False


def test_data_page_shows_lemmatize_off_when_this_machine_cannot_lemmatize(tmp_path, monkeypatch):
    from lstm_core import lemmatizer, nltk_data

    assert at_toggle_state(app("pages/data.py", TINY)) == (True, False)
    monkeypatch.setattr(lemmatizer, "WORDNET_ASSET", tmp_path / "gone" / "wordnet_verbs.txt")
    monkeypatch.setattr(nltk_data, "nltk_search_path", lambda: [str(tmp_path)])
    at = app("pages/data.py", TINY.replace(data={"per_class": 19}))  # not the cached summary of 20
    assert at_toggle_state(at) == (False, True)
    warning = texts(at.warning)
    assert "Lemmatization is off" in warning and str(tmp_path) not in warning and "NLTK_DATA" not in warning
    assert "lemmatized" not in at.get("html")[0].proto.body  # the stages say "lowercased"


def at_toggle_state(at: AppTest) -> tuple[bool, bool]:
    """(shown on, disabled) of the Data page's Lemmatize switch."""
    toggle = at.toggle(key="cfg:preprocess.lemmatize")
    return toggle.value, toggle.proto.disabled


@pytest.mark.parametrize("make_path", [lambda tmp: tmp / "does-not-exist",
                                       lambda tmp: (tmp / "notes").mkdir() or tmp / "notes"])
def test_data_page_refuses_a_bad_path_and_keeps_the_data(tmp_path, make_path):
    at = app("pages/data.py", TINY)
    at.radio[0].set_value("full").run()
    at.text_input[0].input(str(make_path(tmp_path))).run()
    button(at, "Use this data").click().run()
    assert not at.exception
    assert "cannot be used" in texts(at.error)
    assert at.session_state["lab_config"].data.source == "bundled"
    assert len(at.get("plotly_chart")) == 2  # the previous data still shows


def test_review_text_is_escaped():
    evil = 'Nice <script>alert("x")</script> film <img src=x onerror=alert(1)> not bad<br />'
    stages = clean_stages(evil, TINY.preprocess)
    words = list(stages[-1].tokens)
    out = stages_html(stages, [2] * len(words), [2] * len(words), words=words, max_len=20, keep="end")
    assert "<script" not in out and "<img" not in out and "<br />" not in out
    assert "&lt;script&gt;" in out and "&lt;br /&gt;" in out


def number(formatted: str) -> int | float:
    """A select_slider option back from its label ("1,000", "0.0001")."""
    plain = formatted.replace(",", "")
    return int(plain) if plain.isdigit() else float(plain)


def test_train_page_every_slider_at_its_extremes():
    at = app("pages/train.py", TINY)
    for end in ("min", "max"):
        for i in range(len(at.slider)):
            s = at.slider[i]
            s.set_value(getattr(s, end)).run()
            assert not at.exception, (s.label, end)
        for i in range(len(at.select_slider)):
            s = at.select_slider[i]
            s.set_value(number(s.options[0 if end == "min" else -1])).run()
            assert not at.exception, (s.label, end)
        assert not at.error, texts(at.error)
    cfg = at.session_state["lab_config"]
    assert cfg.sequence.max_len == 1000 and cfg.train.max_epochs == 100 and cfg.train.validation_split == 0.5


@pytest.mark.parametrize("label, preset", [("Best found", ExperimentConfig.best),
                                           ("Tutorial's settings", ExperimentConfig.tutorial),
                                           ("Classroom defaults", ExperimentConfig)])
def test_train_page_presets_set_the_model_and_training_knobs(label, preset):
    at = app("pages/train.py", TINY)
    button(at, label).click().run()
    assert not at.exception
    cfg = at.session_state["lab_config"]
    assert (cfg.model, cfg.train, cfg.sequence) == (preset().model, preset().train, preset().sequence)


# -------------------------------------------------------------------------------------------- training


def test_tiny_training_live_results_and_history():
    at = app("pages/train.py", TINY)
    train_button(at).click().run()
    assert not at.exception
    job = at.session_state["lab_job"]
    assert train_button(at).disabled  # a second click cannot start a second training
    until_done(at)
    assert not at.exception, at.exception
    assert job.snapshot().status == "finished"
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["Test accuracy", "Precision", "Recall", "F1", "TF-IDF + LR baseline"]
    assert len(at.get("plotly_chart")) >= 2  # curves with the baseline, confusion matrix
    (table,) = at.dataframe
    assert list(table.value["run"]) == ["run 1: LSTM 4 units"] and table.value["epochs"][0] == 2
    assert "run 1: LSTM 4 units" in texts(at.sidebar.markdown)
    assert not train_button(at).disabled


def test_stop_keeps_the_model_trained_so_far():
    at = app("pages/train.py", LONG)
    train_button(at).click().run()
    job = at.session_state["lab_job"]
    running(job, 2)
    at.run()
    assert at.button(key="stop").label == "Stop"
    at.button(key="stop").click().run()
    assert not at.exception
    until_done(at, 120)
    snap = job.snapshot()
    assert snap.status == "stopped" and snap.epochs_done < 100
    assert "stopped by you" in texts(at.caption)
    entry = at.session_state["lab_runs"][-1]
    assert entry.info.stopped_by_user and entry.test_accuracy is not None


def test_a_training_that_ends_during_a_page_run_still_becomes_the_result(monkeypatch):
    # Under a class's load a script run takes seconds: a training can end after the sidebar's collect
    # and before the page's live view, which then sees no job running and polls no more. (Found by
    # bench_classroom.py: students whose page kept showing the default model after their training.)
    at = app("pages/train.py", TINY.replace(train={"seed": 11}))  # its own: not served from the run store
    train_button(at).click().run()
    job = at.session_state["lab_job"]
    assert job.wait(120), job.snapshot()
    assert not at.session_state["lab_runs"]  # not collected yet: the click's run saw it training
    collect, calls = ui.state.collect_finished_job, []

    def collect_too_early():  # this run's collect came while the training still ran
        calls.append(1)
        return None if len(calls) == 1 else collect()

    monkeypatch.setattr(ui.state, "collect_finished_job", collect_too_early)
    at.run()
    assert not at.exception, at.exception
    assert len(calls) >= 2  # the page ran again, and that run collected
    assert [e.name for e in at.session_state["lab_runs"]] == ["run 1: LSTM 4 units"]
    assert "run 1: LSTM 4 units" in texts(at.sidebar.markdown) and at.metric


def test_a_collect_that_streamlit_interrupts_is_made_by_the_next_run(monkeypatch):
    # Streamlit ends a script run at its next element when a rerun request comes in (a student who
    # navigates while the run is landed and saved, seconds under load). The job was marked collected
    # before its run joined the history, so that student kept the default model for good
    # (bench_classroom.py --trace).
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    at = app("pages/train.py", TINY.replace(train={"seed": 12}))  # its own: not served from the run store
    train_button(at).click().run()
    job = at.session_state["lab_job"]
    assert job.wait(120), job.snapshot()
    add_run, calls = ui.state.add_run, []

    def interrupted_once(run, source):
        calls.append(source)
        if len(calls) == 1:
            raise StopException()  # what the script thread sees when the student clicks away
        return add_run(run, source)

    monkeypatch.setattr(ui.state, "add_run", interrupted_once)
    at.run()
    assert not at.session_state["lab_runs"]  # the run was cut short before its run joined the history
    at.run()
    assert not at.exception, at.exception
    assert len(calls) == 2
    assert [e.name for e in at.session_state["lab_runs"]] == ["run 1: LSTM 4 units"]
    assert "run 1: LSTM 4 units" in texts(at.sidebar.markdown) and at.metric


def running(job, steps: int = 1, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while job.snapshot().steps_done < steps and time.monotonic() < end:
        time.sleep(0.05)
    assert job.snapshot().steps_done >= steps, job.snapshot()


def test_leaving_the_train_page_keeps_training_and_the_live_view_comes_back():
    at = app("pages/train.py", LONG)
    train_button(at).click().run()
    job = at.session_state["lab_job"]
    running(job)
    at.switch_page("pages/home.py").run()
    assert not at.exception and job.status == "running"
    assert at.sidebar.get("progress") and "Epoch" not in texts(at.markdown)  # live line in the sidebar
    at.switch_page("pages/train.py").run()
    assert at.button(key="stop").label == "Stop" and at.get("progress")
    assert job.snapshot().steps_done >= 1
    job.stop()
    until_done(at, 120)
    assert at.session_state["lab_runs"][-1].info.stopped_by_user


def test_another_sessions_training_queues_mine_with_its_position():
    first = app("pages/train.py", LONG, owner="first session")
    second = app("pages/train.py", TINY.replace(train={"seed": 4242}), owner="second session")  # trained by no one
    train_button(first).click().run()
    running(first.session_state["lab_job"])
    train_button(second).click().run()
    assert not second.exception
    assert "waiting in the queue: number 1" in texts(second.info)
    assert second.button(key="stop").label == "Cancel"
    second.button(key="stop").click().run()
    queued = second.session_state["lab_job"]
    assert queued.status == "stopped" and queued.run is None
    first.session_state["lab_job"].stop()
    until_done(first, 120)
    second.run()
    assert "stopped before it started" in texts(second.info) and not second.exception


def test_second_train_click_is_refused_not_doubled():
    at = app("pages/train.py", LONG)
    train_button(at).click().run()
    first = at.session_state["lab_job"]
    from ui.state import job_manager

    with pytest.raises(ValueError, match="still (queued|running)"):
        job_manager().submit(TINY, first.owner)
    first.stop()
    until_done(at, 120)
    assert at.session_state["lab_job"] is first and len(at.session_state["lab_runs"]) <= 1


def test_a_failing_training_shows_its_message():
    bad = TINY.replace(data={"source": "/nowhere/aclImdb"})
    at = app("pages/train.py", bad)
    train_button(at).click().run()
    until_done(at, 60)
    assert not at.exception
    assert "/nowhere/aclImdb" in texts(at.error)


def test_run_directories_of_sessions_that_ended_are_pruned(tmp_path, monkeypatch):
    import os

    import ui.state

    for name in ("gone-old", "gone-new", "here-old"):
        (tmp_path / name).mkdir()
    for name in ("gone-old", "here-old"):
        os.utime(tmp_path / name, (1, 1))
    monkeypatch.setattr(ui.state, "_session_alive", lambda owner: owner.startswith("here"))
    assert ui.state.prune_session_dirs(tmp_path) == [tmp_path / "gone-old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone-new", "here-old"]


# -------------------------------------------------------------------------------------------- uploads


@pytest.fixture(scope="module")
def trained() -> AppTest:
    at = app("pages/train.py", TINY.replace(train={"max_epochs": 1}))
    train_button(at).click().run()
    until_done(at)
    return at


def test_upload_round_trip_and_history_tools(trained):
    at = trained
    data = bundle_of(at)
    upload(at, "run.zip", data)
    runs = at.session_state["lab_runs"]
    assert [e.source for e in runs][-1] == "uploaded" and runs[-1].name.endswith("(2)")
    assert at.session_state["lab_current"] is runs[-1]
    at.session_state["history"] = {"selection": {"rows": [0, len(runs) - 1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert "These runs have the same settings." in texts(at.caption)
    assert len([b for b in at.get("download_button")]) == 4  # CSV and bundle for each


@pytest.mark.parametrize("name, data, message", [
    ("notes.zip", b"just some text", "not a run bundle"),
    ("empty.zip", None, "missing"),
    ("broken.zip", "truncate", "not a run bundle"),
])
def test_bad_uploads_say_why_and_keep_the_model(trained, name, data, message):
    at = trained
    before = at.session_state["lab_current"]
    if data is None:
        buf = io.BytesIO()
        zipfile.ZipFile(buf, "w").close()
        data = buf.getvalue()
    elif data == "truncate":
        data = bundle_of(at)[: 2000]
    upload(at, name, data)
    assert message in texts(at.error) and "The current model is unchanged" in texts(at.error)
    assert at.session_state["lab_current"] is before


def test_a_huge_upload_is_refused(trained, server_settings):
    server_settings("[caps]\nupload_mb = 0.001\n")  # 1,048 bytes
    before = trained.session_state["lab_current"]
    upload(trained, "huge.zip", b"0" * 5000)
    assert "limit" in texts(trained.error)
    assert trained.session_state["lab_current"] is before


# -------------------------------------------------------------------------------------------- Japanese
# Streamlit draws a few texts of its own that no app can change: the file uploader's "Drag and drop file
# here", "Browse files" and "Limit … per file", the dataframe's toolbar. shown_texts reads only the app's own.
# The page is read without the sidebar (the app's frame, tested with it; its language switch says "English").


def ja_app(page: str, config: ExperimentConfig | None = None, owner: str | None = None) -> AppTest:
    """``helpers.app`` opened with ``?lang=ja``."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "ja"
    if config is not None:
        at.session_state["lab_config"] = config
    if owner is not None:
        at.session_state["lab_owner"] = owner
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def names_shown(at: AppTest) -> set[str]:
    """The words of the run names on the page (a run's name is its own, the same in every language), and the
    default run's name and data set."""
    import ui.state
    from lstm_core.runs import read_run_docs

    names = [e.name for e in at.session_state["lab_runs"]] if "lab_runs" in at.session_state else []
    if Path(ui.state.DEFAULT_RUN).is_dir():
        info = read_run_docs(ui.state.DEFAULT_RUN).info
        names += [info.name, info.data]
    return {w for name in names for w in name.replace(":", " ").replace("(", " ").replace(")", " ").split()}


def page_english(at: AppTest) -> list[str]:
    """The English words left on the page (beside the sidebar). A number such as 1e-05 (the L1/L2 steps) is the
    same in every language, which helpers.english_left would read as the word "e-05"."""
    from helpers import english_left, shown_texts

    same = re.compile(r"\d(\.\d+)?e[-+]?\d+")
    return english_left([same.sub(" ", s) for s in shown_texts(at.main)], names_shown(at))


def test_the_train_page_in_japanese_shows_no_english():
    at = ja_app("pages/train.py", TINY)
    assert at.title[0].value == "学習" and train_button(at).label == "学習する"
    assert page_english(at) == []
    assert at.radio(key="cfg:sequence.keep").options == ["末尾", "先頭"]


def test_training_in_japanese_shows_its_results_history_and_charts_in_japanese():
    from helpers import english_left

    at = ja_app("pages/train.py", TINY, owner="japanese session")
    train_button(at).click().run()
    until_done(at)
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:2] == ["テスト正解率", "適合率"]
    assert page_english(at) == []
    (table,) = at.dataframe
    assert list(table.value.columns)[:2] == ["学習結果", "セル"]
    assert english_left([*map(str, table.value.columns), *table.value["設定"], *table.value["終わり方"]]) == []


def test_a_refused_upload_and_a_refused_setting_say_why_in_japanese():
    at = ja_app("pages/train.py", TINY)
    upload(at, "notes.zip", b"just some text")
    (error,) = at.error
    assert "学習結果ファイルではありません" in error.value and "現在のモデルは変わりません" in error.value
    assert page_english(at) == []
    # The Train page's widgets offer only valid values (Streamlit resets one out of range to its default), so
    # the refusal a widget's change would store (ui.state.update_config) is stored here as it would be.
    with pytest.raises(ValueError) as refused:
        TINY.replace(model={"units": 0})
    at.session_state["lab_config_error"] = refused.value
    at.run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("その設定は反映されませんでした: model\\.units は 1 以上 1024 以下の整数")
               for e in at.error), texts(at.error)
    assert page_english(at) == ["model", "units"]  # the setting's name, model.units: code in every language


def test_the_train_page_still_renders_in_english():
    at = app("pages/train.py", TINY)
    assert at.title[0].value == "Train" and train_button(at).label == "Train"
    assert any("Press **Train**" in m.value for m in at.markdown)
    assert at.radio(key="cfg:sequence.keep").options == ["end", "start"]
    assert "Training on 40 reviews" in texts(at.caption)


def test_the_language_read_once_per_run_follows_the_switch_and_the_url_at_once():
    from lstm_core.i18n import text

    def heading(at: AppTest) -> str:  # the sidebar's "Current model"
        (said,) = [c.value for c in at.sidebar.caption if c.value in (en, ja)]
        return said

    en, ja = text("en", "app.current.heading"), text("ja", "app.current.heading")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert heading(at) == en
    at.sidebar.button_group[0].set_value("ja").run()  # the switch: its own run says Japanese throughout
    assert heading(at) == ja and not at.exception
    at.query_params["lang"] = "en"  # a link to English opened in the same session: the next run reads it
    assert heading(at.run()) == en
    at.query_params["lang"] = "ja"
    assert heading(at.run()) == ja
