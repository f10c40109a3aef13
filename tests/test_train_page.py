"""The Train page headless (Streamlit's AppTest): controls, presets, live summary, validation, history.

No real model is trained here: the tests that start a run replace the training loop with a fake one
that reports two epochs and then waits for Stop.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import types
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from class_server.registry import Registry
from mnist_core import cpu_threads, number_format
from mnist_core.config import PRESETS, TrainConfig
from mnist_core.lesson import BATCH_SIZES, FILTERS, LEARNING_RATES, TRAIN_SIZES, UNITS
from mnist_core.progress import EpochRecord, Progress, ProgressKind
from ui.train_settings import this_computer_only

PROJECT_DIR = Path(__file__).resolve().parent.parent
TRAIN_PAGE = str(PROJECT_DIR / "pages" / "train.py")


@pytest.fixture(autouse=True)
def fresh_studio(monkeypatch, tmp_path):
    """Each test: its own run registry, no cached registry or job manager from an earlier test."""
    monkeypatch.syspath_prepend(str(PROJECT_DIR))
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    previous = st_config.get_option("client.showErrorDetails")
    st_config.set_option("client.showErrorDetails", "full")
    st.cache_resource.clear()
    yield tmp_path
    st.cache_resource.clear()
    st_config.set_option("client.showErrorDetails", previous)


def open_train() -> AppTest:
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def parameters(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Parameters")


def train_button(at: AppTest):
    return next(b for b in at.button if b.label == "Train")


def errors(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error]


def shown(markdown: str) -> str:
    """Text as the page shows it: user text is backslash-escaped inside Markdown (ui/plain_text.py)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> str:
    parts = [
        *(h.value for h in at.subheader),
        *(a.value for a in at.warning),
        *(a.value for a in at.info),
        *(a.value for a in at.success),
        *(a.value for a in at.error),
        *(m.value for m in at.markdown),
    ]
    return shown("\n".join(parts))


# Controls


def test_controls_exist_with_their_ranges():
    at = open_train()
    assert at.radio(key="architecture").options == ["MLP", "CNN"]
    layers = at.slider(key="layers")
    assert (layers.min, layers.max, layers.value) == (1, 4, 2)
    for i in range(2):
        dropout = at.slider(key=f"dropout_{i}")
        assert (dropout.min, dropout.max, dropout.step) == (0.0, 0.8, 0.05)
        assert "Dropout" in dropout.label
        assert at.select_slider(key=f"units_{i}").options == ["16", "32", "64", "128", "256", "512", "1024"]
    assert at.slider(key="dropout_0").value == 0.2
    rates = at.select_slider(key="learning_rate").options
    assert rates[0] == "0.0001" and rates[-1] == "0.1" and "0.001" in rates and len(rates) >= 8
    assert at.selectbox(key="optimizer").options == ["adam", "sgd", "rmsprop"]
    epochs = at.slider(key="epochs")
    assert (epochs.min, epochs.max) == (1, 50)
    assert "128" in at.select_slider(key="batch_size").options
    sizes = at.select_slider(key="train_size").options
    assert {"1,000", "6,000", "60,000"} <= set(sizes)
    assert at.select_slider(key="shift").options == ["off", "up to 1 px", "up to 2 px", "up to 3 px"]
    assert at.radio(key="precision").options == ["float32 (32-bit)", "bfloat16 (16-bit)", "Fastest here"]
    assert at.radio(key="precision").value == "float32"
    assert [b.label for b in at.button].count("Train") == 1
    assert not train_button(at).disabled


def test_one_units_and_one_dropout_control_per_hidden_layer():
    at = open_train()
    at.slider(key="layers").set_value(4)
    run(at)
    assert [s.key for s in at.select_slider if s.key.startswith("units_")] == [f"units_{i}" for i in range(4)]
    assert [s.key for s in at.slider if s.key.startswith("dropout_")] == [f"dropout_{i}" for i in range(4)]
    at.slider(key="layers").set_value(1)
    run(at)
    assert [s.key for s in at.slider if s.key.startswith("dropout_")] == ["dropout_0"]


