"""The job manager: one run at a time, the rest queued in order, Stop, and failures kept apart."""

import threading
import time

import pytest

from class_server.jobs import JobManager
from class_server.registry import Registry
from class_server.runs import execute_run
from mnist_core import cpu_threads
from mnist_core.config import TrainConfig
from mnist_core.errors import UserError

TINY = TrainConfig(hidden_units=(32,), dropouts=(0.0,), epochs=30, batch_size=100, train_size=1000)


def wait_for(condition, seconds=60.0):
    """Poll until ``condition()`` holds; fail the test (not hang) when it never does."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.02)


class GatedRunner:
    """Stands in for training: each run waits for its gate, records the order runs started in."""

    def __init__(self):
        self.started = []
        self.gates = {}

    def __call__(self, registry, run_id, on_event=None, should_stop=None):
        self.started.append(run_id)
        gate = self.gates.setdefault(run_id, threading.Event())
        registry.set_status(run_id, "running")
        while not gate.wait(0.01):
            if should_stop():
                registry.set_status(run_id, "stopped")
                return registry.get(run_id)
        if registry.get(run_id).name == "boom":
            registry.set_status(run_id, "failed", error="RuntimeError: boom")
            raise RuntimeError("boom")
        registry.set_status(run_id, "finished")
        return registry.get(run_id)

    def release(self, run_id):
        self.gates.setdefault(run_id, threading.Event()).set()


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path)


def test_runs_queue_in_order_and_only_one_trains_at_a_time(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    first, second, third = (manager.submit(TINY, owner=who) for who in ("ann", "bob", "ann"))
    wait_for(lambda: runner.started == [first])
    assert manager.queue_position(second) == 1 and manager.queue_position(third) == 2
    assert manager.live(second).status == "queued"
    runner.release(first)
    wait_for(lambda: runner.started == [first, second])
    assert manager.queue_position(third) == 1
    runner.release(second)
    runner.release(third)
    wait_for(lambda: not manager.busy())
    assert [registry.get(r).status for r in (first, second, third)] == ["finished"] * 3


def test_each_user_sees_only_their_own_runs(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    ann = manager.submit(TINY, owner="ann")
    bob = manager.submit(TINY, owner="bob")
    assert [r.run_id for r in manager.runs_of("ann")] == [ann]
    assert [r.run_id for r in manager.runs_of("bob")] == [bob]
    runner.release(ann)
    runner.release(bob)
    wait_for(lambda: not manager.busy())


def test_stopping_a_queued_run_drops_it_from_the_queue(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    first = manager.submit(TINY, owner="ann")
    second = manager.submit(TINY, owner="ann")
    manager.stop(second, "ann")
    assert manager.queue_position(second) is None
    assert registry.get(second).status == "stopped"
    runner.release(first)
    wait_for(lambda: not manager.busy())
    assert runner.started == [first]


def test_a_failed_run_is_marked_failed_and_the_next_one_still_runs(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    bad = manager.submit(TINY, owner="ann", name="boom")
    good = manager.submit(TINY, owner="ann")
    runner.release(bad)
    runner.release(good)
    wait_for(lambda: not manager.busy())
    assert manager.live(bad).status == "failed" and "boom" in manager.live(bad).error
    assert registry.get(bad).status == "failed"
    assert registry.get(good).status == "finished"


def test_stop_ends_a_real_training_run_and_keeps_its_model(registry):
    manager = JobManager(registry, max_parallel=1)
    run_id = manager.submit(TINY, owner="ann")
    wait_for(lambda: manager.live(run_id).progress is not None)
    manager.stop(run_id, "ann")
    wait_for(lambda: manager.live(run_id).status == "stopped")
    run = registry.get(run_id)
    assert run.status == "stopped" and run.model_path is not None and run.model_path.exists()
    assert run.metrics["test_accuracy"] > 0.1


def test_a_real_run_that_fails_is_recorded_with_its_error(registry, monkeypatch):
    import mnist_core.trainer as trainer

    def broken_train(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(trainer, "train", broken_train)
    run_id = registry.create_run(TINY.to_dict(), owner="ann").id
    with pytest.raises(MemoryError):
        execute_run(registry, run_id)
    run = registry.get(run_id)
    assert run.status == "failed" and "ran out of memory" in run.error


def test_only_the_owner_or_the_teacher_can_stop_a_run(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    first = manager.submit(TINY, owner="ann")
    second = manager.submit(TINY, owner="ann")
    wait_for(lambda: runner.started == [first])
    with pytest.raises(UserError, match="Only whoever started this run, or the teacher"):
        manager.stop(second, "bob")
    assert manager.queue_position(second) == 1
    manager.stop(second, "teacher-session", teacher=True)
    assert manager.queue_position(second) is None
    runner.release(first)
    wait_for(lambda: not manager.busy())


def test_a_live_run_keeps_per_batch_points_for_the_curves(registry):
    manager = JobManager(registry, max_parallel=1)
    run_id = manager.submit(TINY.replace(epochs=2), owner="ann")
    wait_for(lambda: manager.live(run_id).status == "finished")
    points = manager.live(run_id).batches
    assert points and all({"epochs", "loss", "accuracy"} == set(p) for p in points)
    positions = [p["epochs"] for p in points]
    assert positions == sorted(positions) and 0 < positions[0] and positions[-1] == 2.0


def test_a_student_may_have_two_runs_waiting_or_training_and_gets_a_plain_reason_for_a_third(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    first, second = manager.submit(TINY, owner="ann"), manager.submit(TINY, owner="ann")
    before = len(registry.list_runs())
    with pytest.raises(UserError, match="already have 2 runs waiting or training.*Wait for one to finish, or stop one"):
        manager.submit(TINY, owner="ann")
    assert len(registry.list_runs()) == before  # nothing recorded for the refused run
    other = manager.submit(TINY, owner="bob")  # another student is not held back by ann's share
    teacher_runs = [manager.submit(TINY, owner="teacher", teacher=True) for _ in range(3)]  # no limit
    manager.stop(second, "ann")  # a stopped run frees its place at once
    again = manager.submit(TINY, owner="ann")
    for run_id in (first, other, again, *teacher_runs):
        runner.release(run_id)
    wait_for(lambda: not manager.busy())
    assert registry.get(again).status == "finished"


def test_a_private_window_on_the_same_device_gets_no_more_runs(registry):
    """Issue 29: a private window is a new browser, but the same device: a run counts against both shares."""
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    first = manager.submit(TINY, owner="ann", device="10.0.0.7")
    second = manager.submit(TINY, owner="ann in a private window", device="10.0.0.7")
    with pytest.raises(UserError, match="This device already has 2 runs waiting or training, started in another"):
        manager.submit(TINY, owner="ann in a second private window", device="10.0.0.7")
    with pytest.raises(UserError, match="This device has 2 runs waiting or training, started in another window"):
        manager.submit_group([(TINY, f"Study - {n}") for n in range(7)], owner="ann, third window", device="10.0.0.7")
    assert len(registry.list_runs()) == 2
    assert {run.device for run in registry.list_runs()} == {"10.0.0.7"}  # the teacher sees where runs come from
    other_device = manager.submit(TINY, owner="bob", device="10.0.0.8")
    same_browser_elsewhere = manager.submit(TINY, owner="ann", device="10.0.0.9")  # still ann's share: 2 of 2
    with pytest.raises(UserError, match="You already have 2 runs"):
        manager.submit(TINY, owner="ann", device="10.0.0.9")
    teacher = [manager.submit(TINY, owner="teacher", teacher=True, device="10.0.0.1") for _ in range(3)]  # no limit
    manager.stop(second, "ann in a private window")  # frees the device's place
    again = manager.submit(TINY, owner="ann in a second private window", device="10.0.0.7")
    for run_id in (first, other_device, same_browser_elsewhere, *teacher, again):
        runner.release(run_id)
    wait_for(lambda: not manager.busy())


def test_without_a_device_shares_count_per_browser_as_before(registry):
    """The server's own machine and a server behind a proxy: no device, so each browser has its own share."""
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    ids = [manager.submit(TINY, owner=f"browser {n}") for n in range(3) for _ in range(2)]
    assert len(ids) == 6 and {run.device for run in registry.list_runs()} == {None}
    for run_id in ids:
        runner.release(run_id)
    wait_for(lambda: not manager.busy())


