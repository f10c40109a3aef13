"""Lesson links: settings round-trip through a URL; anything odd is ignored with a notice."""

import pytest

from mnist_core import cpu_threads
from mnist_core.config import PRESETS, TrainConfig
from mnist_core.lesson import CONTROLS, lesson_from_query, query_from_lesson


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_round_trips(preset):
    config = PRESETS[preset]
    lesson = lesson_from_query(query_from_lesson(config, preset))
    assert lesson.config == config and lesson.preset == preset and not lesson.notices


def test_a_changed_config_and_hidden_controls_round_trip(monkeypatch):
    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: True)  # whatever this computer's CPU
    config = TrainConfig(
        hidden_units=(512, 64, 32),
        dropouts=(0.5, 0.25, 0.0),
        epochs=3,
        batch_size=256,
        learning_rate=5e-4,
        optimizer="rmsprop",
        train_size=6000,
        shift=1,
        precision="bfloat16",
    )
    params = query_from_lesson(config, "seed", ("dropout", "epochs"))
    assert params["show"] == "dropout,epochs"
    lesson = lesson_from_query(params)
    assert lesson.config == config and lesson.shown == ("dropout", "epochs") and not lesson.notices


def test_a_bfloat16_link_opens_in_float32_on_a_computer_without_bfloat16_units(monkeypatch):
    config = PRESETS["cnn"].replace(precision="bfloat16", epochs=3)
    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: False)
    lesson = lesson_from_query(query_from_lesson(config, "cnn"))
    assert lesson.config == config.replace(precision="float32")
    assert lesson.notices == ["Trains in float32: this computer has no bfloat16 units, which the link asked for."]
    in_a_lab = lesson_from_query(query_from_lesson(config, "cnn"), trains_here=False)  # PCs with the units train it
    assert in_a_lab.config == config and not in_a_lab.notices


def test_a_dropout_lesson_link():
    lesson = lesson_from_query({"preset": "seed", "dropout": "0.5", "show": "dropout"})
    assert lesson.config.dropouts == (0.5, 0.0) and lesson.shown == ("dropout",)
    assert lesson.config.hidden_units == (256, 128)


@pytest.mark.parametrize(
    "params, notice",
    [
        ({"preset": "huge"}, "Ignored preset='huge'"),
        (
            {"dropout": "1.5"},
            "Ignored dropout='1.5': not one of the values the controls offer: 0 to 0.8 in steps of 0.05",
        ),
        ({"dropout": "abc"}, "Ignored dropout='abc': not a number"),
        ({"epochs": "0"}, "Ignored epochs='0'"),
        ({"epochs": "-3"}, "Ignored epochs='-3'"),
        ({"units": "100"}, "Ignored units='100'"),
        ({"units": "64,64,64,64,64"}, "give 1 to 4 values"),
        ({"lr": "nan"}, "Ignored lr='nan'"),
        ({"images": "7"}, "Ignored images='7'"),
        ({"optimizer": "adamw"}, "Ignored optimizer='adamw'"),
        ({"colour": "red"}, "Ignored unknown setting 'colour'"),
        ({"show": "dropout,secret"}, "Ignored unknown controls in show=: 'secret'"),
        ({"dropout": "0.2,0.2,0.2"}, "one dropout rate per hidden layer"),
        ({"arch": "rnn"}, "Ignored arch='rnn': choose mlp or cnn"),
        ({"shift": "9"}, "Ignored shift='9': not one of the values the controls offer: 0, 1, 2 or 3"),
        ({"images": "2000"}, "offer: 1000, 3000, 6000, 12000, 30000 or 60000"),
        ({"epochs": "3.0"}, "Ignored epochs='3.0': not a whole number"),
        ({"epochs": "60"}, "offer: 1 to 50."),
        ({"optimizer": "adamw"}, "choose adam, sgd or rmsprop"),
        ({"validation": "-1"}, "choose 5000 (held-out training images) or test (the test set)"),
        ({"epochs": "9" * 5000}, "Ignored epochs='" + "9" * 40 + "...': not one of"),
        ({"precision": "float8"}, "Ignored precision='float8'"),
    ],
)
def test_odd_links_open_the_page_with_a_notice(params, notice):
    lesson = lesson_from_query(params)
    assert any(notice in n for n in lesson.notices), lesson.notices
    assert all(len(n) < 200 for n in lesson.notices)
    lesson.config.validate()


def test_names_in_a_link_are_read_in_any_case():
    lesson = lesson_from_query({"optimizer": "ADAM", "precision": "Float32", "validation": "TEST"})
    assert not lesson.notices
    assert (lesson.config.optimizer, lesson.config.precision, lesson.config.validation) == ("adam", "float32", "test")


def test_fewer_units_than_the_presets_dropouts_keeps_a_valid_config():
    lesson = lesson_from_query({"units": "64"})
    assert lesson.config.hidden_units == (64,) and lesson.config.dropouts == (0.2,) and not lesson.notices


def test_no_parameters_is_the_seed_with_every_control():
    lesson = lesson_from_query({})
    assert lesson.config == PRESETS["seed"] and lesson.shown == CONTROLS and not lesson.notices


def test_the_cnn_preset_switched_to_an_mlp_stays_an_mlp():
    config = PRESETS["cnn"].replace(conv_filters=())
    assert lesson_from_query(query_from_lesson(config, "cnn")).config == config


def test_an_mlp_preset_switched_to_a_cnn_gets_convolutions():
    lesson = lesson_from_query({"preset": "seed", "arch": "cnn"})
    assert lesson.config.conv_filters == PRESETS["cnn"].conv_filters and not lesson.notices
