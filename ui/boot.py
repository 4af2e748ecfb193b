"""Make sure a page runs inside app.py's navigation.

Because the page scripts live in ``pages/``, Streamlit's legacy multipage mode
takes over a server's very first script run (and every AppTest run) when it asks
for a page by URL: it runs ``pages/<name>.py`` on its own, without app.py's page
setup, sidebar and navigation, and keeps doing so until app.py runs once. Every
page calls :func:`ensure_app_navigation` first; in that mode it switches the
legacy mode off and reruns, so app.py's ``st.navigation`` draws the same page.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_navigation() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