def test_windows_on_one_device_share_its_turn(registry):
    """Runs take turns by device when it is known: two windows on one device do not get two first turns."""
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    busy = manager.submit(TINY, owner="carl", device="10.0.0.3")
    wait_for(lambda: runner.started == [busy])
    first = manager.submit(TINY, owner="ann", device="10.0.0.7")
    private = manager.submit(TINY, owner="ann in a private window", device="10.0.0.7")
    bob = manager.submit(TINY, owner="bob", device="10.0.0.8")
    for run_id in (busy, first, private, bob):
        runner.release(run_id)
    wait_for(lambda: not manager.busy())
    assert runner.started == [busy, first, bob, private]


def test_a_study_is_one_request_queued_whole_only_when_the_student_has_nothing_else_waiting(registry):
    runner = GatedRunner()
    manager = JobManager(registry, max_parallel=1, runner=runner)
    study = [(TINY, f"Study - {n}") for n in range(7)]
    single = manager.submit(TINY, owner="ann")
    with pytest.raises(UserError, match="A study queues 7 runs at once, so it starts only when you have none"):
        manager.submit_group(study, owner="ann")
    assert len(registry.list_runs()) == 1  # all or nothing
    runner.release(single)
    wait_for(lambda: manager.active_count("ann") == 0)
    ids = manager.submit_group(study, owner="ann")
    wait_for(lambda: ids[0] in runner.started)
    assert [manager.queue_position(i) for i in ids[1:]] == list(range(1, 7))
    with pytest.raises(UserError, match="already have 7 runs waiting or training"):
        manager.submit(TINY, owner="ann")
    for run_id in ids:
        runner.release(run_id)
    wait_for(lambda: not manager.busy())
    assert [registry.get(i).status for i in ids] == ["finished"] * 7


def test_bfloat16_without_its_units_is_refused_where_the_server_trains_but_queued_for_a_lab(tmp_path, monkeypatch):
    """A lab's server sends bfloat16 runs to PCs with the units (class_server/placement.py), so its own
    processor does not matter; a server that trains its runs itself refuses them before they queue."""
    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: False)
    bfloat16 = TINY.replace(precision="bfloat16")
    here = Registry(tmp_path / "here")
    with pytest.raises(UserError, match="bfloat16 needs a processor with bfloat16 units .* choose float32"):
        JobManager(here, max_parallel=1).submit(bfloat16, owner="student")
    assert here.list_runs() == []
    runner = GatedRunner()
    lab = JobManager(Registry(tmp_path / "lab"), max_parallel=1, runner=runner, takes_turns=False)
    run_id = lab.submit(bfloat16, owner="student")
    wait_for(lambda: runner.started == [run_id])
    runner.release(run_id)
