"""LSTM Lab: ``streamlit run app.py``. Entry point: page list, navigation, the sidebar on every page.

Importing this file must stay cheap (no TensorFlow): the first page renders in a few seconds.
"""

from pathlib import Path

import streamlit as st

from ui.boot import keep_keras_state
from ui.i18n import error_text, keep_in_url, t
from ui.lesson import apply_link, show_notices
from ui.presenter import initial_sidebar
from ui.tour import step_banner
from ui.sidebar import render_sidebar
from ui.state import bind_browser, job_manager, settings, trace_run, warm_server

FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.svg"

keep_keras_state()  # Streamlit would reset Keras after every run, under the background training

# The tab icon is our own file (scripts/make_favicon.py): a ":material/…" page icon makes the browser
# fetch it from Google's servers. (The st.Page icons below are drawn with the font Streamlit serves.)
st.set_page_config(page_title="LSTM Lab", page_icon=str(FAVICON), layout="wide",
                   initial_sidebar_state=initial_sidebar())

if not bind_browser():  # another browser presented this session's id: it sees nothing of it
    st.error(t("app.session_elsewhere"))
    st.stop()
try:
    settings()
except ValueError as e:  # SettingsError: the teacher's lab_settings.toml; nothing runs until it is fixed
    st.error(t("app.settings_invalid", error=error_text(e)))
    st.stop()

# One line per page; the first is the start page.
PAGES = [
    st.Page("pages/home.py", title=t("app.page.home"), icon=":material/home:", default=True),
    st.Page("pages/why_lstm.py", title=t("app.page.why_lstm"), icon=":material/psychology:"),
    st.Page("pages/data.py", title=t("app.page.data"), icon=":material/article:"),
    st.Page("pages/train.py", title=t("app.page.train"), icon=":material/model_training:"),
    st.Page("pages/gates.py", title=t("app.page.gates"), icon=":material/tune:"),
    st.Page("pages/compare.py", title=t("app.page.compare"), icon=":material/compare_arrows:"),
]
if settings().teacher_password:  # the teacher's view exists only when the settings file opens it
    PAGES.append(st.Page("pages/teacher.py", title=t("app.page.teacher"), icon=":material/school:"))

keep_in_url()  # the language stays in the URL across page changes
apply_link()  # a lesson link's settings, hidden and locked controls, read once per session
page = st.navigation(PAGES)
trace_run(page.url_path)  # one line per full run in the server's trace, when LSTM_LAB_TRACE asks for one
show_notices()  # what a link asked for that could not be applied
step_banner(page.url_path)  # the guided lesson's current step, if one is on
render_sidebar(page.url_path)  # the page that shows the session's job draws it, the sidebar elsewhere
page.run()

# Once the first page is drawn, start the shared trainer: it warms TensorFlow up in the background
# so that the first Train click does not wait for it. (Started before the page, its warm-up made the
# first page 8.4 s instead of 4.6 s and the very first click's first point 12.7 s instead of 16.1 s:
# no gain in total, and a slower first impression; bench/bench_app.py.) The server's own Keras comes
# in the same way: the default run's model loads in a thread, not in the class's first Gates visit.
job_manager()
warm_server()
