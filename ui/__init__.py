"""Streamlit-side helpers shared by the pages: session state, config-bound widgets, the sidebar.

Pages import from here; ``lstm_core`` never imports this package.
"""
