"""The run registry: runs, model files and drawings, each test in its own throw-away folder."""

import os
import socket
import sqlite3
import threading
import time
from dataclasses import astuple

import numpy as np
import pytest

from class_server import lease
from class_server.jobs import JobManager
from class_server.registry import STATUSES, Registry
from mnist_core.errors import RegistryError
from mnist_core.run_names import NAME_RULE, validate_run_name


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path)


def tiny_model():
    import keras

    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])


def leftovers(registry):
    return sorted(p.name for p in registry.models_dir.iterdir() if p.name.startswith("."))


def test_a_run_from_creation_to_deletion(registry):
    run = registry.create_run({"epochs": 2}, name="  first  ", owner="alice")
    assert (run.name, run.config, run.status, run.owner) == ("first", {"epochs": 2}, "queued", "alice")
    assert run.started_at is None and run.seconds is None and run.history == [] and run.metrics == {}
    assert run.model_path is None and run.error is None

    registry.set_status(run.id, "running")
    assert registry.get(run.id).started_at is not None
    registry.append_epoch(run.id, {"epoch": 1, "accuracy": 0.9})
    registry.append_epoch(run.id, {"epoch": 2, "accuracy": 0.95})
    registry.set_metrics(run.id, {"test_accuracy": 0.96})
    registry.set_status(run.id, "finished")

    done = registry.find("FIRST")
    assert done.status == "finished" and done.history == [{"epoch": 1, "accuracy": 0.9}, {"epoch": 2, "accuracy": 0.95}]
    assert done.metrics == {"test_accuracy": 0.96} and done.seconds >= 0

    # A run recorded before the validation split named its per-epoch figures test_*: they were the validation.
    old = registry.create_run({}, name="old run")
    registry.append_epoch(old.id, {"epoch": 1, "accuracy": 0.9, "test_loss": 0.3, "test_accuracy": 0.91})
    assert registry.get(old.id).history == [{"epoch": 1, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.91}]
    registry.delete(old.id)

    other = registry.create_run({}, owner="bob")
    assert other.name == f"Run {other.id}"
    assert [r.id for r in registry.list_runs()] == [other.id, run.id]  # newest first
    assert [r.id for r in registry.list_runs(statuses=["finished"])] == [run.id]
    assert [r.id for r in registry.list_runs(statuses=["queued", "running"])] == [other.id]
    assert [r.id for r in registry.list_runs(owner="alice")] == [run.id]
    assert registry.list_runs(statuses=["finished"], owner="bob") == []
    assert registry.list_runs(statuses=[]) == []

    assert registry.rename(run.id, "renamed").name == "renamed"
    with pytest.raises(RegistryError, match="No run called 'first'. `python -m class_server runs` lists them."):
        registry.find("first")

    registry.save_model(run.id, tiny_model())
    assert registry.get(run.id).model_path == registry.model_path(run.id)
    registry.delete(run.id)
    assert not registry.model_path(run.id).exists()
    with pytest.raises(RegistryError, match="no run number"):
        registry.get(run.id)
    assert [r.id for r in registry.list_runs()] == [other.id]


def test_a_failure_keeps_its_error_and_every_ending_is_timed(registry):
    for status in STATUSES[2:]:
        run = registry.create_run({}, status="running")
        registry.set_status(run.id, status, error="boom" if status == "failed" else None)
        ended = registry.get(run.id)
        assert ended.finished_at is not None and ended.error == ("boom" if status == "failed" else None)
    with pytest.raises(ValueError):
        registry.set_status(run.id, "exploded")


