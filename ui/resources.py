"""What the pages share: one registry, one job manager and loaded models per server; who this user is.

The pages import it. Everything
expensive is created once per server with ``st.cache_resource``, never per
session, so thirty students cost one model in memory, not thirty.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from class_server.registry import WITH_MODEL, Registry, RunStatus
from mnist_core.errors import UserError
from mnist_core.memory import fewer_malloc_arenas
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.wording import accuracy_percent
from ui.device import behind_proxy, device_of
from ui.passcode_tries import PasscodeTries
from ui.streamlit_patches import XSRF_COOKIE, keep_keras_state, xsrf_token

keep_keras_state()  # once per server: this module is imported, not re-run, on each page's run
fewer_malloc_arenas()  # as `make run`'s MALLOC_ARENA_MAX=2, for `streamlit run app.py` and hosting services too

DEFAULT_LABEL = "Default model"
# A browser may try the teacher's passcode this many times a minute: enough for typos, far too few to guess.
PASSCODE_TRIES = 5
PASSCODE_WINDOW_S = 60
LIMIT_STEP_MINUTES = 0.5
LIMIT_MOST_MINUTES = 600.0


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
    from class_server.runners import start_job_manager

    return start_job_manager(registry(), speed_gauge())


@st.cache_resource(show_spinner=False)
def speed_gauge():
    """This server's measured speed, for the estimate of a run's time (measured in the background at first)."""
    from mnist_core.machine_rates import SpeedGauge

    return SpeedGauge()


@st.cache_resource(max_entries=6, show_spinner="Loading the model...")
def _load(path: str, modified: float):
    """Cached by path and modification time, so a replaced file is loaded again; warmed up once here, under the
    cache's lock, instead of in the first drawings' scripts."""
    from mnist_core.inference import Predictor

    predictor = Predictor.from_file(Path(path))
    predictor.warm_up()
    return predictor


def open_registry() -> Registry:
    """The registry, or a plain message and the end of this page if the run store is unusable."""
    try:
        return registry()
    except UserError as error:
        st.error(f"The run store cannot be opened: {error}")
        st.stop()


def user_id() -> str:
    """Who this browser is: the same in all its tabs, reloads and typed addresses, for the life of its cookie.

    Streamlit's XSRF cookie holds a random token per browser, but Streamlit re-masks it with a fresh
    random mask on every page load, so the cookie's text changes while the token does not. The id is
    a hash of the unmasked token (the token itself is a secret and is never stored). Without the
    cookie (XSRF protection off), each session gets a random id of its own.
    """
    token = xsrf_token(st.context.cookies.get(XSRF_COOKIE) if st.context.cookies else None)
    if token:
        return hashlib.sha256(b"mnist-studio-user:" + token).hexdigest()[:16]
    if "user_id" not in st.session_state:
        st.session_state.user_id = uuid.uuid4().hex[:16]
    return st.session_state.user_id


def device_id() -> str | None:
    """The device this browser is on, for the class's shares (``ui.device``); None: count per browser only.

    Behind a proxy (``MNIST_STUDIO_BEHIND_PROXY=1``) every student arrives from the proxy's address, which
    tells nobody apart, so shares count per browser only there.
    """
    return device_of(client_address(), behind_proxy(os.environ.get("MNIST_STUDIO_BEHIND_PROXY")))


def client_address() -> str | None:
    """The address this browser's connection comes from (Streamlit gives None for localhost)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None  # a page run without a browser has a stand-in


def model_choices() -> dict[str, Path]:
    """The default model and every run that saved a model, by label, newest runs first."""
    choices = {DEFAULT_LABEL: DEFAULT_MODEL}
    try:
        runs = registry().list_runs(statuses=WITH_MODEL)
    except UserError as error:
        st.warning(f"Trained runs are not available: {error}")
        runs = []
    for run in runs:
        if run.model_path is not None:
            accuracy = run.metrics.get("test_accuracy")
            parts = [run.name] + ([] if run.status == RunStatus.FINISHED else [run.status])
            parts += [f"{accuracy_percent(accuracy)} test"] if accuracy is not None else []
            choices[" · ".join(parts)] = run.model_path  # short, as the sidebar's box cuts long labels
    return choices


