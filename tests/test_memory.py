"""A finished training run leaves nothing of its own behind in the server's memory."""

import gc

import keras

from class_server.registry import Registry
from class_server.runs import execute_run
from mnist_core.config import TrainConfig


def models_alive() -> int:
    return sum(isinstance(thing, keras.Model) for thing in gc.get_objects())


def test_a_finished_run_frees_its_model_at_once(tmp_path):
    """Its model, optimizer and graph hold one another in cycles: without the run's own collection they
    would wait for Python's next full collection, which on a busy server comes every ten or twenty runs.
    The first run of a network leaves its compiled trainer for the next run of it (trainer._Trainer), so
    the count is taken after it: each later run must free its own model and add nothing."""
    registry = Registry(tmp_path)
    config = TrainConfig(hidden_units=(32,), dropouts=(0.0,), epochs=1, batch_size=100, train_size=1000)
    first, *later = [registry.create_run(config.to_dict()) for _ in range(3)]
    assert execute_run(registry, first.id).status == "finished"
    gc.collect()
    gc.disable()  # only the collection the run makes may free anything
    try:
        before = models_alive()
        for run in later:
            assert execute_run(registry, run.id).status == "finished"
            assert models_alive() == before
    finally:
        gc.enable()
