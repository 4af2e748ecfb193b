"""Presenter mode: one switch for a projector. Larger text and chart labels, thicker lines, black on
white with stronger borders, the sidebar collapsed on a link that asks for it (``?presenter=1``).

Only our own CSS, inlined (nothing fetched). Plotly draws its text and lines with inline styles, which
a stylesheet rule marked ``!important`` overrides, so the pure figure builders stay as they are.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

KEY = "lab_presenter"
PARAM = "presenter"

CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 19px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], label p { font-size: 1.15rem !important; color: #000 !important; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.6rem !important; }
[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stExpander"] details { border-color: #000 !important; }
.js-plotly-plot .main-svg text { font-size: 19px !important; fill: #000 !important; }
.js-plotly-plot .main-svg .gtitle { font-size: 24px !important; }
.js-plotly-plot .scatterlayer .js-line { stroke-width: 4px !important; }
.js-plotly-plot .scatterlayer .point { transform-box: fill-box; transform-origin: center; transform: scale(1.5); }
.js-plotly-plot .gridlayer path { stroke: #BDBDBD !important; }
</style>
"""


def presenter_on() -> bool:
    if KEY not in st.session_state:  # a link may open in presenter mode
        st.session_state[KEY] = st.query_params.get(PARAM) in ("1", "true")
    return bool(st.session_state[KEY])


def presenter_switch() -> None:
    """The sidebar's switch; the styles when it is on."""
    on = presenter_on()
    st.toggle(t("presenter.switch"), key=KEY, help=t("presenter.help"))
    if on:
        st.html(CSS)


def initial_sidebar() -> str:
    """``st.set_page_config``'s sidebar state: collapsed when a link opens the app in presenter mode."""
    return "collapsed" if st.query_params.get(PARAM) in ("1", "true") else "auto"