def test_a_hidden_layer_keeps_its_settings_while_hidden():
    at = open_train()
    at.select_slider(key="units_1").set_value(512)
    at.slider(key="dropout_1").set_value(0.35)
    run(at)
    at.slider(key="layers").set_value(1)
    run(at)
    at.slider(key="layers").set_value(2)
    run(at)
    assert at.select_slider(key="units_1").value == 512
    assert at.slider(key="dropout_1").value == pytest.approx(0.35)


# Presets


def test_a_runs_caption_says_which_number_format_it_trains_in_and_why():
    from ui.live_run import settings_line

    config = PRESETS["cnn"].to_dict()
    chosen = {"precision": "float32", "float32_step": 0.0138, "bfloat16_step": 0.0183}
    finished = types.SimpleNamespace(
        config=config, metrics={"number_format": {**chosen, "reason": "float32: bfloat16 was 1.3x slower here"}}
    )
    assert settings_line(finished).endswith(" · float32: bfloat16 was 1.3x slower here")
    queued = types.SimpleNamespace(config={**config, "seed": 12345, "batch_size": 16}, metrics={})
    assert settings_line(queued).endswith(" · number format: timed when it starts")
    named = types.SimpleNamespace(config={**config, "precision": "float32"}, metrics={})
    assert "number format" not in settings_line(named)


@pytest.mark.skipif(not cpu_threads.has_bfloat16_units(), reason="this CPU has no bfloat16 units")
def test_bfloat16_says_which_layers_compute_in_16_bit_and_the_code_shows_it():
    at = open_train()
    at.radio(key="precision").set_value("bfloat16")
    run(at)
    assert any("computes in 16-bit numbers" in c.value for c in at.caption)
    keras_code = next(c.value for c in at.code if c.language == "python")
    assert 'dtype="mixed_bfloat16"' in keras_code and not train_button(at).disabled
    at.radio(key="precision").set_value("float32")
    run(at)
    assert not any("16-bit" in c.value for c in at.caption)
    assert "bfloat16" not in next(c.value for c in at.code if c.language == "python")


def test_without_bfloat16_units_choosing_bfloat16_says_why_and_cannot_train(monkeypatch):
    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: False)
    at = open_train()
    at.radio(key="precision").set_value("bfloat16")
    run(at)
    assert train_button(at).disabled
    assert any("bfloat16 needs a processor with bfloat16 units" in e.value for e in at.error)
    at.radio(key="precision").set_value("float32")
    run(at)
    assert not train_button(at).disabled and not at.error


@pytest.mark.parametrize("preset", list(PRESETS))
def test_each_preset_fills_the_controls(preset):
    at = open_train()
    if preset == "seed":  # the page opens on it: change something first, then choose it again
        at.selectbox(key="preset").set_value("cnn")
        run(at)
    at.selectbox(key="preset").set_value(preset)
    run(at)
    config = PRESETS[preset]
    assert at.radio(key="architecture").value == ("CNN" if config.conv_filters else "MLP")
    assert at.slider(key="layers").value == len(config.hidden_units)
    for i, (units, rate) in enumerate(zip(config.hidden_units, config.dropouts, strict=True)):
        assert at.select_slider(key=f"units_{i}").value == units
        assert at.slider(key=f"dropout_{i}").value == pytest.approx(rate)
    assert at.select_slider(key="learning_rate").value == config.learning_rate
    assert at.selectbox(key="optimizer").value == config.optimizer
    assert at.slider(key="epochs").value == config.epochs
    assert at.select_slider(key="batch_size").value == config.batch_size
    assert at.select_slider(key="train_size").value == config.train_size
    assert at.select_slider(key="shift").value == config.shift
    assert at.radio(key="precision").value == config.precision
    assert at.radio(key="validation").value == config.validation


def test_the_seed_validates_on_the_test_set_and_the_cnn_on_held_out_images_and_the_page_says_why():
    at = open_train()
    assert at.radio(key="validation").value == "test"  # the seed notebook's way, so it still reproduces it
    assert "The test set (as the seed notebook does)" in at.radio(key="validation").options
    assert any("never on the test set" in c.value for c in at.caption)
    at.selectbox(key="preset").set_value("cnn")
    run(at)
    assert at.radio(key="validation").value == 5000
    at.radio(key="validation").set_value("test")
    run(at)
    assert at.query_params["validation"] == "test"


