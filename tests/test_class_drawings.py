"""Training on the class's drawings: the held-out split, the plain messages, and whole runs through the job queue."""

import time

import numpy as np
import pytest
from recorded import saved_drawings

from class_server.jobs import JobManager
from class_server.registry import Registry
from mnist_core.class_drawings import MIN_DRAWINGS, check_drawings, config_of, missing_digits, split_drawings
from mnist_core.config import PRESETS, TrainConfig
from mnist_core.errors import ConfigError, UserError
from mnist_core.models import load_model
from mnist_core.paths import DEFAULT_MODEL


def test_a_stated_share_of_each_digit_is_held_out_the_same_way_each_time():
    labels = np.repeat(np.arange(10), 4)
    images = np.arange(40, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    split = split_drawings(images, labels, holdout=0.25, seed=0)
    assert np.bincount(split.y_held_out, minlength=10).tolist() == [1] * 10
    assert len(split.y_train) == 30
    assert not set(split.x_held_out[:, 0, 0]) & set(split.x_train[:, 0, 0])  # no drawing on both sides
    again = split_drawings(images, labels, holdout=0.25, seed=0)
    assert np.array_equal(again.x_held_out, split.x_held_out)


def test_too_few_drawings_and_digits_with_none_are_said_plainly():
    with pytest.raises(UserError, match=f"saved 19 drawings; training on them needs at least {MIN_DRAWINGS}"):
        check_drawings(np.zeros(19, int))
    assert missing_digits(np.array([0, 1, 1, 5])) == [2, 3, 4, 6, 7, 8, 9]
    with pytest.raises(ConfigError, match="share of drawings held out"):
        TrainConfig(data="drawings", base_model="m.keras", holdout=0.9).validate()
    with pytest.raises(ConfigError, match="needs a model to start from"):
        TrainConfig(data="mnist+drawings").validate()


def test_the_default_models_architecture_is_read_from_the_model():
    assert config_of(load_model(DEFAULT_MODEL)) == {
        "conv_filters": (32, 64),
        "hidden_units": (128,),
        "dropouts": (0.3,),
    }


def wait_for(manager: JobManager, run_id: int, timeout: float = 600) -> None:
    started = time.monotonic()
    while manager.live(run_id).status in ("queued", "running"):
        assert time.monotonic() - started < timeout
        time.sleep(0.2)


def test_fine_tuning_and_mixing_run_through_the_queue_with_before_and_after(tmp_path):
    registry = Registry(tmp_path)
    saved_drawings(registry, per_digit=4)
    manager = JobManager(registry)
    default = load_model(DEFAULT_MODEL)
    fine_tune = TrainConfig(
        **config_of(default),
        data="drawings",
        base_model=str(DEFAULT_MODEL),
        epochs=3,
        batch_size=16,
        learning_rate=1e-4,
    )
    mixed = PRESETS["seed"].replace(data="mnist+drawings", base_model=str(DEFAULT_MODEL), epochs=1, train_size=2000)
    ids = [
        manager.submit(config, owner="pupil", name=name)
        for config, name in ((fine_tune, "Fine tune on ours"), (mixed, "Mixed with ours"))
    ]
    for run_id in ids:
        wait_for(manager, run_id)
        run = registry.get(run_id)
        assert run.status == "finished", run.error
        assert run.model_path is not None and run.model_path.exists()
        assert run.metrics["drawings_held_out"] == 10 and run.metrics["drawings_trained"] == 30
        for key in (
            "before_drawings_accuracy",
            "after_drawings_accuracy",
            "before_mnist_accuracy",
            "after_mnist_accuracy",
        ):
            assert 0 <= run.metrics[key] <= 1
        assert run.metrics["after_mnist_accuracy"] == pytest.approx(run.metrics["test_accuracy"], abs=1e-6)
        assert len(run.history) == TrainConfig.from_dict(run.config).epochs  # live curves had every epoch
    tuned = registry.get(ids[0]).metrics
    assert tuned["before_mnist_accuracy"] > 0.99  # the default model, before it saw our drawings
    assert tuned["after_mnist_accuracy"] > 0.9  # three gentle epochs on 30 drawings forget little