def test_the_database_is_in_wal_mode(registry):
    with sqlite3.connect(registry.database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("name", ["", " ", "x" * 65, "../etc", "a/b", "x;drop", "naïve", "tab\tname", "a\nb"])
def test_bad_names_are_refused_with_the_rule(registry, name):
    with pytest.raises(RegistryError, match=f"is not allowed: use {NAME_RULE}.*ASCII"):
        validate_run_name(name)
    with pytest.raises(RegistryError, match="is not allowed"):
        registry.create_run({}, name=name)
    assert registry.list_runs() == []


def test_names_up_to_64_characters_and_unique_whatever_the_case(registry):
    long = "a" * 64
    assert registry.create_run({}, name=long).name == long
    registry.create_run({}, name="My run_1")
    with pytest.raises(RegistryError, match="A run called 'MY RUN_1' already exists: choose another name."):
        registry.create_run({}, name="MY RUN_1")
    with pytest.raises(RegistryError, match="already exists"):
        registry.rename(registry.find(long).id, "my run_1")
    assert len(registry.list_runs()) == 2


def test_a_default_name_skips_one_a_user_took(registry):
    registry.create_run({}, name="Run 2")
    assert registry.create_run({}).name == "Run 3"


def test_a_saved_model_loads_back_safely(registry):
    import keras

    model = tiny_model()
    run = registry.create_run({})
    path = registry.save_model(run.id, model)
    assert path == registry.model_path(run.id) == registry.models_dir / f"{run.id}.keras"
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = np.ones((3, 4), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert leftovers(registry) == []


@pytest.mark.parametrize(
    "error, expected",
    [(RuntimeError("serialiser broke"), RuntimeError), (OSError(28, "No space left on device"), RegistryError)],
)
def test_a_failed_save_leaves_nothing_half_written(registry, monkeypatch, error, expected):
    model = tiny_model()

    def broken_save(path, *args, **kwargs):
        with open(path, "wb") as file:
            file.write(b"half a model")
        raise error

    monkeypatch.setattr(model, "save", broken_save)
    run = registry.create_run({})
    with pytest.raises(expected) as raised:
        registry.save_model(run.id, model)
    if expected is RegistryError:
        assert "No space left on device" in str(raised.value) and "free some disk space" in str(raised.value)
    assert list(registry.models_dir.iterdir()) == []
    assert registry.get(run.id).model_path is None


def dead_pid() -> int:
    """The pid of a process that has just ended."""
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def left_by(registry, run_id: int, holder: lease.Holder) -> None:
    """Make a run look as if the process ``holder`` describes had started it, with its lease in the store."""
    with sqlite3.connect(registry.database) as db:
        db.execute("UPDATE runs SET lease = ? WHERE id = ?", (holder.token, run_id))
        db.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?)", (holder.token, *astuple(holder)[1:]))


def holder(token: str, pid: int, host: str | None = None, age: float = 0.0) -> lease.Holder:
    """A lease renewed ``age`` seconds ago, on this machine unless ``host`` says otherwise."""
    return lease.Holder(token, host or socket.gethostname(), pid, time.time() - age)


def lease_tokens(registry) -> set[str]:
    with sqlite3.connect(registry.database) as db:
        return {row[0] for row in db.execute("SELECT token FROM leases")}


def test_mark_interrupted_ends_the_runs_of_a_dead_process_and_clears_its_temporary_files(registry):
    gone = holder("killed-cli", dead_pid())  # its lease is fresh, but this machine knows its pid has ended
    running = registry.create_run({}, status="running")
    queued = registry.create_run({})
    finished = registry.create_run({}, status="finished")
    for run in (running, queued, finished):
        left_by(registry, run.id, gone)
    stray = registry.models_dir / f".partial-{running.id}-{gone.token}-456.keras"
    stray.write_bytes(b"half")
    assert registry.mark_interrupted() == 2
    assert {registry.get(r.id).status for r in (running, queued)} == {"interrupted"}
    assert registry.get(running.id).error and registry.get(running.id).finished_at
    assert registry.get(finished.id).status == "finished"
    assert leftovers(registry) == []
    assert lease_tokens(registry) == {lease.token()}  # the dead process's lease is gone with it
    assert registry.mark_interrupted() == 0


def test_mark_interrupted_leaves_the_runs_of_a_live_process_alone(registry):
    """The CLI starting while the app trains (or the other way round) must not end the other's runs."""
    training = registry.create_run({}, status="running")  # this test's own, live, process
    saving = registry.models_dir / f".partial-{training.id}-{lease.token()}-789.keras"
    saving.write_bytes(b"being written")
    assert registry.mark_interrupted() == 0
    assert registry.get(training.id).status == "running" and saving.exists()


def test_a_server_restarted_with_the_same_pid_finds_its_old_runs_interrupted_at_start(registry):
    """Issue 29: in a container the restarted server is usually pid 1 again, and its old runs looked alive."""
    left = registry.create_run({}, status="running")
    before_restart = holder("before-restart", os.getpid())  # renewed a moment before the server went down
    left_by(registry, left.id, before_restart)
    saving = registry.models_dir / f".partial-{left.id}-{before_restart.token}-789.keras"
    saving.write_bytes(b"half")
    JobManager(registry, max_parallel=1, runner=lambda *args, **kwargs: None)  # what a server does first
    assert registry.get(left.id).status == "interrupted"
    assert leftovers(registry) == []


def test_the_runs_of_another_live_server_are_left_alone_until_its_lease_lapses(registry):
    here = registry.create_run({}, status="running")
    left_by(registry, here.id, holder("cli-here", os.getppid()))  # another process on this machine, running
    elsewhere = registry.create_run({})
    lab_pc = holder("lab-pc", 4321, host="another-machine")  # its pid means nothing here: only its lease counts
    left_by(registry, elsewhere.id, lab_pc)
    JobManager(registry, max_parallel=1, runner=lambda *args, **kwargs: None)
    assert registry.get(here.id).status == "running" and registry.get(elsewhere.id).status == "queued"

    left_by(registry, elsewhere.id, holder("lab-pc", 4321, host="another-machine", age=lease.LEASE_SECONDS + 1))
    registry.renew_lease()  # this server's next heartbeat
    assert registry.get(elsewhere.id).status == "interrupted"
    assert registry.get(here.id).status == "running"


def test_the_heartbeat_renews_this_process_lease_while_the_registry_is_in_use(registry):
    def seen_at() -> float:
        with sqlite3.connect(registry.database) as db:
            return db.execute("SELECT seen_at FROM leases WHERE token = ?", (lease.token(),)).fetchone()[0]

    heartbeat = lease.Heartbeat(interval=0.05)
    registry.hold_lease()
    first = seen_at()
    heartbeat.hold(registry)
    deadline = time.monotonic() + 10
    while seen_at() == first:
        assert time.monotonic() < deadline, "the lease was never renewed"
        time.sleep(0.05)


def test_a_store_from_before_leases_is_upgraded_and_its_unfinished_runs_interrupted(tmp_path):
    """Its runs kept the pid of their server, which a restarted server may have again: they end here."""
    with sqlite3.connect(tmp_path / "registry.sqlite3") as db:
        db.execute(
            "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
            " config TEXT NOT NULL, status TEXT NOT NULL, owner TEXT, created_at REAL NOT NULL,"
            " started_at REAL, finished_at REAL, history TEXT NOT NULL DEFAULT '[]',"
            " metrics TEXT NOT NULL DEFAULT '{}', error TEXT, pid INTEGER)"
        )
        db.execute(
            "INSERT INTO runs (name, config, status, created_at, pid) VALUES ('old', '{}', 'running', 0, ?)",
            (os.getpid(),),
        )
        db.execute("INSERT INTO runs (name, config, status, created_at) VALUES ('older', '{}', 'queued', 0)")
    registry = Registry(tmp_path)
    assert registry.mark_interrupted() == 2
    assert {registry.find(name).status for name in ("old", "older")} == {"interrupted"}
    new = registry.create_run({}, name="new", status="running")
    assert registry.mark_interrupted() == 0 and registry.get(new.id).status == "running"


def test_a_corrupted_database_says_what_to_do(tmp_path):
    Registry(tmp_path).create_run({})
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"registry.sqlite3{suffix}").unlink(missing_ok=True)
    (tmp_path / "registry.sqlite3").write_bytes(b"\x00garbage, not sqlite" * 300)
    with pytest.raises(RegistryError, match="is not a database.*move it away and restart; finished models in"):
        Registry(tmp_path)


