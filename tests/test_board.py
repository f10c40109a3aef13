"""The class board's table: finished MNIST runs only, the gap, and names hidden on request (as "#1", "#2"...)."""

from mnist_core.board import board_table
from mnist_core.config import PRESETS
from mnist_core.registry import Registry


def finished(registry, name, config, train, test, status="finished"):
    run = registry.create_run(config.to_dict(), name=name, owner="pupil")
    registry.set_metrics(run.id, {"train_accuracy": train, "test_accuracy": test, "epochs_completed": 10})
    registry.set_status(run.id, status)


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
    assert frame["Layers"].tolist() == ["MLP 256-128", "CNN 16-32 + 128"]
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