def choose_model() -> tuple[str, object | None]:
    """A model picker shared by Draw and Evaluate; returns the label and the loaded Predictor (or None)."""
    choices = model_choices()
    labels = list(choices)
    index = next((i for i, label in enumerate(labels) if choices[label] == chosen_model()), 0)
    label = st.sidebar.selectbox(
        "Model",
        labels,
        index=index,
        help="The default model ships with the app (its card: models/MODEL_CARD.md). "
        "Train a model on the Train page to add it here.",
    )
    path = choices[label]
    use_model(path)
    return label, load_predictor(path)


def chosen_model() -> Path | None:
    """The model this session picked for Draw and Evaluate (None: the default)."""
    path = st.session_state.get("model_path")
    return Path(path) if path else None


def use_model(path: Path | None) -> None:
    """Make this model the one that Draw and Evaluate use for this session (None: back to the default)."""
    if path is None:
        st.session_state.pop("model_path", None)
    else:
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


@dataclass
class _TeacherBrowsers:
    """Per server: browsers signed in as the teacher, and recent wrong passcodes."""

    signed_in: set[str] = field(default_factory=set)
    wrong: PasscodeTries = field(default_factory=lambda: PasscodeTries(PASSCODE_TRIES, PASSCODE_WINDOW_S))


@st.cache_resource
def _teacher_browsers() -> _TeacherBrowsers:
    return _TeacherBrowsers()


def is_teacher() -> bool:
    """The teacher stays signed in across this browser's reloads and tabs, until "Turn off"."""
    return bool(teacher_passcode()) and user_id() in _teacher_browsers().signed_in


def teacher_login() -> None:
    """A sidebar form for the teacher's passcode; with it, this browser may stop or delete any run.

    A form, so that a try is one press of Sign in (or Enter): a box outside a form keeps its text and
    hands it to every rerun of the page, which counted one typo again at each slider move until the
    right passcode was refused. The box is emptied after each try.
    """
    passcode = teacher_passcode()
    if passcode is None:
        return
    with st.sidebar.expander("Teacher controls"):
        if is_teacher():
            st.caption("On: you can stop and delete any run.")
            run_limit_control()
            if st.button("Turn off"):
                _teacher_browsers().signed_in.discard(user_id())
                st.rerun()
            return
        with st.form("teacher_sign_in", clear_on_submit=True, border=False):
            typed = st.text_input("Passcode", type="password")
            submitted = st.form_submit_button("Sign in")
        if not (submitted and typed):
            return
        if wait := passcode_wait():
            st.error(f"Too many wrong passcodes. Try again in {wait} s.")
        elif hmac.compare_digest(typed.encode(), passcode.encode()):
            _teacher_browsers().signed_in.add(user_id())
            st.rerun()
        else:
            record_wrong_passcode()
            st.error("That is not the passcode.")


def passcode_wait() -> int:
    """Seconds this browser must wait before its next passcode try (0 when it may try now)."""
    return _teacher_browsers().wrong.wait(_who_tries())


def record_wrong_passcode() -> None:
    _teacher_browsers().wrong.record(_who_tries())


def _who_tries() -> list[str]:
    """A wrong try counts against this browser and its device: a private window gets no fresh tries."""
    device = device_id()
    return [f"browser:{user_id()}"] + ([f"device:{device}"] if device else [])


def run_limit_control() -> None:
    """The teacher's control of the class limit on one run, for every student on this server."""
    limit = job_manager().limit
    if limit is None:
        return

    def changed() -> None:
        limit.minutes = st.session_state.run_limit_minutes

    st.number_input(
        "Longest student run (minutes)",
        min_value=0.0,
        max_value=LIMIT_MOST_MINUTES,
        value=limit.minutes,
        step=LIMIT_STEP_MINUTES,
        key="run_limit_minutes",
        on_change=changed,
        help="A student's run estimated to take longer on this server is refused before it queues. "
        "0 means no limit. Your own runs are never limited.",
    )