def test_no_dropout_preset_sets_every_dropout_to_zero():
    at = open_train()
    assert at.slider(key="dropout_0").value == 0.2
    at.selectbox(key="preset").set_value("no-dropout")
    run(at)
    assert at.slider(key="dropout_0").value == 0.0
    assert at.slider(key="dropout_1").value == 0.0


def test_heavy_dropout_preset():
    at = open_train()
    at.selectbox(key="preset").set_value("heavy-dropout")
    run(at)
    assert at.slider(key="dropout_0").value == 0.5


def test_cnn_preset_shows_the_convolution_controls(monkeypatch):
    monkeypatch.setattr(number_format, "_known", {})  # not measured yet in this process
    at = open_train()
    assert not [s for s in at.select_slider if s.key.startswith("filters_")]
    at.selectbox(key="preset").set_value("cnn")
    run(at)
    assert at.radio(key="architecture").value == "CNN"
    assert at.slider(key="conv_layers").value == 3
    assert [at.select_slider(key=f"filters_{i}").value for i in range(3)] == [16, 32, 64]
    assert at.radio(key="precision").value == "fastest"  # measured when the run starts (test_number_format.py)
    assert any(c.value.startswith("Fastest here: when the run starts, this computer times") for c in at.caption)
    table = at.table[0].value
    assert table["Layer"].str.startswith("Conv2D").sum() == 3
    assert table["Layer"].iloc[0] == "Shift up to 2 px (training only)"
    code = next(c.value for c in at.code if "keras.Sequential" in c.value)
    assert 'layers.RandomTranslation(0.0714, 0.0714, fill_mode="constant")' in code
    # 16 filters: (9+1)*16=160; 32: (9*16+1)*32=4,640; 64: (9*32+1)*64=18,496; 3x3x64=576 -> 128: 73,856;
    # 128 -> 10: 1,290
    assert parameters(at) == "98,442"


def test_mlp_hides_the_convolution_controls():
    at = open_train()
    at.selectbox(key="preset").set_value("cnn")
    run(at)
    at.radio(key="architecture").set_value("MLP")
    run(at)
    assert not [s for s in at.select_slider if s.key.startswith("filters_")]
    assert not at.table[0].value["Layer"].str.startswith("Conv2D").any()


# Live summary


def test_parameter_count_of_the_seed_and_after_changing_units():
    at = open_train()
    assert parameters(at) == "235,146"  # 784*256+256 + 256*128+128 + 128*10+10
    at.select_slider(key="units_0").set_value(128)
    run(at)
    assert parameters(at) == "118,282"  # 784*128+128 + 128*128+128 + 128*10+10
    at.slider(key="layers").set_value(1)
    run(at)
    assert parameters(at) == "101,770"  # 784*128+128 + 128*10+10


def test_layer_table_follows_the_controls():
    at = open_train()
    table = at.table[0].value
    assert list(table.columns) == ["Layer", "Outputs", "Parameters"]
    assert list(table["Layer"]) == ["Flatten", "Dense, relu", "Dropout 0.2", "Dense, relu", "Dense, softmax"]
    assert list(table["Parameters"]) == ["0", "200,960", "0", "32,896", "1,290"]
    at.slider(key="dropout_1").set_value(0.5)
    run(at)
    assert "Dropout 0.5" in list(at.table[0].value["Layer"])


# Bad input


def test_a_batch_larger_than_the_training_set_disables_train():
    at = open_train()
    at.select_slider(key="train_size").set_value(1000)
    at.select_slider(key="batch_size").set_value(1024)
    run(at)
    assert train_button(at).disabled
    assert any("batch size is larger than the training set" in e for e in errors(at))
    at.select_slider(key="batch_size").set_value(512)
    run(at)
    assert not train_button(at).disabled
    assert not errors(at)


