"""Fixtures for browser tests: one Streamlit server and one Chromium per session, a fresh page per test.

Environment:
  MNIST_STUDIO_CHROMIUM  Chromium to drive (default /usr/bin/chromium, else `chromium` on PATH).
  CI=true                a missing browser or Playwright fails the tests instead of skipping them.
The server's output goes to tests/artifacts/streamlit-server.log.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from helpers import ARTIFACTS_DIR, CHROMIUM_ARGS, chromium_executable

import lab.app_server as app_process

SERVER_LOG = ARTIFACTS_DIR / "streamlit-server.log"
STARTUP_TIMEOUT_S = 60


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test, whether or not its file says so."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(message: str):
    """Under CI a missing browser must turn the build red, never silently skip the browser tests."""
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def running_app(log_path: Path = SERVER_LOG, env: dict[str, str] | None = None):
    """The app on a free port, against the session's throw-away MNIST_STUDIO_HOME (set in tests/conftest.py)."""
    with app_process.running_app(log_path, env) as server:
        try:
            server.wait_healthy(STARTUP_TIMEOUT_S)
        except RuntimeError as error:
            pytest.fail(str(error), pytrace=False)
        yield server


@pytest.fixture(scope="session")
def evaluate_server(evaluate_session_home):
    """The app on the Evaluate page's run store (``make_evaluate_home``, tests/conftest.py): a finished dropout
    study and an untrained model, for the tests of Evaluate's tabs. One per worker, with what it has measured
    (the models' answers, their stress tests): the files that use it are one group of ``make test``
    (``SHARED`` in tests/conftest.py)."""
    home = evaluate_session_home
    with running_app(home / "server.log", env={"MNIST_STUDIO_HOME": str(home)}) as server:
        yield server


# The teacher's passcode on ``class_server``.
PASSCODE = "owl-42"


@pytest.fixture(scope="session")
def class_server(tmp_path_factory):
    """(the app, its store) as a class's teacher runs it: a teacher passcode, a cap of 2 drawings per student
    and a run store of its own (the shared ``app_server`` has neither). One per worker: the files that use it
    are one group of ``make test`` (``SHARED`` in tests/conftest.py), which gives them all to the same worker."""
    home = tmp_path_factory.mktemp("class-home")
    env = {"MNIST_STUDIO_HOME": str(home), "MNIST_STUDIO_TEACHER_PASSCODE": PASSCODE}
    with running_app(home / "server.log", env={**env, "MNIST_STUDIO_DRAWINGS_PER_STUDENT": "2"}) as server:
        yield server, home


@pytest.fixture(scope="session")
def board_server(tmp_path_factory):
    """(the app, its store) on a run store of its own, for the files whose pages show the class's runs and
    drawings (the Class board, Compare runs, Our digits): each test fills the store with its own (``board_store``).
    One server instead of one per test, each of which started a Streamlit and most a TensorFlow; one per worker:
    the files that use it are one group of ``make test`` (``SHARED`` in tests/conftest.py)."""
    home = tmp_path_factory.mktemp("board-home")
    with running_app(home / "server.log", env={"MNIST_STUDIO_HOME": str(home)}) as server:
        yield server, home


@pytest.fixture
def board_store(board_server):
    """(``board_server``, its registry) emptied for this test: no run, no model file, no kept stress test and no
    saved drawing, as a store of its own would be. The pages read the store at each run (nothing of it is
    cached by the server), so what an earlier test left, in any order, never shows here."""
    from class_server.registry import Registry

    server, home = board_server
    registry = Registry(home)
    for run in registry.list_runs():
        registry.delete(run.id)
    for left in registry.models_dir.iterdir():  # kept stress tests beside their model files
        left.unlink()
    registry.delete_drawings([drawing.id for drawing in registry.saved_drawings()], by=None, teacher=True)
    assert registry.list_runs() == [] and not any(registry.models_dir.iterdir()) and registry.drawing_count() == 0
    return server, registry


@pytest.fixture(scope="session")
def app_server():
    """The app server shared by the browser tests of a session."""
    with running_app() as server:
        yield server


@pytest.fixture
def fresh_app_server():
    """A server of this test's own, for what only happens on a server's first visit."""
    with running_app(ARTIFACTS_DIR / "streamlit-fresh-server.log") as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download does not work offline)."""
    override = os.environ.get("MNIST_STUDIO_CHROMIUM")
    executable = chromium_executable()
    if executable is None:
        where = f"at MNIST_STUDIO_CHROMIUM={override}" if override else "at /usr/bin/chromium nor on PATH"
        _unavailable(f"Chromium not found {where}: install it with `apt-get install -y chromium` (or `make chromium`).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: `pip install -r requirements-dev.txt`.")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh browser context (no shared cookies or session) and page, 1400x1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()
