"""Training jobs that belong to the server, not to a page: runs taking turns on the trainers, Stop.

The app creates one JobManager per server. A page submits a run and then
only reads ``live(run_id)``: leaving the page or closing the tab does not
touch the run. At most ``max_parallel`` runs train at any moment (a 2-core
machine trains one model at full speed). The others wait for a turn
(class_server/turns.py): students are served in round robin, and on this server's own
trainers a run hands the trainer on after each epoch (or ``TURN_SECONDS``)
when another run waits, so a long run never keeps the class waiting.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from class_server.registry import ACTIVE, Registry, Run, RunStatus
from class_server.run_limit import RunLimit
from class_server.runs import execute_run, prepare_run
from class_server.settings import number_setting
from class_server.turns import Turns
from mnist_core.config import TrainConfig
from mnist_core.errors import UserError
from mnist_core.progress import Progress

MAX_BATCH_POINTS = 600  # a long run's per-batch curve is thinned to every other point beyond this
# A student may have this many runs waiting or training at once: one to watch and the next experiment
# queued behind it. With 30 students on a 2-core server (about 8 s per seed run) that still caps the
# wait behind any one student at two runs, where an unlimited queue let one student delay everyone.
RUNS_PER_STUDENT = 2
# A turn on a trainer ends after an epoch, or after this long inside a long epoch, when another run waits:
# thirty seed runs (half a second an epoch here) then each show an epoch before any shows its second, and a
# maxed-out network holds the trainer for at most this long at a time.
TURN_SECONDS = 2.0
# A run's turn lasts until its first epoch is on screen, unless that takes this long (a big network): cut at
# TURN_SECONDS on a busy machine, a seed run's first epoch waited for every other run's first turn. A seed
# run's epoch on all 60,000 images took about 10 s with a class's thirty pages drawing on the same 2 cores: cut
# at 6 s, the first runs' first epochs took turns with every later run's and all came together, 40 s after Train.
FIRST_TURN_SECONDS = 15.0
# A run still to show its first epoch goes before runs that have shown one while it has had less than this of
# the trainer (a big network's first epoch must not hold the class): two first turns.
FIRST_EPOCH_SECONDS = 2 * FIRST_TURN_SECONDS

PARALLEL_RUNS = "MNIST_STUDIO_PARALLEL_RUNS"  # how many runs train at once (with Ray: are handed to it at once)


@dataclass
class LiveRun:
    """What a page shows of a queued or running run; updated by the training thread."""

    run_id: int
    owner: str | None
    device: str | None = None  # where it was started from, when shares also count per device (ui.resources)
    status: RunStatus = RunStatus.QUEUED
    progress: Progress | None = None  # the latest batch or epoch event
    epochs: list[dict] = field(default_factory=list)  # the epochs' records, as the run's history keeps them
    batches: list[dict] = field(default_factory=list)  # per chunk of batches: "epochs" done so far, loss, accuracy
    error: str | None = None
    stop_requested: bool = False
    waiting_turn: bool = False  # started, and waiting while other runs have their turn


class JobRunner(Protocol):
    """How a run is trained, given its id in the registry: ``runs.execute_run`` on this machine's threads,
    or ``ray_runner.RayRunner`` on a lab's PCs (``class_server.runners`` picks). The job manager calls it
    from one of its worker threads; it records the run's outcome in the registry and returns the run."""

    def __call__(
        self,
        registry: Registry,
        run_id: int,
        on_event: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Run: ...


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def default_parallel_runs(fallback: int | None = None) -> int:
    """``MNIST_STUDIO_PARALLEL_RUNS`` if set, else ``fallback``, else one run per two cores (at least one).

    The trainer's TensorFlow kernels use about two cores well on these small models; giving one run
    more cores speeds it up little, while two runs side by side on four cores finish nearly twice
    the work. So a 2-core laptop trains one run at a time, as before, and an 8-core server four.
    """
    fallback = fallback or max(1, (os.cpu_count() or 2) // 2)
    return number_setting(PARALLEL_RUNS, fallback, int, 1)


class _RunTurn:
    """The trainer's side of a run's turns (``mnist_core.trainer.Turn``)."""

    def __init__(self, turns: Turns, live: LiveRun):
        self.turns, self.live = turns, live
        # When this turn's counted time began. The trainer first asks after the run's first chunk, so loading
        # the data, building the model and tracing a new network (seconds on a busy machine) count for nobody.
        self.since: float | None = None
        self.trained = 0.0  # seconds of its turns so far
        self.epoch_done = False

    def should_yield(self, epoch_ended: bool) -> bool:
        now = time.monotonic()
        self.since = self.since or now
        self.epoch_done = self.epoch_done or epoch_ended
        limit = TURN_SECONDS if self.epoch_done else FIRST_TURN_SECONDS
        long_enough = epoch_ended or now - self.since >= limit
        return long_enough and not self.live.stop_requested and self.turns.others_waiting(self.live.run_id)

    def counted(self) -> float:
        """Seconds of this turn charged to the student."""
        return time.monotonic() - self.since if self.since else 0.0

    def pause(self, meanwhile: Callable[[], None]) -> None:
        seconds = self.counted()
        self.trained += seconds
        first = not self.epoch_done and self.trained < FIRST_EPOCH_SECONDS
        self.turns.give_back(self.live.run_id, seconds, again=True, first=first)
        meanwhile()
        self.live.waiting_turn = True
        self.turns.take(self.live.run_id)
        self.live.waiting_turn = False
        self.since = time.monotonic()


class JobManager:
    notice: str | None = None  # set by class_server.runners when it could not use the runner asked for

    def __init__(
        self,
        registry: Registry,
        max_parallel: int | None = None,
        runner: JobRunner = execute_run,
        takes_turns: bool | None = None,
        limit: RunLimit | None = None,
    ):
        """``takes_turns``: the runner trains here and hands the trainer on between epochs (``execute_run``'s
        ``turn``); a lab's runner trains each run whole on a PC of its own (by default: only execute_run).
        ``limit``: the class limit on a student's run (none without it)."""
        self.registry = registry
        self.limit = limit
        self.max_parallel = max_parallel or default_parallel_runs()
        self._runner = runner
        self._takes_turns = runner is execute_run if takes_turns is None else takes_turns
        self._lock = threading.Lock()
        self._turns = Turns(self.max_parallel)
        self._live: dict[int, LiveRun] = {}
        registry.mark_interrupted()  # runs left over from a server that is gone are not running any more
        # This server's lease, renewed while it runs; each renewal also ends the runs of a server whose
        # lease had not yet lapsed when this one started.
        registry.hold_lease()

    @property
    def trains_here(self) -> bool:
        """Whether this server trains its runs itself (a lab's runner places each run on a PC that can take it,
        class_server/placement.py)."""
        return self._takes_turns

    def check(self, config: TrainConfig) -> None:
        """Raise ConfigError when ``config`` cannot be trained: its settings, and when this server trains its runs
        itself, this computer (bfloat16 needs its units)."""
        config.validate()
        if self.trains_here:
            config.check_this_computer()

    def submit(
        self,
        config: TrainConfig,
        owner: str | None,
        name: str | None = None,
        teacher: bool = False,
        device: str | None = None,
    ) -> int:
        """Queue a run; it starts as soon as a worker is free. Returns the run's id."""
        return self.submit_group([(config, name)], owner, teacher, device)[0]

    def submit_group(
        self,
        runs: list[tuple[TrainConfig, str | None]],
        owner: str | None,
        teacher: bool = False,
        device: str | None = None,
    ) -> list[int]:
        """Queue several runs as one request (a study), in order; returns their ids.

        Fair shares: a student may have ``RUNS_PER_STUDENT`` runs waiting or training. A group is
        one request: it is queued whole only when the student has nothing else waiting or training,
        and then it is all they have until it ends. A student's run estimated to take longer than the
        class limit is refused before it queues. The teacher has no limit.

        ``owner`` is the browser; ``device``, when known, the device it runs on. A run counts against
        both shares, so a private window (a new browser on the same device) gets no extra runs.
        """
        for config, _ in runs:
            self.check(config)
            if not teacher and self.limit is not None:
                self.limit.check(config)  # outside the lock: it may wait for the server's speed
        with self._lock:
            if not teacher:
                self._check_share(owner, device, len(runs))
            ids = []
            for config, name in runs:
                run = self.registry.create_run(config.to_dict(), name=name, owner=owner, device=device)
                live = self._live[run.id] = LiveRun(run.id, owner, device)
                # Turns go round the devices when known, so windows on one device share that device's turn.
                self._turns.join(run.id, device or owner)
                threading.Thread(target=self._work, args=(live, config), name=f"run-{run.id}", daemon=True).start()
                ids.append(run.id)
        return ids

    def active_count(self, owner: str | None) -> int:
        """How many of this user's runs are waiting or training."""
        return sum(1 for r in self._live.values() if r.owner == owner and r.status in ACTIVE)

    def _check_share(self, owner: str | None, device: str | None, wanted: int) -> None:
        mine = self.active_count(owner)
        on_device = sum(1 for r in self._live.values() if device and r.device == device and r.status in ACTIVE)
        if on_device > mine:  # runs started in another window or browser on this device
            if wanted > 1:
                raise UserError(
                    f"This device has {_runs(on_device)} waiting or training, started in another window. "
                    f"A study queues {wanted} runs at once, so it starts only when this device has none: "
                    "wait for them to finish, or stop them in the window that started them."
                )
            if on_device >= RUNS_PER_STUDENT:
                raise UserError(
                    f"This device already has {_runs(on_device)} waiting or training, started in another "
                    "window, and the class shares this server. Wait for one to finish, or stop one in the "
                    "window that started it, then press Train again."
                )
        if wanted > 1 and mine:
            raise UserError(
                f"You have {_runs(mine)} waiting or training. A study queues {wanted} runs at "
                "once, so it starts only when you have none: wait for yours to finish, or stop them."
            )
        if wanted == 1 and mine >= RUNS_PER_STUDENT:
            raise UserError(
                f"You already have {_runs(mine)} waiting or training, and the class shares this "
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
            if self._turns.drop(run_id):
                live.status = RunStatus.STOPPED
                self.registry.set_status(run_id, RunStatus.STOPPED, error="Stopped before it started.")
            else:
                self._turns.hurry(run_id)

    def live(self, run_id: int) -> LiveRun | None:
        """The run's live state while this server knows it (queued, running, or ended since it started)."""
        return self._live.get(run_id)

    def queue_position(self, run_id: int) -> int | None:
        """1 for the next run to start, None when the run has started (or ended)."""
        return self._turns.place(run_id)

    def sharing(self) -> int:
        """How many runs have started and not ended: they take turns on the trainers."""
        return sum(1 for r in self._live.values() if r.status == RunStatus.RUNNING)

    def runs_of(self, owner: str) -> list[LiveRun]:
        """The runs this user (``owner``, the same in all their tabs) started on this server, newest first."""
        return sorted((r for r in self._live.values() if r.owner == owner), key=lambda r: -r.run_id)

    def busy(self) -> bool:
        return any(r.status in ACTIVE for r in self._live.values())

    def _work(self, live: LiveRun, config: TrainConfig) -> None:
        """A run's own thread: prepare what it can, wait for its first turn, train (taking turns), give the
        trainer back."""
        if self._takes_turns:
            self._turns.preparing(live.run_id, True)
            try:
                prepare_run(config)
            except Exception:  # the run's own turn builds it again, and records what went wrong
                logging.getLogger(__name__).exception("Run %d could not be prepared", live.run_id)
            finally:
                self._turns.preparing(live.run_id, False)
        if not self._turns.take(live.run_id):
            return  # stopped before it started
        live.status = RunStatus.RUNNING
        turn, started = _RunTurn(self._turns, live), time.monotonic()
        try:
            self._train(live, turn if self._takes_turns else None)
        finally:  # a run trained whole elsewhere (a lab PC) is charged all of its time
            self._turns.give_back(
                live.run_id, turn.counted() if self._takes_turns else time.monotonic() - started, again=False
            )

    def _train(self, live: LiveRun, turn: _RunTurn | None) -> None:
        def on_event(event: Progress) -> None:
            live.progress = event
            # New lists rather than appends, so a page reading them never sees them change under it.
            if event.is_epoch:
                live.epochs = live.epochs + [event.record.to_dict()]
            elif event.batch_loss is not None:
                point = {
                    "epochs": event.epoch - 1 + event.step / event.steps,
                    "loss": event.batch_loss,
                    "accuracy": event.batch_accuracy,
                }
                kept = live.batches if len(live.batches) < MAX_BATCH_POINTS else live.batches[::2]
                live.batches = kept + [point]

        try:
            extra = {"turn": turn} if turn is not None else {}
            run = self._runner(
                self.registry, live.run_id, on_event=on_event, should_stop=lambda: live.stop_requested, **extra
            )
            live.status = run.status
        except Exception as error:  # recorded as failed in the registry by execute_run; the worker goes on
            if isinstance(error, UserError):  # explained to the student (a lab PC switched off): no traceback
                logging.getLogger(__name__).warning("Run %d failed: %s", live.run_id, error)
            else:
                logging.getLogger(__name__).exception("Run %d failed", live.run_id)  # for whoever runs the server
            live.error = str(error) or type(error).__name__
            live.status = RunStatus.FAILED