@pytest.mark.parametrize("end", ["smallest", "largest"])
def test_every_control_at_its_extreme_gives_a_trainable_network_or_a_message(end):
    """Each slider at its end, MLP and CNN: the page never fails, and the summary follows."""
    at = open_train()
    pick = (lambda options: options[0]) if end == "smallest" else (lambda options: options[-1])
    at.slider(key="layers").set_value(1 if end == "smallest" else 4)
    run(at)
    for i in range(len([s for s in at.slider if (s.key or "").startswith("dropout_")])):
        at.select_slider(key=f"units_{i}").set_value(pick(UNITS))
        at.slider(key=f"dropout_{i}").set_value(0.0 if end == "smallest" else 0.8)
    for key, options in (("learning_rate", LEARNING_RATES), ("batch_size", BATCH_SIZES), ("train_size", TRAIN_SIZES)):
        at.select_slider(key=key).set_value(pick(options))
    at.slider(key="epochs").set_value(1 if end == "smallest" else 50)
    run(at)
    if end == "smallest":  # 1 layer of 16 units, batch 16, 1,000 images, 1 epoch
        assert parameters(at) == f"{784 * 16 + 16 + 16 * 10 + 10:,}" and not train_button(at).disabled
    else:  # 4 layers of 1,024 units, dropout 0.8, batch 1,024, all 60,000 images, 50 epochs
        assert parameters(at) == f"{784 * 1024 + 1024 + 3 * (1024 * 1024 + 1024) + 1024 * 10 + 10:,}"
        assert not train_button(at).disabled
    at.radio(key="architecture").set_value("CNN")
    run(at)
    at.slider(key="conv_layers").set_value(1 if end == "smallest" else 3)
    run(at)
    for i in range(1 if end == "smallest" else 3):
        at.select_slider(key=f"filters_{i}").set_value(pick(FILTERS))
    run(at)
    assert parameters(at) != "0" and not errors(at)


def test_a_bad_run_name_shows_the_registrys_message_and_creates_no_run(fresh_studio):
    at = open_train()
    at.text_input(key="run_name").input("../x")
    train_button(at).click()
    run(at)
    assert any("not allowed" in e and "letters, digits" in e for e in errors(at)), errors(at)
    assert Registry(fresh_studio).list_runs() == []
    assert at.text_input(key="run_name").value == "../x"  # kept, to be corrected


def test_a_name_already_taken_shows_a_message_and_creates_no_run(fresh_studio):
    Registry(fresh_studio).create_run(TrainConfig().to_dict(), name="seed", status="finished")
    at = open_train()
    at.text_input(key="run_name").input("Seed")
    train_button(at).click()
    run(at)
    assert any("already exists" in e for e in errors(at)), errors(at)
    assert len(Registry(fresh_studio).list_runs()) == 1


# A run, with a fake training loop


class FakeTraining:
    """Stands in for mnist_core.trainer.train: two epoch records, then batches until Stop (or 30 s)."""

    def __init__(self):
        self.started = threading.Event()

    def __call__(self, config, on_event=None, should_stop=None, data=None, turn=None):
        def event(kind, epoch, step, **extra):
            on_event(Progress(kind, epoch, config.epochs, step, 10, 0.5 / epoch, 0.8 + epoch / 100, 1.0, 12.0, **extra))

        history = []
        for epoch in (1, 2):
            event(ProgressKind.BATCH, epoch, 10)
            record = EpochRecord(epoch, 0.5 / epoch, 0.8 + epoch / 100, 0.6 / epoch, 0.78 + epoch / 100, 1.0, True)
            event(ProgressKind.EPOCH, epoch, 10, record=record)
            history.append(record.to_dict())
        event(ProgressKind.BATCH, 3, 4)
        self.started.set()
        deadline = time.monotonic() + 30
        while not should_stop() and time.monotonic() < deadline:
            time.sleep(0.01)
        model = types.SimpleNamespace(save=lambda path: Path(path).write_bytes(b"fake model"))
        metrics = {
            "test_accuracy": 0.8,
            "test_loss": 0.3,
            "val_accuracy": 0.8,
            "val_loss": 0.3,
            "train_accuracy": 0.82,
            "epochs_completed": 2,
        }
        return types.SimpleNamespace(model=model, history=history, metrics=metrics, stopped=should_stop())


@pytest.fixture
def fake_training(monkeypatch):
    fake = FakeTraining()
    module = types.ModuleType("mnist_core.trainer")
    module.train = fake
    monkeypatch.setitem(sys.modules, "mnist_core.trainer", module)  # runs.execute_run imports it when it starts
    return fake


def rerun_until(at: AppTest, condition, seconds: float = 30.0) -> AppTest:
    deadline = time.monotonic() + seconds
    while True:
        run(at)
        if condition(at):
            return at
        assert time.monotonic() < deadline, texts(at)
        time.sleep(0.1)


