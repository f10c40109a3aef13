"""Runs, stress results and saved drawings as the trainer, the stress test and Save as label record them, for
tests that need a run store with things in it and no training."""

from pathlib import Path

from class_server.registry import Registry
from lab.drawn_digits import load_drawn_digits, render_strokes
from mnist_core.preprocess import prepare_canvas
from mnist_core.stress import CORRUPTIONS, StressResult


def finished(registry, name, config, train, test, status="finished", epochs=10, partial=False):
    """A run as the trainer records it: ``epochs`` whole epochs, then one cut short by a Stop if ``partial``."""
    run = registry.create_run(config.to_dict(), name=name, owner="pupil")
    for epoch in range(1, epochs + partial + 1):
        record = {"epoch": epoch, "loss": 0.3, "accuracy": train, "val_loss": 0.3, "val_accuracy": test}
        registry.append_epoch(run.id, {**record, "seconds": 1.0, "complete": epoch <= epochs})
    registry.set_metrics(run.id, {"train_accuracy": train, "test_accuracy": test, "epochs_completed": epochs})
    registry.set_status(run.id, status)


def fabricated(clean: float, drop: float) -> StressResult:
    """A stress result falling by ``drop`` per strength step from ``clean``, different for every point."""
    curves = {
        c.kind: ((0.0, clean), *((float(s), clean - drop * (i + 1) * (k + 1) / 10) for i, s in enumerate(c.strengths)))
        for k, c in enumerate(CORRUPTIONS)
    }
    return StressResult(images=2000, curves=curves)


def with_model_file(registry, name: str) -> Path:
    """The run's model file: any bytes do, the board never loads it (its size and time are what a record names)."""
    path = registry.model_path(registry.find(name).id)
    path.write_bytes(b"a model " + name.encode())
    return path


def saved_drawings(registry: Registry, per_digit: int, digits=range(10)) -> None:
    """Mouse-drawn digits from tests/drawings, saved as the Draw page's Save as label saves them."""
    kept: dict[int, int] = {}
    for digit in load_drawn_digits():
        if digit["label"] in digits and kept.get(digit["label"], 0) < per_digit:
            registry.add_drawing(digit["label"], prepare_canvas(render_strokes(digit["strokes"])).image, None, "pupil")
            kept[digit["label"]] = kept.get(digit["label"], 0) + 1
