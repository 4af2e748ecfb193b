"""Two corrections to Streamlit's defaults for an app that trains in the background.

Keras state (:func:`keep_keras_state`, called by app.py). After every script run
Streamlit calls ``keras.backend.clear_session()``, for apps that build a model in
their script. Here models train in a background thread while the live chart reruns
a fragment every second: each call replaced Keras' global state under the running
``fit``, emptied TensorFlow's kernel cache and ran a full garbage collection, and a
one-minute training took several minutes. Our models live in the trainer and in
``st.cache_resource``, never in a script run, so the cleanup is turned off.

Navigation (:func:`ensure_app_navigation`, called first by every page). Because the
page scripts live in ``pages/``, Streamlit's legacy multipage mode takes over a
server's very first script run (and every AppTest run) when it asks for a page by
URL: it runs ``pages/<name>.py`` on its own, without app.py's page setup, sidebar
and navigation, and keeps doing so until app.py runs once. In that mode the page
switches the legacy mode off and reruns, so app.py's ``st.navigation`` draws it.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner


def keep_keras_state() -> None:
    script_runner._clean_problem_modules = _no_cleanup


def _no_cleanup() -> None:
    """Streamlit's post-run cleanup without Keras (and matplotlib, which the app does not use)."""


def ensure_app_navigation() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
