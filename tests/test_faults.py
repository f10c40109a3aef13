"""Faults a classroom server meets: killed mid-run, unwritable or damaged stores, damaged files."""

import os
import signal
import subprocess
import sys
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from class_server.registry import Registry
from mnist_core.config import TrainConfig
from mnist_core.errors import RegistryError
from mnist_core.models import build_model
from mnist_core.paths import PROJECT_DIR

PAGES = PROJECT_DIR / "pages"


def test_a_server_killed_mid_training_comes_back_with_the_run_interrupted_and_nothing_half_written(tmp_path):
    registry = Registry(tmp_path)
    finished = registry.create_run(TrainConfig().to_dict(), name="kept", status="finished")
    env = {**os.environ, "MNIST_STUDIO_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "class_server", "train", "--epochs", "100", "--train-size", "60000", "--name", "doomed"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (runs := registry.list_runs(statuses=["running"])) or not runs[0].history:
            assert time.monotonic() < deadline and process.poll() is None, "training never got going"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    restarted = Registry(tmp_path)  # what a new server or CLI does first
    assert restarted.mark_interrupted() == 1
    doomed = restarted.find("doomed")
    assert doomed.status == "interrupted" and doomed.model_path is None and doomed.history
    assert restarted.get(finished.id).status == "finished"
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]


def test_an_unwritable_home_says_what_to_do(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(RegistryError, match="cannot be written.*MNIST_STUDIO_HOME"):
        Registry(blocker / "runs")


def test_a_corrupted_registry_database_says_what_to_do(tmp_path):
    Registry(tmp_path)
    (tmp_path / "registry.sqlite3").write_bytes(b"this is not sqlite" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"registry.sqlite3{suffix}").unlink(missing_ok=True)
    with pytest.raises(RegistryError, match="damaged: move it away and restart"):
        Registry(tmp_path)


@pytest.fixture
def broken_home(tmp_path, monkeypatch):
    """A run store whose database is garbage, seen by freshly started pages."""
    (tmp_path / "models").mkdir()
    (tmp_path / "registry.sqlite3").write_bytes(b"garbage" * 500)
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    st.cache_resource.clear()
    yield tmp_path
    st.cache_resource.clear()


def test_with_a_damaged_run_store_the_train_page_explains_and_draw_still_works(broken_home):
    train = AppTest.from_file(str(PAGES / "train.py"), default_timeout=60).run()
    assert not train.exception
    assert any("damaged" in e.value for e in train.error)
    draw = AppTest.from_file(str(PAGES / "draw.py"), default_timeout=60).run()
    assert not draw.exception
    assert any("Draw a digit" in m.value for m in draw.markdown)


@pytest.mark.parametrize("page", ["draw.py", "evaluate.py"])
def test_a_damaged_model_file_of_a_run_is_explained_and_the_page_still_works(tmp_path, monkeypatch, page):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    st.cache_resource.clear()
    registry = Registry(tmp_path)
    run = registry.create_run(TrainConfig(epochs=1).to_dict(), name="damaged")
    registry.save_model(run.id, build_model(TrainConfig(hidden_units=(8,), dropouts=(0.0,))))
    registry.set_status(run.id, "finished")
    registry.get(run.id).model_path.write_bytes(b"PK\x03\x04 not a model any more")
    try:
        at = AppTest.from_file(str(PAGES / page), default_timeout=60)
        at.session_state["model_path"] = str(registry.get(run.id).model_path)  # as "Use for drawing" sets it
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert any("This model cannot be used" in e.value and "Pick another one" in e.value for e in at.error)
        at.sidebar.selectbox[0].set_value("Default model").run()  # the rest still works
        assert not at.exception
        if page == "draw.py":
            assert not at.error and any("Draw a digit" in m.value for m in at.markdown)
        else:  # Evaluate works; only its "Compare with" tab, which offers the damaged run, still explains
            assert any(m.label == "Test accuracy" for m in at.metric)
            assert len(at.error) <= 1
    finally:
        st.cache_resource.clear()


def test_damaged_mnist_files_are_explained_on_evaluate_and_draw_still_works(tmp_path, monkeypatch):
    import mnist_core.data
    from mnist_core.errors import DataError

    def damaged(*args, **kwargs):
        raise DataError(
            "t10k-images-idx3-ubyte.gz does not match its SHA-256: restore it with `git checkout -- data/mnist`."
        )

    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    monkeypatch.setattr(mnist_core.data, "load_mnist", damaged)
    st.cache_resource.clear()
    try:
        evaluate = AppTest.from_file(str(PAGES / "evaluate.py"), default_timeout=60).run()
        assert not evaluate.exception, [e.message for e in evaluate.exception]
        assert any("cannot be tested" in e.value and "git checkout -- data/mnist" in e.value for e in evaluate.error)
        draw = AppTest.from_file(str(PAGES / "draw.py"), default_timeout=60).run()
        assert not draw.exception and any("Draw a digit" in m.value for m in draw.markdown)
    finally:
        st.cache_resource.clear()
