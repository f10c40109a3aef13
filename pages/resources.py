"""What the pages share: one registry, one job manager and loaded models per server; who this user is.

Not a page (app.py does not list it): the pages import it. Everything
expensive is created once per server with ``st.cache_resource``, never per
session, so thirty students cost one model in memory, not thirty.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from pathlib import Path

import streamlit as st

from mnist_core.errors import UserError
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.registry import Registry

DEFAULT_LABEL = "Default model (shipped with the app)"


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


keep_keras_state()  # once per server: this module is imported, not re-run, on each page's run


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    return Registry()


def job_manager():
    """The server's one job manager (the page stops with a message if the run store is unusable).

    If it could not train where it was asked to (an unreachable Ray cluster), each session is told once.
    """
    open_registry()
    manager = _job_manager()
    if manager.notice and not st.session_state.get("runner_notice_shown"):
        st.session_state.runner_notice_shown = True
        st.toast(manager.notice, icon=":material/info:", duration="long")
    return manager


@st.cache_resource(show_spinner="Starting the trainer...")
def _job_manager():
    from mnist_core.runners import start_job_manager

    return start_job_manager(registry())


@st.cache_resource(max_entries=6, show_spinner="Loading the model...")
def _load(path: str, modified: float):
    """Cached by path and modification time, so a replaced file is loaded again."""
    from mnist_core.inference import Predictor

    return Predictor.from_file(Path(path))


def open_registry() -> Registry:
    """The registry, or a plain message and the end of this page if the run store is unusable."""
    try:
        return registry()
    except UserError as error:
        st.error(f"The run store cannot be opened: {error}")
        st.stop()


def user_id() -> str:
    """Stable across this browser's tabs and reloads (from its XSRF cookie), so a run stays yours
    when you close the tab and come back; a random id per session when there is no cookie."""
    cookie = st.context.cookies.get("_streamlit_xsrf") if st.context.cookies else None
    if cookie:
        return hashlib.sha256(cookie.encode()).hexdigest()[:16]
    if "user_id" not in st.session_state:
        st.session_state.user_id = uuid.uuid4().hex[:16]
    return st.session_state.user_id


def model_choices() -> dict[str, Path]:
    """The default model and every run that saved a model, by label, newest runs first."""
    choices = {DEFAULT_LABEL: DEFAULT_MODEL}
    try:
        runs = registry().list_runs(statuses=("finished", "stopped"))
    except UserError as error:
        st.warning(f"Trained runs are not available: {error}")
        runs = []
    for run in runs:
        if run.model_path is not None:
            accuracy = run.metrics.get("test_accuracy")
            shown = f", test accuracy {accuracy:.2%}" if accuracy is not None else ""
            choices[f"{run.name} ({run.status}{shown})"] = run.model_path
    return choices


def choose_model() -> tuple[str, object | None]:
    """A model picker shared by Draw and Evaluate; returns the label and the loaded Predictor (or None)."""
    choices = model_choices()
    labels = list(choices)
    wanted = st.session_state.get("model_path")
    index = next((i for i, label in enumerate(labels) if str(choices[label]) == wanted), 0)
    label = st.sidebar.selectbox("Model", labels, index=index, help="Train a model on the Train page to add it here.")
    path = choices[label]
    st.session_state.model_path = str(path)
    return label, load_predictor(path)


def use_model(path: Path) -> None:
    """Make this model the one that Draw and Evaluate use for this session."""
    st.session_state.model_path = str(path)


def mnist():
    """The MNIST data, or a plain message and the end of this page if a data file is missing or damaged."""
    from mnist_core.data import load_mnist

    try:
        return load_mnist()
    except UserError as error:
        st.error(f"The MNIST data cannot be read. {error}")
        st.stop()


def evaluation_of(predictor):
    """The model's results on the 10,000 test images, computed once per model per server."""
    try:
        return _evaluate(str(predictor.path), predictor.path.stat().st_mtime)
    except (OSError, UserError) as error:
        st.error(f"This model cannot be tested: {error}")
        st.stop()


@st.cache_resource(max_entries=6, show_spinner="Testing the model on 10,000 images...")
def _evaluate(path: str, modified: float):
    from mnist_core.data import load_mnist
    from mnist_core.evaluation import evaluate_model

    data = load_mnist()
    return evaluate_model(_load(path, modified).model, data.x_test, data.y_test)


def load_predictor(path: Path):
    """A loaded model from the registry or models/, or None with a message when it cannot be used."""
    try:
        return _load(str(path), path.stat().st_mtime)
    except (OSError, UserError) as error:
        st.error(f"This model cannot be used: {error} Pick another one.")
        return None


def teacher_passcode() -> str | None:
    """Teacher controls exist only when ``MNIST_STUDIO_TEACHER_PASSCODE`` is set (off by default)."""
    return os.environ.get("MNIST_STUDIO_TEACHER_PASSCODE") or None


def is_teacher() -> bool:
    return bool(teacher_passcode()) and st.session_state.get("teacher", False)


def teacher_login() -> None:
    """A sidebar box for the teacher's passcode; with it, this session may stop or delete any run."""
    passcode = teacher_passcode()
    if passcode is None:
        return
    with st.sidebar.expander("Teacher controls"):
        if is_teacher():
            st.caption("On: you can stop and delete any run.")
            if st.button("Turn off"):
                st.session_state.teacher = False
                st.rerun()
            return
        typed = st.text_input("Passcode", type="password")
        if typed:
            if hmac.compare_digest(typed.encode(), passcode.encode()):
                st.session_state.teacher = True
                st.rerun()
            st.error("That is not the passcode.")