def test_an_unwritable_home_says_what_to_do(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(RegistryError, match="cannot be written.*MNIST_STUDIO_HOME"):
        Registry(tmp_path / "a-file" / "runs")


def test_threads_writing_at_once_lose_nothing(registry):
    runs = [registry.create_run({}, status="running") for _ in range(4)]
    failures = []

    def train(run_id):
        try:
            for epoch in range(20):
                registry.append_epoch(run_id, {"epoch": epoch})
                registry.list_runs()  # a page reading meanwhile
        except Exception as error:  # reported below: an exception in a thread would pass silently
            failures.append(error)

    threads = [threading.Thread(target=train, args=(run.id,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for run in runs:
        assert [record["epoch"] for record in registry.get(run.id).history] == list(range(20))


def test_drawings_round_trip(registry):
    assert registry.drawing_count() == 0
    images, labels = registry.drawings()
    assert images.shape == (0, 28, 28) and images.dtype == np.uint8 and labels.shape == (0,)

    first = np.arange(28 * 28, dtype=np.uint32).reshape(28, 28).astype(np.uint8)
    second = np.full((28, 28), 255, np.uint8)
    registry.add_drawing(3, first, b"\x89PNG...", owner="alice")
    registry.add_drawing(np.int64(7), second, None)
    assert registry.drawing_count() == 2
    images, labels = registry.drawings()
    assert images.shape == (2, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[0], first)
    np.testing.assert_array_equal(images[1], second)
    assert labels.tolist() == [3, 7]


@pytest.mark.parametrize("label", [10, -1, True, 3.0, "3"])
def test_a_drawing_label_must_be_a_digit(registry, label):
    with pytest.raises(RegistryError, match="label must be a digit from 0 to 9"):
        registry.add_drawing(label, np.zeros((28, 28), np.uint8), None)
    assert registry.drawing_count() == 0


def test_a_drawing_must_be_28_by_28_uint8(registry):
    for image in (np.zeros((28, 27), np.uint8), np.zeros((28, 28), np.float32)):
        with pytest.raises(RegistryError, match="28x28 uint8"):
            registry.add_drawing(1, image, None)
