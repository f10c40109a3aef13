"""Training jobs that belong to the server, not to a page: a queue, a few worker threads, Stop.

The app creates one JobManager per server. A page submits a run and then
only reads ``live(run_id)``: leaving the page or closing the tab does not
touch the run. At most ``max_parallel`` runs train at once (a 2-core
machine trains one model at full speed); the others wait in order.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mnist_core.config import TrainConfig
from mnist_core.errors import UserError
from mnist_core.registry import ACTIVE, Registry, Run
from mnist_core.runs import execute_run

MAX_BATCH_POINTS = 600  # a long run's per-batch curve is thinned to every other point beyond this
# A student may have this many runs waiting or training at once: one to watch and the next experiment
# queued behind it. With 30 students on a 2-core server (about 8 s per seed run) that still caps the
# wait behind any one student at two runs, where an unlimited queue let one student delay everyone.
RUNS_PER_STUDENT = 2


@dataclass
class LiveRun:
    """What a page shows of a queued or running run; updated by the training thread."""

    run_id: int
    owner: str | None
    status: str = "queued"
    progress: dict | None = None  # the latest batch or epoch event
    epochs: list[dict] = field(default_factory=list)
    batches: list[dict] = field(default_factory=list)  # per chunk of batches: "epochs" done so far, loss, accuracy
    error: str | None = None
    stop_requested: bool = False


class JobRunner(Protocol):
    """How a run is trained, given its id in the registry: ``runs.execute_run`` on this machine's threads,
    or ``ray_runner.RayRunner`` on a lab's PCs (``mnist_core.runners`` picks). The job manager calls it
    from one of its worker threads; it records the run's outcome in the registry and returns the run."""

    def __call__(
        self,
        registry: Registry,
        run_id: int,
        on_event: Callable[[dict], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Run: ...


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def default_parallel_runs() -> int:
    """``MNIST_STUDIO_PARALLEL_RUNS`` if set, else one run per two cores (at least one).

    The trainer's TensorFlow kernels use about two cores well on these small models; giving one run
    more cores speeds it up little, while two runs side by side on four cores finish nearly twice
    the work. So a 2-core laptop trains one run at a time, as before, and an 8-core server four.
    """
    fallback = max(1, (os.cpu_count() or 2) // 2)
    try:
        return max(1, int(os.environ.get("MNIST_STUDIO_PARALLEL_RUNS") or fallback))
    except ValueError:
        return fallback


class JobManager:
    notice: str | None = None  # set by mnist_core.runners when it could not use the runner asked for

    def __init__(self, registry: Registry, max_parallel: int | None = None, runner: JobRunner = execute_run):
        self.registry = registry
        self.max_parallel = max_parallel or default_parallel_runs()
        self._runner = runner
        self._lock = threading.Condition()
        self._waiting: deque[int] = deque()
        self._live: dict[int, LiveRun] = {}
        registry.mark_interrupted()  # runs left over from a server that died are not running any more
        for number in range(self.max_parallel):
            threading.Thread(target=self._work, name=f"trainer-{number + 1}", daemon=True).start()

    def submit(self, config: TrainConfig, owner: str | None, name: str | None = None, teacher: bool = False) -> int:
        """Queue a run; it starts as soon as a worker is free. Returns the run's id."""
        return self.submit_group([(config, name)], owner, teacher)[0]

    def submit_group(
        self, runs: list[tuple[TrainConfig, str | None]], owner: str | None, teacher: bool = False
    ) -> list[int]:
        """Queue several runs as one request (a study), in order; returns their ids.

        Fair shares: a student may have ``RUNS_PER_STUDENT`` runs waiting or training. A group is
        one request: it is queued whole only when the student has nothing else waiting or training,
        and then it is all they have until it ends. The teacher has no limit.
        """
        for config, _ in runs:
            config.validate()
        with self._lock:
            if not teacher:
                self._check_share(owner, len(runs))
            ids = []
            for config, name in runs:
                run = self.registry.create_run(config.to_dict(), name=name, owner=owner)
                self._live[run.id] = LiveRun(run.id, owner)
                self._waiting.append(run.id)
                ids.append(run.id)
            self._lock.notify_all()
        return ids

    def active_count(self, owner: str | None) -> int:
        """How many of this user's runs are waiting or training."""
        return sum(1 for r in self._live.values() if r.owner == owner and r.status in ACTIVE)

    def _check_share(self, owner: str | None, wanted: int) -> None:
        active = self.active_count(owner)
        if wanted > 1 and active:
            raise UserError(
                f"You have {_runs(active)} waiting or training. A study queues {wanted} runs at "
                "once, so it starts only when you have none: wait for yours to finish, or stop them."
            )
        if wanted == 1 and active >= RUNS_PER_STUDENT:
            raise UserError(
                f"You already have {_runs(active)} waiting or training, and the class shares this "
                "server. Wait for one to finish, or stop one, then press Train again."
            )

    def stop(self, run_id: int, requester: str | None, teacher: bool = False) -> None:
        """A running run stops after its current chunk of batches and keeps its model; a queued one is dropped.

        Only whoever started the run may stop it, or a teacher.
        """
        with self._lock:
            live = self._live.get(run_id)
            if live is None:
                return
            if live.owner != requester and not teacher:
                raise UserError("Only whoever started this run, or the teacher, can stop it.")
            live.stop_requested = True
            if run_id in self._waiting:
                self._waiting.remove(run_id)
                live.status = "stopped"
                self.registry.set_status(run_id, "stopped", error="Stopped before it started.")

    def live(self, run_id: int) -> LiveRun | None:
        """The run's live state while this server knows it (queued, running, or ended since it started)."""
        return self._live.get(run_id)

    def queue_position(self, run_id: int) -> int | None:
        """1 for the next run to start, None when the run is not waiting."""
        with self._lock:
            return self._waiting.index(run_id) + 1 if run_id in self._waiting else None

    def runs_of(self, owner: str) -> list[LiveRun]:
        """The runs this user (``owner``, the same in all their tabs) started on this server, newest first."""
        return sorted((r for r in self._live.values() if r.owner == owner), key=lambda r: -r.run_id)

    def busy(self) -> bool:
        return any(r.status in ACTIVE for r in self._live.values())

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._lock.wait()
                run_id = self._waiting.popleft()
                live = self._live[run_id]
                live.status = "running"
            self._train(live)

    def _train(self, live: LiveRun) -> None:
        def on_event(event: dict) -> None:
            live.progress = event
            # New lists rather than appends, so a page reading them never sees them change under it.
            if event["kind"] == "epoch":
                live.epochs = live.epochs + [event]
            elif "batch_loss" in event:
                point = {
                    "epochs": event["epoch"] - 1 + event["step"] / event["steps"],
                    "loss": event["batch_loss"],
                    "accuracy": event["batch_accuracy"],
                }
                kept = live.batches if len(live.batches) < MAX_BATCH_POINTS else live.batches[::2]
                live.batches = kept + [point]

        try:
            run = self._runner(self.registry, live.run_id, on_event=on_event, should_stop=lambda: live.stop_requested)
            live.status = run.status
        except Exception as error:  # recorded as failed in the registry by execute_run; the worker goes on
            logging.getLogger(__name__).exception("Run %d failed", live.run_id)  # for whoever runs the server
            live.error = str(error) or type(error).__name__
            live.status = "failed"
