"""The teacher's page: there only when the settings file sets a password, closed to a wrong one, and
with it the class's jobs, each with a Cancel that stops it."""

from __future__ import annotations

import pytest

from helpers import APP, LONG, english_left, shown_texts, texts, train_button
from lstm_core.i18n import text
from lstm_core.jobs import STOPPED
from lstm_core.settings import SettingsError, parse_settings
from streamlit.testing.v1 import AppTest

PASSWORD = "correct horse battery"


def teacher_app(owner: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lab_owner"] = owner
    if lang:
        at.query_params["lang"] = lang
    at.run()
    return at


def sign_in(at: AppTest, password: str) -> AppTest:
    at.switch_page("pages/teacher.py").run()
    at.text_input[0].input(password)
    at.button[0].click().run()  # the form's submit button
    return at


def test_without_a_password_in_the_settings_there_is_no_teacher_page(app_navigation):
    at = teacher_app("student-a")
    assert not at.exception, at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in the navigation
        at.switch_page("pages/teacher.py")


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_view(server_settings, app_navigation):
    server_settings(f'teacher_password = "{PASSWORD}"\n')
    at = sign_in(teacher_app("teacher-1"), "correct horse")
    assert not at.exception, at.exception
    assert "not the teacher's password" in texts(at.error)
    assert not any(m.label == "Running" for m in at.metric)
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert {"Running", "Waiting", "Training processes"} <= {m.label for m in at.metric}
    assert PASSWORD not in texts(at.markdown) + texts(at.caption)


def test_the_teacher_cancels_a_student_s_training(server_settings, app_navigation):
    server_settings(f'teacher_password = "{PASSWORD}"\n')
    pupil = AppTest.from_file(APP, default_timeout=90)
    pupil.session_state["lab_owner"] = "pupil-7"
    pupil.session_state["lab_config"] = LONG
    pupil.run()
    pupil.switch_page("pages/train.py").run()
    train_button(pupil).click().run()
    job = pupil.session_state["lab_job"]
    teacher = sign_in(teacher_app("teacher-2"), PASSWORD)
    assert not teacher.exception, teacher.exception
    shown = texts(teacher.markdown)
    assert job.name in shown and "pupil-7" not in shown  # the owner's token is never shown
    teacher.button(key=f"cancel-{job.id}").click().run()
    assert job.wait(120) and job.status == STOPPED, job.snapshot()


def test_the_teacher_page_in_japanese_shows_no_english(server_settings, app_navigation):
    server_settings(f'teacher_password = "{PASSWORD}"\n')
    at = sign_in(teacher_app("teacher-ja", "ja"), "wrong")
    assert not at.exception, at.exception
    assert "先生用のパスワードではありません。" in texts(at.error)
    assert english_left(shown_texts(at.main)) == []  # the page itself (the sidebar is the frame's)
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert {"実行中", "順番待ち", "学習プロセス"} <= {m.label for m in at.metric}
    assert english_left(shown_texts(at.main)) == []


def test_a_mistake_in_the_settings_file_reads_in_japanese():
    for bad in ('mode = "open"', "[workers]\nqueue_size = 0", "teacher_password = 1234", "colour = 1"):
        with pytest.raises(SettingsError) as caught:
            parse_settings(bad, "lab_settings.toml")
        japanese = text("ja", caught.value.key, **caught.value.fields)
        assert japanese.startswith("lab_settings.toml: ") and str(caught.value) != japanese
