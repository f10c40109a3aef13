"""The class board's table: finished MNIST runs only, the gap, and names hidden on request (as "#1", "#2"...)."""

from recorded import finished

from class_server.board import COMPLETE, board_table, layers_labels, stopped_early
from class_server.registry import Registry
from mnist_core.config import PRESETS


def test_the_board_has_one_row_per_finished_mnist_run_with_its_gap(tmp_path):
    registry = Registry(tmp_path)
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.98)
    finished(registry, "Grace", PRESETS["cnn"], 0.995, 0.992, status="stopped")
    finished(registry, "Failed one", PRESETS["seed"], 0.5, 0.5, status="failed")
    drawings = PRESETS["seed"].replace(data="drawings", base_model="models/default.keras")
    finished(registry, "On our drawings", drawings, 0.9, 0.97)
    registry.create_run(PRESETS["seed"].to_dict(), name="Still queued")

    frame = board_table(registry.list_runs())
    assert frame["Run"].tolist() == ["Ada", "Grace"]
    assert frame["Dropout"].tolist() == [0.2, 0.25] and frame["Architecture"].tolist() == ["MLP", "CNN"]
    assert frame["Layers"].tolist() == ["MLP 256-128", "CNN 16-32-64 + 128"]
    assert frame["Gap"].round(4).tolist() == [0.01, 0.003]
    assert board_table(registry.list_runs(), hide_names=True)["Run"].tolist() == ["#1", "#2"]


def test_hidden_names_cannot_be_taken_for_the_runs_the_registry_calls_run_n(tmp_path):
    """After a delete, the 2nd row is the registry's "Run 3": hidden, it must not be called "Run 2"."""
    registry = Registry(tmp_path)
    for accuracy in (0.91, 0.92, 0.93):
        finished(registry, None, PRESETS["seed"], accuracy, accuracy)
    registry.delete(registry.find("Run 2").id)

    names = board_table(registry.list_runs())["Run"].tolist()
    hidden = board_table(registry.list_runs(), hide_names=True)["Run"].tolist()
    assert names == ["Run 1", "Run 3"]
    assert hidden == ["#1", "#2"]
    assert not set(hidden) & set(names)


def test_runs_stopped_before_their_last_epoch_are_left_out_unless_asked_for_and_then_say_where(tmp_path):
    registry = Registry(tmp_path)
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.98)
    finished(registry, "Stop in epoch 1", PRESETS["seed"], 0.406, 0.7055, status="stopped", epochs=0, partial=True)
    finished(registry, "Stop between", PRESETS["seed"], 0.95, 0.96, status="stopped", epochs=3)
    finished(registry, "Stop at the end", PRESETS["seed"], 0.992, 0.981, status="stopped", epochs=10)
    runs = registry.list_runs()

    assert board_table(runs)["Run"].tolist() == ["Ada", "Stop at the end"]  # all its epochs: a full result
    assert stopped_early(runs) == 2
    frame = board_table(runs, include_stopped=True)
    assert frame["Run"].tolist() == ["Ada", "Stop in epoch 1", "Stop between", "Stop at the end"]
    assert frame["Training"].tolist() == [
        COMPLETE,
        "stopped in epoch 1 of 10",
        "stopped after 3 of 10 epochs",
        COMPLETE,
    ]
    assert frame["Epochs"].tolist() == [10, 0, 3, 10]  # whole epochs: not the 10 it was set to
    assert board_table(runs, hide_names=True, include_stopped=True)["Run"].tolist() == ["#1", "#2", "#3", "#4"]


def test_the_colour_key_holds_every_layers_label_the_board_could_show_stopped_ones_included(tmp_path):
    registry = Registry(tmp_path)
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.98)
    finished(registry, "CNN stopped", PRESETS["cnn"], 0.5, 0.6, status="stopped", epochs=0, partial=True)
    narrow = PRESETS["seed"].replace(hidden_units=(64,), dropouts=(0.2,), data="drawings", base_model="x.keras")
    finished(registry, "On our drawings", narrow, 0.9, 0.97)  # another experiment: never on the board
    assert layers_labels(registry.list_runs()) == ["CNN 16-32-64 + 128", "MLP 256-128"]
