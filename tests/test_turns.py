"""Runs take turns on the trainer: students in round robin, a long run shares, and a run that waited for its
turn ends exactly where it would have ended alone."""

import dataclasses
import threading

import numpy as np
import pytest

from class_server.jobs import JobManager
from class_server.registry import Registry
from class_server.runs import execute_run
from class_server.turns import Turns
from mnist_core.config import PRESETS, TrainConfig
from tests.test_jobs import wait_for

SMALL = TrainConfig(hidden_units=(32,), dropouts=(0.2,), epochs=3, batch_size=100, train_size=2000, seed=3)


def first_turns(turns: Turns, runs: list[int]) -> list[int]:
    """The order in which ``runs`` (all waiting) get the one trainer, each giving it back at once for good."""
    order = []
    for _ in runs:
        taker = next(r for r in runs if r not in order and turns._next() == r)
        assert turns.take(taker)
        order.append(taker)
        turns.give_back(taker, seconds=1.0, again=False)
    return order


def test_every_student_gets_a_first_turn_before_anyone_gets_a_second():
    turns = Turns(trainers=1)
    for run, owner in [(1, "ann"), (2, "ann"), (3, "bob"), (4, "cat"), (5, "bob")]:
        turns.join(run, owner)
    # Ann's second run waits until Bob and Cat have had their first; Bob's second comes after Ann's.
    assert first_turns(turns, [1, 2, 3, 4, 5]) == [1, 3, 4, 2, 5]


def test_a_student_with_a_long_run_shares_the_trainer_turn_by_turn():
    turns = Turns(trainers=1)
    turns.join(1, "ann")
    assert turns.take(1)
    turns.join(2, "bob")  # Bob presses Train while Ann's long run trains
    assert turns.others_waiting(1) and turns.place(2) == 1
    turns.give_back(1, seconds=2.0, again=True)  # Ann's turn ends: Bob's run goes first
    assert turns._next() == 2
    assert turns.take(2)
    turns.give_back(2, seconds=0.5, again=True)
    assert turns._next() == 2  # Bob has had less of the trainer than Ann
    assert turns.take(2)
    turns.give_back(2, seconds=2.0, again=True)
    assert turns._next() == 1  # now Ann has had less


def test_a_student_who_comes_back_starts_level_with_the_class_not_ahead():
    turns = Turns(trainers=1)
    turns.join(1, "ann")
    assert turns.take(1)
    turns.give_back(1, seconds=50.0, again=True)  # Ann has trained for a long time
    turns.join(2, "bob")
    turns.join(3, "cat")
    assert turns._next() == 2  # newcomers first...
    assert turns.take(2)
    turns.give_back(2, seconds=30.0, again=False)  # Bob is done and leaves
    turns.join(4, "bob")  # ...and Bob's next run starts level with Ann (50 s), not at 30 s
    assert turns._used["bob"] == pytest.approx(50.0)
    assert turns._next() == 3


def test_a_run_asked_to_stop_takes_the_next_turn_and_a_queued_one_leaves():
    turns = Turns(trainers=1)
    for run, owner in [(1, "ann"), (2, "bob"), (3, "cat")]:
        turns.join(run, owner)
    assert turns.take(1)
    turns.give_back(1, seconds=1.0, again=True)
    turns.hurry(1)
    assert turns._next() == 1
    assert turns.drop(3) and turns.place(3) is None
    assert not turns.drop(1)  # it has started: it stops by itself, keeping its model


def trained(config: TrainConfig, turn=None):
    from mnist_core.trainer import train

    return train(config, turn=turn)


def trained_weights(config: TrainConfig, turn=None) -> list[np.ndarray]:
    return [w.numpy() for w in trained(config, turn).model.weights]


class EveryEpoch:
    """A turn that hands the trainer to another run after every epoch and chunk, and trains that run meanwhile."""

    def __init__(self, other: TrainConfig):
        self.other, self.others = other, []

    def should_yield(self, epoch_ended: bool) -> bool:
        return True

    def pause(self, meanwhile) -> None:
        if len(self.others) < 3:  # other runs of the same network use the same compiled trainer meanwhile
            self.others.append(trained_weights(dataclasses.replace(self.other, epochs=1)))
        meanwhile()  # after another run trained: the run's own work must not need the trainer


