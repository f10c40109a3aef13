"""The app's uses of Streamlit's private API and formats, kept here so an upgrade that breaks one breaks here:
the old multipage switch, the clean-up after each script run, and the XSRF cookie a browser is known by.

tests/test_streamlit_patches.py fails with a plain message when a Streamlit release changes any of them.
"""

from __future__ import annotations

import streamlit as st

XSRF_COOKIE = "_streamlit_xsrf"  # the cookie Streamlit keeps its XSRF token in, one per browser


def use_app_navigation() -> None:
    """Make a deep link such as /draw open inside app.py's navigation.

    Streamlit treats a folder named ``pages/`` as its old multipage layout (every file a page,
    app.py not run) until app.py has called ``st.navigation`` once in this server. A student
    whose first visit to a fresh server is a link to /draw would get that layout, with helper
    modules listed as pages. Leaving that mode and rerunning runs app.py for the same page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def keep_keras_state() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit does that for scripts that build a model on each run. This app builds models only in
    its trainer thread and keeps loaded ones in ``st.cache_resource``, so the call only hurts: it
    holds the GIL for a full garbage collection (about 0.1 s per run, for every student's every
    click), empties TensorFlow's kernel cache (the next prediction takes 16 ms instead of 1.4 ms),
    and resets Keras' global state under the trainer thread. The other half of that clean-up closes
    pyplot figures; our charts draw on matplotlib ``Figure`` objects, never pyplot, so it has
    nothing to do either.
    """
    from streamlit.runtime.scriptrunner import script_runner

    script_runner._clean_problem_modules = lambda: None


def xsrf_token(cookie: str | None) -> bytes | None:
    """The token inside an XSRF cookie of Tornado's version 2 form ``2|mask|masked_token|timestamp``."""
    try:
        version, mask, masked, _ = (cookie or "").strip("\"'").split("|")
        mask_bytes, masked_bytes = bytes.fromhex(mask), bytes.fromhex(masked)
    except ValueError:
        return None
    if version != "2" or len(mask_bytes) != 4 or not masked_bytes:
        return None
    return bytes(byte ^ mask_bytes[i % 4] for i, byte in enumerate(masked_bytes))