def test_train_shows_the_live_run_and_stop_keeps_the_model(fake_training, fresh_studio):
    at = open_train()
    at.select_slider(key="train_size").set_value(1000)
    at.slider(key="epochs").set_value(5)
    at.text_input(key="run_name").input("first try")
    train_button(at).click()
    run(at)
    assert fake_training.started.wait(30)
    rerun_until(at, lambda at: "Epoch 3/5" in texts(at))
    assert "first try: Epoch 3/5" in [h.value for h in at.subheader]
    assert at.text_input(key="run_name").value == ""  # ready for the next run's name
    progress = at.get("progress")[0].proto
    assert "batch 4/10" in progress.text and "about 12 s of training left" in progress.text
    assert len(at.get("vega_lite_chart")) == 2  # accuracy and loss, live
    [run_entry] = Registry(fresh_studio).list_runs()
    assert run_entry.name == "first try" and run_entry.status == "running"

    at.button(key=f"stop_{run_entry.id}").click()
    run(at)
    rerun_until(at, lambda at: any(w.value.startswith("Stopped") for w in at.warning))
    stopped = Registry(fresh_studio).get(run_entry.id)
    assert stopped.status == "stopped" and stopped.model_path is not None
    assert not [b for b in at.button if b.label == "Stop"]
    history = at.dataframe[0].value
    assert list(history["Run"]) == ["first try"] and list(history["Status"]) == ["stopped"]

    at.button(key=f"use_{run_entry.id}").click()
    run(at)
    assert at.session_state["model_path"] == str(stopped.model_path)


def test_a_second_run_waits_in_the_queue(fake_training, fresh_studio):
    at = open_train()
    at.select_slider(key="train_size").set_value(1000)
    train_button(at).click()
    run(at)
    assert fake_training.started.wait(30)
    train_button(at).click()
    run(at)
    first, second = sorted(run.id for run in Registry(fresh_studio).list_runs())
    # The panel follows the run that trains, with its curves; the queued one is a line below it.
    headline = [h.value for h in at.subheader][0]
    assert headline.startswith(f"Run {first}: ") and "queued" not in headline
    assert "Your other runs in progress" in texts(at)
    assert f"Run {second}: place 1 in the queue" in texts(at)
    at.button(key=f"stop_{second}").click()
    run(at)
    at.button(key=f"stop_{first}").click()
    run(at)
    rerun_until(at, lambda at: not [b for b in at.button if b.label == "Stop"])
    statuses = {run.id: run.status for run in Registry(fresh_studio).list_runs()}
    assert statuses == {first: "stopped", second: "stopped"}


@pytest.fixture
def from_address(monkeypatch):
    """Sets the address the next page runs come from, as a class network's device would connect."""
    import ui.resources

    address = {"now": None}
    monkeypatch.setattr(ui.resources, "client_address", lambda: address["now"])
    return lambda value: address.update(now=value)


def press_train(at: AppTest) -> AppTest:
    at.select_slider(key="train_size").set_value(1000)
    train_button(at).click()
    return run(at)


def stop_all(*pages: AppTest) -> None:
    for at in pages:
        while stops := [b for b in at.button if b.label == "Stop"]:
            stops[0].click()
            rerun_until(at, lambda at: len([b for b in at.button if b.label == "Stop"]) < len(stops))


def test_a_private_window_on_the_same_device_gets_no_more_runs(fake_training, fresh_studio, from_address):
    """Issue 29: a private window is a new browser; on a class network it is still the same device."""
    from_address("192.168.1.23")
    window = press_train(press_train(open_train()))
    private_window = press_train(open_train())
    assert errors(private_window) == [
        "This device already has 2 runs waiting or training, started in another window, and the class shares "
        "this server. Wait for one to finish, or stop one in the window that started it, then press Train again."
    ]
    from_address("192.168.1.24")  # the student at the next desk
    neighbour = press_train(open_train())
    assert not errors(neighbour)
    assert {run.device for run in Registry(fresh_studio).list_runs()} == {"192.168.1.23", "192.168.1.24"}
    stop_all(window, neighbour)