# The CNN preset validated on 1,000 held-out images instead of its 5,000: scoring them is most of a short CNN
# run's work, and a run ends where it would alone on any number of them.
@pytest.mark.parametrize(
    "config", [SMALL, dataclasses.replace(PRESETS["cnn"], epochs=2, train_size=1500, validation=1000)]
)
def test_a_run_that_hands_the_trainer_on_ends_exactly_where_it_would_alone(config):
    alone = trained(config)
    taking_turns = trained(config, EveryEpoch(dataclasses.replace(config, seed=config.seed + 1)))
    for a, b in zip(alone.model.weights, taking_turns.model.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    # Each epoch was validated after the trainer was handed on, on the run's own model: the same scores.
    for a, b in zip(alone.history, taking_turns.history, strict=True):
        assert (b["val_loss"], b["val_accuracy"]) == pytest.approx((a["val_loss"], a["val_accuracy"]), rel=1e-5)


def test_a_short_run_trains_while_a_long_run_of_another_student_is_under_way(tmp_path):
    manager = JobManager(Registry(tmp_path), max_parallel=1)
    # about 20 s alone here (0.19 s an epoch): still under way when the short run has finished
    long_run = manager.submit(dataclasses.replace(SMALL, epochs=100, train_size=60_000), owner="ann")
    wait_for(lambda: len(manager.live(long_run).epochs) >= 1, seconds=300)
    short_run = manager.submit(dataclasses.replace(SMALL, epochs=2), owner="bob")
    wait_for(lambda: manager.live(short_run).status == "finished", seconds=300)
    assert manager.live(long_run).status == "running"  # it shared the trainer and is still going
    assert len(manager.live(long_run).epochs) < 100
    manager.stop(long_run, "ann")
    wait_for(lambda: manager.live(long_run).status == "stopped")


def test_thirty_presses_at_once_all_show_a_first_epoch_before_any_run_shows_its_third(tmp_path):
    order, lock = [], threading.Lock()

    def recording(registry, run_id, on_event=None, should_stop=None, turn=None):
        def record(event):
            if event.is_epoch:
                with lock:
                    order.append((event.epoch, run_id))
            on_event(event)

        return execute_run(registry, run_id, on_event=record, should_stop=should_stop, turn=turn)

    manager = JobManager(Registry(tmp_path), max_parallel=1, runner=recording, takes_turns=True)
    config = dataclasses.replace(SMALL, epochs=3, train_size=500, validation=1000)
    ids = [manager.submit(config, owner=f"student {n}") for n in range(30)]
    wait_for(lambda: not manager.busy(), seconds=600)
    assert all(manager.live(r).status == "finished" for r in ids)
    third = next(i for i, (epoch, _) in enumerate(order) if epoch == 3)
    assert {run for epoch, run in order[:third] if epoch == 1} == set(ids)


def test_a_run_still_to_finish_its_first_epoch_goes_before_runs_that_have_finished_one():
    turns = Turns(trainers=1)
    for run, owner in [(1, "ann"), (2, "bob"), (3, "cat")]:
        turns.join(run, owner)
    for run, seconds, first in [(1, 0.9, False), (2, 2.0, True), (3, 0.9, False)]:
        assert turns.take(run)
        turns.give_back(run, seconds, again=True, first=first)  # Bob's epoch is long: his turn ended inside it
    assert turns._next() == 2  # Bob has had the most of the trainer, but has not seen an epoch yet


def test_nobody_takes_the_trainer_while_a_run_builds_its_model():
    turns = Turns(trainers=1)
    for run, owner in [(1, "ann"), (2, "bob")]:
        turns.join(run, owner)
    turns.preparing(2, True)  # Bob's run builds its model: that would slow whichever run trained meanwhile
    taken = threading.Event()
    threading.Thread(target=lambda: turns.take(1) and taken.set(), daemon=True).start()
    assert not taken.wait(0.5)
    turns.preparing(2, False)
    assert taken.wait(10)


def test_a_run_starts_from_the_model_built_while_it_waited():
    from mnist_core.starting_model import build_ahead

    alone = trained_weights(SMALL)
    build_ahead(SMALL)  # as the run's thread does while other runs train
    for a, b in zip(alone, trained_weights(SMALL), strict=True):
        np.testing.assert_array_equal(a, b)
