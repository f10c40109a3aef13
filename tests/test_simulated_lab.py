"""A lab of three PCs simulated on a local Ray cluster (no mocks): thirty students press Train at once, one PC is
switched off mid-lesson; its run fails with a plain message, and every other run shows its epochs and finishes
on the PCs left (issue 26, item 4). Runs are tiny; nothing here checks how fast they train (the bench does)."""

from __future__ import annotations

from class_server.ray_runner import LOST_WORKER
from class_server.registry import RunStatus
from lab.simulated_lab import lesson_on_lab
from mnist_core.config import TrainConfig

STUDENTS = 30
PCS = 3
TINY = TrainConfig(hidden_units=(16,), dropouts=(0.0,), epochs=4, batch_size=50, train_size=2000)


def test_thirty_presses_on_a_lab_with_a_pc_switched_off_mid_lesson():
    lesson = lesson_on_lab(TINY, STUDENTS, PCS, switch_off_after=STUDENTS // 3)

    assert len(lesson.statuses) == STUDENTS
    failed = [run for run, status in lesson.statuses.items() if status == RunStatus.FAILED]
    assert set(lesson.statuses.values()) <= {RunStatus.FINISHED, RunStatus.FAILED}, lesson.statuses
    # Only the runs training on the PC switched off fail, each with the sentence a student reads.
    assert failed and set(failed) <= set(lesson.switched_off), (failed, lesson.switched_off)
    assert all(lesson.errors[run] == LOST_WORKER for run in failed)
    assert "Traceback" not in LOST_WORKER
    # Every other run, those still waiting when the PC went included, trained on the PCs left.
    assert len(lesson.finished) == STUDENTS - len(failed)
    assert set(lesson.finished) <= set(lesson.first_epoch_seconds), "a finished run never showed an epoch"
