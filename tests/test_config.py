"""Hyperparameters: the seed's model, presets, and messages a student understands."""

import pytest

from mnist_core.config import PRESETS, TrainConfig, layer_table, parameter_count, preset
from mnist_core.errors import ConfigError


def test_the_default_config_is_the_seed_notebook():
    config = TrainConfig()
    assert config == PRESETS["seed"]
    assert (config.hidden_units, config.dropouts) == ((256, 128), (0.2, 0.0))
    assert (config.epochs, config.batch_size, config.optimizer, config.learning_rate) == (10, 128, "adam", 1e-3)
    assert parameter_count(config) == 235_146


def test_layer_table_reads_like_the_seed_model():
    layers = [row["layer"] for row in layer_table(TrainConfig())]
    assert layers == ["Flatten", "Dense, relu", "Dropout 0.2", "Dense, relu", "Dense, softmax"]


def test_no_dropout_has_no_dropout_layer_and_the_same_parameters():
    config = preset("no-dropout")
    assert not any(row["layer"].startswith("Dropout") for row in layer_table(config))
    assert parameter_count(config) == 235_146


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dropouts": (0.95, 0.0)}, "dropout rate of layer 1 must be a number from 0 to 0.9"),
        ({"dropouts": (-0.1, 0.0)}, "dropout rate of layer 1 must be a number from 0 to 0.9"),
        ({"epochs": 0}, "epochs must be a whole number from 1 to 100"),
        ({"epochs": 101}, "epochs must be a whole number from 1 to 100"),
        ({"epochs": 2.5}, "epochs must be a whole number"),
        ({"batch_size": 0}, "batch size must be a whole number from 1 to 60000"),
        ({"batch_size": 60_001}, "batch size must be a whole number from 1 to 60000"),
        ({"learning_rate": 0}, "learning rate must be a number above 0"),
        ({"learning_rate": float("nan")}, "learning rate must be a number above 0"),
        ({"optimizer": "adamw"}, "Unknown optimizer 'adamw': choose one of adam, sgd, rmsprop"),
        ({"hidden_units": (), "dropouts": ()}, "number of hidden layers must be a whole number from 1 to 4"),
        (
            {"hidden_units": (8,) * 5, "dropouts": (0.0,) * 5},
            "number of hidden layers must be a whole number from 1 to 4",
        ),
        ({"hidden_units": (256, 128), "dropouts": (0.2,)}, "one dropout rate per hidden layer"),
        ({"hidden_units": (0,), "dropouts": (0.0,)}, "units in hidden layer 1"),
        ({"train_size": 10}, "training-set size must be a whole number from 100 to 60000"),
        ({"epochs": "ten"}, "epochs must be a whole number"),
        ({"train_size": 1000, "batch_size": 1024}, "batch size is larger than the training set"),
    ],
)
def test_bad_values_are_refused_with_a_plain_message(changes, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig().replace(**changes).validate()


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError, match="Unknown preset 'big'.*seed, no-dropout, heavy-dropout, cnn"):
        preset("big")


def test_round_trip_through_a_dict_as_the_registry_stores_it():
    config = preset("cnn")
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({**config.to_dict(), "from_the_future": 1}) == config


def test_every_preset_is_valid():
    for config in PRESETS.values():
        config.validate()


def test_a_train_press_runs_the_rules_once_and_a_bad_config_is_refused_every_time(monkeypatch):
    """The page, the queue, the trainer and the model builder each validate a run's config (each is an entry
    point of its own); only the first runs TrainConfig's rules, and 1 and True stay different settings."""
    runs = []
    check = TrainConfig._check
    monkeypatch.setattr(TrainConfig, "_check", lambda config: (runs.append(config), check(config))[1])
    fresh = TrainConfig(seed=987_654_321, epochs=3)
    for _ in range(4):
        assert fresh.validate() is fresh
    assert runs == [fresh]
    bad = TrainConfig(seed=987_654_321, epochs=0)
    for _ in range(2):
        with pytest.raises(ConfigError, match="epochs"):
            bad.validate()
    assert runs == [fresh, bad, bad]
    TrainConfig(seed=987_654_321, batch_size=1, train_size=1000).validate()
    with pytest.raises(ConfigError, match="batch size"):
        TrainConfig(seed=987_654_321, batch_size=True, train_size=1000).validate()
