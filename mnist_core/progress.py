"""What a training run reports while it trains: progress several times a second, and a record per epoch.

The trainer makes them (mnist_core/trainer.py); the run store keeps the records as a run's history, the
job queue keeps the latest progress for the Train page, the command line draws its bar from it, and a lab
PC sends them to the server through Ray (they pickle as they are).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class ProgressKind(StrEnum):
    BATCH = "batch"  # after a chunk of batches, several times a second
    EPOCH = "epoch"  # after an epoch's validation


@dataclass(frozen=True)
class EpochRecord:
    """One epoch as a run's history keeps it; ``complete`` is False when Stop cut the epoch short."""

    epoch: int
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    complete: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Progress:
    """Where a run is: epoch ``epoch`` of ``epochs``, batch ``step`` of ``steps``; ``loss`` and ``accuracy`` over
    the epoch so far; ``seconds`` since the epoch began; ``eta`` the seconds left in the run (None at first).
    A batch event also has the latest chunk of batches alone (``batch_loss``, ``batch_accuracy``: the
    per-batch curves); an epoch event has the epoch's ``record``, validation included."""

    kind: ProgressKind
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    accuracy: float
    seconds: float
    eta: float | None
    batch_loss: float | None = None
    batch_accuracy: float | None = None
    record: EpochRecord | None = None

    @property
    def is_epoch(self) -> bool:
        return self.kind == ProgressKind.EPOCH
