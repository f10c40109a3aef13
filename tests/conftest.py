"""Every test runs against a throw-away run registry, never the project's runs/, and leaves no Ray process behind."""

import contextlib
import os
import signal
import tempfile
import time

import pytest

os.environ["MNIST_STUDIO_HOME"] = tempfile.mkdtemp(prefix="mnist-studio-tests-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Ray clusters started by the tests keep their sockets and logs here, which tells their processes apart.
os.environ["RAY_TMPDIR"] = tempfile.mkdtemp(prefix="msray-")


def _typical_rates() -> None:
    """Rates of this machine's kind (2 cores, measured once), so a page or the CLI under test estimates at once
    instead of measuring the machine for a minute; tests/test_cost.py measures the machine itself."""
    from mnist_core.cost import Rates
    from mnist_core.machine_rates import machine_id, save_rates

    step = [1e-4, 0.0, 3e-6, 3e-6, 3.2e-9, 7.6e-11, 3.6e-11, 3.4e-9, 2e-8]
    evaluation = [4.6e-3, 5.3e-6, 1.8e-11, 7.4e-11, 2.4e-9]
    rates = Rates(
        machine_id(),
        time.time(),
        {"float32": step, "bfloat16": step},
        {"float32": evaluation, "bfloat16": evaluation},
        [0.3, 0.1],
        1e-4,
    )
    save_rates(rates)


os.environ["MNIST_STUDIO_RATES_FILE"] = os.path.join(tempfile.mkdtemp(prefix="mnist-studio-rates-"), "rates.json")
_typical_rates()


# Files that start Ray clusters: one worker runs them one after another, never two clusters at once.
RAY_FILES = {"test_ray_runner.py", "test_ray_browser.py", "test_bench.py", "test_lab_nodes.py", "test_simulated_lab.py"}
# Files that share a session fixture of their own, so one worker must run them all (tests/browser/conftest.py).
SHARED = {
    "test_class_identity.py": "class_server",
    "test_drawing_review.py": "class_server",
    "test_evaluate_widths.py": "evaluate_server",
    "test_stress_tab.py": "evaluate_server",
    "test_board_page.py": "board_server",
    "test_board_stress_browser.py": "board_server",
    "test_compare_runs.py": "board_server",
    "test_train_on_drawings.py": "board_server",
}


def group_of(nodeid: str) -> str:
    """The worker's unit of ``make test`` (``-n 2 --dist loadgroup``) a test belongs to: its file, so that a
    file's module fixtures (an app server, a trained model) are made once; the Ray files all in one."""
    path = nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    return "ray" if name in RAY_FILES else SHARED.get(name, path)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` by ``group_of``. pytest-xdist 3.8 reads its groups from nodeids it rewrites in
    the workers (``item._nodeid``), which pytest 9.2 no longer reads: every test was sent on its own, a
    file's module fixtures were made on both workers, and two Ray clusters could run at once."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return FileGroups(config, log)


def ray_processes() -> set[int]:
    """Pids of the Ray processes (raylets, GCS servers, agents) of clusters these tests started."""
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode(errors="replace")
            owned = os.stat(entry.path).st_uid == os.getuid()
        except OSError:
            continue
        if owned and "/site-packages/ray/" in command and os.environ["RAY_TMPDIR"] in command:
            found.add(int(entry.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def no_stray_ray_processes():
    """The Ray tests start real clusters; none of their processes may outlive the test session."""
    before = ray_processes()
    yield
    deadline = time.monotonic() + 30
    while (left := ray_processes() - before) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        for pid in left:  # processes of our own clusters only
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"Ray processes left running after the tests (now killed): {sorted(left)}", pytrace=False)


# The seed notebook's dropout study as the app shows it: a clear gap without dropout, a negative one at 0.5.
STUDY_GAPS = {"No dropout": 0.0197, "Dropout 0.5": -0.0031}


def make_evaluate_home(home):
    """A run store for the Evaluate page in ``home``: the finished dropout study (its results, no model files)
    and an untrained model, "Untrained", that answers most test images wrongly (more than 1,000 mistakes)."""
    from class_server.registry import Registry
    from mnist_core.config import TrainConfig
    from mnist_core.models import build_model
    from mnist_core.study import STUDIES, run_name

    registry = Registry(home)
    for label, config in STUDIES["dropout"]:
        run = registry.create_run(config.to_dict(), name=run_name("dropout", label, 1), owner="pupil")
        gap = STUDY_GAPS.get(label, 0.01)
        registry.set_metrics(run.id, {"train_accuracy": 0.98 + gap, "test_accuracy": 0.98})
        registry.set_status(run.id, "finished")
    run = registry.create_run(TrainConfig(epochs=1).to_dict(), name="Untrained", owner="pupil")
    registry.save_model(run.id, build_model(TrainConfig(hidden_units=(8,), dropouts=(0.0,))))
    registry.set_status(run.id, "finished")
    return home


@pytest.fixture(scope="module")
def evaluate_home(tmp_path_factory):
    """``make_evaluate_home`` for a module."""
    return make_evaluate_home(tmp_path_factory.mktemp("evaluate-home"))


@pytest.fixture(scope="session")
def evaluate_session_home(tmp_path_factory):
    """``make_evaluate_home`` for the session: the browser tests' Evaluate server (tests/browser/conftest.py)."""
    return make_evaluate_home(tmp_path_factory.mktemp("evaluate-session-home"))


@contextlib.contextmanager
def evaluate_page(home, patch: pytest.MonkeyPatch):
    """The Evaluate page opened from the app (its study tab links to the Board), on the run store ``home``."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from mnist_core.paths import PROJECT_DIR

    patch.setenv("MNIST_STUDIO_HOME", str(home))
    patch.syspath_prepend(str(PROJECT_DIR))
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180).run()
    at.switch_page("pages/evaluate.py").run()
    assert not at.exception, [e.message for e in at.exception]
    yield at
    st.cache_resource.clear()


@pytest.fixture
def evaluate(evaluate_home, monkeypatch):
    """``evaluate_page`` on ``evaluate_home``, opened for one test: for tests that change the page."""
    with evaluate_page(evaluate_home, monkeypatch) as at:
        yield at


@pytest.fixture(scope="module")
def evaluate_read_only(evaluate_home):
    """``evaluate_page`` opened once for a module's tests that only read it: each reads what a fresh opening
    shows."""
    with pytest.MonkeyPatch.context() as patch, evaluate_page(evaluate_home, patch) as at:
        yield at


@pytest.fixture
def page_store(tmp_path, monkeypatch):
    """A fresh run store for pages run by AppTest: the server's registry is cached per process, so the cached
    one is dropped before and after."""
    import streamlit as st

    from class_server.registry import Registry
    from mnist_core.paths import PROJECT_DIR

    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    monkeypatch.syspath_prepend(str(PROJECT_DIR))
    st.cache_resource.clear()
    yield Registry(tmp_path)
    st.cache_resource.clear()