@pytest.mark.parametrize(
    "address, environment",
    [("192.168.1.23", {"MNIST_STUDIO_BEHIND_PROXY": "1"}), ("127.0.0.1", {}), (None, {})],
    ids=["behind a proxy", "this machine", "localhost"],
)
def test_where_every_browser_shares_one_address_shares_count_per_browser(
    fake_training, fresh_studio, from_address, monkeypatch, address, environment
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    from_address(address)
    window = press_train(press_train(open_train()))
    private_window = press_train(open_train())
    assert not errors(private_window)
    assert {run.device for run in Registry(fresh_studio).list_runs()} == {None}
    stop_all(window, private_window)


# Run history


def add_finished_run(registry: Registry, name: str, dropout: float, owner: str | None = None) -> int:
    """A run as recorded before the validation split (test set as validation, named test_*): old runs still show."""
    config = TrainConfig(dropouts=(dropout, 0.0), epochs=3, train_size=1000)
    run = registry.create_run(config.to_dict(), name=name, owner=owner, status="running")
    for epoch in (1, 2, 3):
        registry.append_epoch(
            run.id,
            {
                "epoch": epoch,
                "loss": 1 / epoch,
                "accuracy": 0.8 + epoch / 50,
                "test_loss": 1.1 / epoch,
                "test_accuracy": 0.79 + epoch / 60,
                "seconds": 1.0,
                "complete": True,
            },
        )
    registry.set_metrics(run.id, {"test_accuracy": 0.84, "train_accuracy": 0.86})
    registry.set_status(run.id, "finished")
    return run.id


def test_history_lists_finished_runs_and_compares_the_latest(fresh_studio):
    registry = Registry(fresh_studio)
    add_finished_run(registry, "seed small", 0.2)
    add_finished_run(registry, "no dropout small", 0.0)
    at = open_train()
    history = at.dataframe[0].value
    assert list(history["Run"]) == ["no dropout small", "seed small"]
    assert list(history.columns) == [
        "Run",
        "Model",
        "Training accuracy",
        "Validation accuracy",
        "Gap",
        "Test accuracy",
        "Status",
        "Epochs",
        "Images",
        "Batch",
        "Optimizer",
        "Time (s)",
    ]
    assert history["Gap"].iloc[0] == pytest.approx(2.0)
    assert history["Test accuracy"].iloc[0] == pytest.approx(84.0)
    assert history["Optimizer"].iloc[0] == "adam 0.001"
    assert history["Model"].iloc[0] == "MLP 256-128, dropout 0/0"
    compare = at.multiselect(key="compare")
    assert compare.options == ["no dropout small", "seed small"]
    assert len(compare.value) == 2
    spec = json.dumps(json.loads(at.get("vega_lite_chart")[-1].proto.spec))
    assert "Training (dashed) and validation (solid) accuracy" in spec


def test_rename_and_delete_a_run(fresh_studio):
    registry = Registry(fresh_studio)
    at = open_train()
    owner = at.session_state["user_id"]  # AppTest has no cookie: the page makes an id for the session
    run_id = add_finished_run(registry, "old name", 0.2, owner=owner)
    run(at)
    at.text_input(key=f"rename_{run_id}").input("new name")
    next(b for b in at.button if b.label == "Rename").click()
    run(at)
    assert registry.get(run_id).name == "new name"
    assert list(at.dataframe[0].value["Run"]) == ["new name"]
    at.text_input(key=f"rename_{run_id}").input("bad/name")
    next(b for b in at.button if b.label == "Rename").click()
    run(at)
    assert any("not allowed" in e for e in errors(at))
    next(b for b in at.button if b.label == "Yes, delete it").click()  # inside the Delete confirmation
    run(at)
    assert registry.list_runs() == []
    assert "Finished runs appear here" in " ".join(c.value for c in at.caption)


def test_someone_elses_run_cannot_be_renamed_or_deleted(fresh_studio):
    add_finished_run(Registry(fresh_studio), "theirs", 0.2, owner="someone else")
    at = open_train()
    assert not [b for b in at.button if b.label in ("Rename", "Delete", "Yes, delete it")]
    assert "Only whoever trained this run" in " ".join(c.value for c in at.caption)


# Lesson links


def open_link(**params) -> AppTest:
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return run(at.run())


def test_a_lesson_link_sets_the_controls_and_hides_the_others():
    at = open_link(preset="seed", dropout="0.5", epochs="3", images="6000", show="dropout,epochs")
    assert at.slider(key="dropout_0").value == 0.5 and at.slider(key="dropout_1").value == 0.0
    assert at.slider(key="epochs").value == 3
    shown = {w.key for w in [*at.slider, *at.select_slider, *at.selectbox, *at.radio] if w.key}
    assert {
        "layers",
        "units_0",
        "learning_rate",
        "batch_size",
        "train_size",
        "preset",
        "architecture",
        "optimizer",
    }.isdisjoint(shown), shown
    assert any(c.value.startswith("This lesson shows only some of the controls.") for c in at.caption)
    # The hidden controls still count: 6,000 images, the seed's layers.
    assert parameters(at) == "235,146"
    assert at.query_params["images"] == "6000" and at.query_params["show"] == "dropout,epochs"


def test_show_all_controls_brings_every_control_back():
    at = open_link(show="dropout")
    next(b for b in at.button if b.label == "Show all controls").click()
    run(at)
    assert at.slider(key="layers").value == 2 and at.select_slider(key="train_size").value == 60_000
    assert "show" not in at.query_params


def test_an_odd_link_opens_a_working_page_with_a_notice():
    at = open_link(dropout="7", epochs="many", colour="red")
    notices = shown(" ".join(w.value for w in at.warning))
    assert "dropout='7'" in notices and "epochs='many'" in notices and "'colour'" in notices
    assert at.slider(key="dropout_0").value == 0.2 and at.slider(key="epochs").value == 10
    assert train_button(at).disabled is False


def test_the_address_bar_follows_the_controls():
    at = open_train()
    at.slider(key="dropout_0").set_value(0.5)
    run(at)
    assert at.query_params["dropout"] == "0.5,0" and at.query_params["arch"] == "mlp"


def test_the_code_shown_is_the_controls_in_keras():
    at = open_train()
    at.slider(key="dropout_0").set_value(0.35)
    run(at)
    code = next(c.value for c in at.code if "keras.Sequential" in c.value)
    assert "layers.Dropout(0.35)" in code and "layers.Dense(256" in code
    link = next(c.value for c in at.code if "?" in c.value and "preset=" in c.value)
    assert "dropout=0.35%2C0" in link


@pytest.mark.parametrize(
    "url, warned",
    [
        ("http://localhost:8501/train", True),
        ("http://127.0.0.1:8501/train", True),
        ("http://[::1]:8501/train", True),
        ("http://192.168.1.20:8501/train", False),
        ("https://studio.school.example/train", False),
        ("/train", False),
    ],
)
def test_a_lesson_link_made_on_this_computers_own_address_is_flagged(url, warned):
    assert (this_computer_only(url) is not None) == warned


# A run's cost before it starts, and the class limit (mnist_core/cost.py, class_server/run_limit.py)


def test_the_estimate_of_the_run_follows_the_sliders():
    at = open_train()
    [before] = [c.value for c in at.caption if c.value.startswith("Estimated training time on this server: ")]
    assert "(the class limit is 2 minutes a run)" in before
    at.slider(key="epochs").set_value(1)
    run(at)
    [after] = [c.value for c in at.caption if c.value.startswith("Estimated training time on this server: ")]
    assert after != before


def test_a_maxed_out_run_is_refused_before_it_queues_with_one_plain_sentence(fresh_studio):
    at = open_train()
    at.slider(key="layers").set_value(4)
    run(at)
    for i in range(4):
        at.select_slider(key=f"units_{i}").set_value(1024)
    at.select_slider(key="batch_size").set_value(16)
    run(at)
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("This run would take about ") and "the class limit is 2 minutes a run: " in warning
    train_button(at).click()
    run(at)
    assert errors(at) == [warning]
    assert Registry(fresh_studio).list_runs() == []


def test_before_a_first_run_the_empty_accuracy_chart_spans_the_epochs_the_sliders_set():
    """Shown from the start, so the charts' code comes with the page rather than with a whole class's Train
    presses; its axis is the run the sliders describe, and it changes with them."""
    at = open_train()
    assert "Press **Train** to start" in texts(at)
    [chart] = at.get("vega_lite_chart")
    assert '"domain": [0, 10]' in json.dumps(json.loads(chart.proto.spec))  # the seed preset's 10 epochs
    at.slider(key="epochs").set_value(3)
    [chart] = run(at).get("vega_lite_chart")
    assert '"domain": [0, 3]' in json.dumps(json.loads(chart.proto.spec))
