"""A finished training run leaves nothing behind in the server's memory."""

import gc

import keras

from mnist_core.config import TrainConfig
from mnist_core.registry import Registry
from mnist_core.runs import execute_run


def models_alive() -> int:
    return sum(isinstance(o, keras.Model) for o in gc.get_objects())


def test_a_finished_run_frees_its_model_at_once(tmp_path):
    """Its model, optimizer and graph hold one another in cycles: without the run's own collection they
    would wait for Python's next full collection, which on a busy server comes every ten or twenty runs."""
    registry = Registry(tmp_path)
    config = TrainConfig(hidden_units=(32,), dropouts=(0.0,), epochs=1, batch_size=100, train_size=1000)
    runs = [registry.create_run(config.to_dict()) for _ in range(2)]
    gc.collect()
    gc.disable()  # only the collection the run makes may free anything
    try:
        before = models_alive()
        for run in runs:
            assert execute_run(registry, run.id).status == "finished"
        assert models_alive() == before
    finally:
        gc.enable()
