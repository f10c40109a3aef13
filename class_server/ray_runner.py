"""Training runs on a Ray cluster (a computer lab's PCs) instead of this server's threads.

``RayRunner`` has the signature of ``runs.execute_run``, so the job manager
uses it unchanged: per run it starts one Ray Core task, on whichever PC has
free CPUs, in a worker process that trains a few runs one after another. What travels:

- to the worker: the run's id and config as a dict, and a handle to the
  server's one small ``Mailboxes`` actor (a mailbox per run) on its own node. The worker imports
  ``mnist_core`` from its own copy of the project and reads MNIST from it,
  checked against the same checksums (``mnist_core.data``). A run on the class's drawings also takes
  the drawings and its base model's file (``ClassDrawings``, read here from the run store; Ray moves
  them through its object store), so it trains on a lab PC like any run;
- to the server: each batch and epoch event through the actor (this side
  polls it a few times a second), and at the end the ``.keras`` file's bytes
  as the task's return value. The server records them with
  ``runs.record_run``, as it records a local run. No disk is shared.

Before a run is handed to Ray, ``placement.place`` checks that some PC can take it (CPUs, bfloat16
units) and says which resources its task asks for; a run no PC can take fails at once, saying why.

Stop is a flag in the actor that the worker reads between chunks of batches.
A PC switched off mid-run (its worker or node dies) fails that run with a
plain message; other runs do not notice.

Importing this module imports Ray; nothing else in the app does.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ray
from ray.exceptions import RayError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from class_server.placement import place
from class_server.registry import Registry, Run
from class_server.runs import KerasFile, class_drawings_for, record_run
from mnist_core.class_drawings import ClassDrawings
from mnist_core.config import TrainConfig
from mnist_core.cpu_threads import pool_sizes
from mnist_core.errors import UserError
from mnist_core.memory import release_memory
from mnist_core.progress import Progress

POLL_SECONDS = 0.2  # how often the server fetches a run's events, and how often a worker looks for Stop
ANSWER_POLL_SECONDS = 0.005  # how often a worker waiting for the mailboxes' answer looks at it
LOST_WORKER = (
    "The lab computer training this run stopped (switched off, disconnected or out of memory). "
    "Train again: another computer will take it."
)
NO_PROJECT = (
    "A lab computer has no copy of MNIST Studio where Ray looks for it: on each PC, run "
    "`make lab-join` from the project's folder."
)
log = logging.getLogger(__name__)


@ray.remote(num_cpus=0)
class Mailboxes:
    """The runs' mailboxes, one actor per server: workers post events and where they are, the server takes
    them and may ask a run to stop. Its calls are small and quick, so one process serves a whole class."""

    def __init__(self):
        self.events: dict[int, list[Progress]] = {}
        self.stops: set[int] = set()
        self.workers: dict[int, dict] = {}

    def started(self, run_id: int, worker: dict) -> None:
        self.workers[run_id] = worker

    def post(self, run_id: int, event: Progress) -> None:
        self.events.setdefault(run_id, []).append(event)

    def take(self, run_id: int) -> list[Progress]:
        return self.events.pop(run_id, [])

    def request_stop(self, run_id: int) -> None:
        self.stops.add(run_id)

    def should_stop(self, run_id: int) -> bool:
        return run_id in self.stops

    def where(self, run_id: int) -> dict | None:
        """The worker's node, host, process id and CPUs once it has started."""
        return self.workers.get(run_id)

    def forget(self, run_id: int) -> None:
        for table in (self.events, self.workers):
            table.pop(run_id, None)
        self.stops.discard(run_id)


RUNS_PER_WORKER = 10


@ray.remote(max_retries=0)
def prepare_worker() -> int:
    """Import TensorFlow and the trainer and read MNIST in a worker process, then leave it waiting in Ray's
    pool: the first run given to it starts training at once, as a local run does in the server's process."""
    import mnist_core.trainer  # noqa: F401  (imports TensorFlow; runs no op, so the pools can still be sized)
    from mnist_core.data import load_mnist

    load_mnist()
    return os.getpid()


@ray.remote(max_calls=RUNS_PER_WORKER, max_retries=0)
def train_on_worker(run_id: int, config: dict, progress, drawings: ClassDrawings | None = None) -> dict:
    """Train one run on a lab PC (on ``drawings`` for a run on the class's drawings); returns the model
    file's bytes, the metrics and whether it was stopped.

    A worker process trains up to RUNS_PER_WORKER runs, one after another, then exits, so whatever
    TensorFlow keeps goes back to the PC then. Between runs it frees the finished run's model, optimizer
    and graph at once (``memory.release_memory``, as the server does after a local run), so its memory does
    not grow from run to run (tests/test_ray_runner.py). A fresh process for every run would pay
    TensorFlow's import and MNIST's checksums again, about 4 s of CPU for a 6-s run: on 2 cores that made
    a class's makespan 1.4x the local runner's.
    No retries: a run whose PC went away fails plainly instead of starting again unseen.
    """
    import socket

    context = ray.get_runtime_context()
    cpus = max(1, round(context.get_assigned_resources().get("CPU", 1)))
    progress.started.remote(
        run_id, {"node": context.get_node_id(), "host": socket.gethostname(), "pid": os.getpid(), "cpus": cpus}
    )
    _size_thread_pools(cpus)
    from mnist_core.class_drawings import train_on_drawings
    from mnist_core.trainer import train

    asked = [progress.should_stop.remote(run_id).future()]  # the question in flight

    def should_stop() -> bool:
        """Never waits, and never asks Ray whether the answer is in (see ``_answer``)."""
        if not asked[0].done():
            return False
        if asked[0].result():
            return True
        asked[0] = progress.should_stop.remote(run_id).future()
        return False

    def post(event) -> None:
        progress.post.remote(run_id, event)

    settings = TrainConfig.from_dict(config)
    if drawings is None:
        result = train(settings, on_event=post, should_stop=should_stop)
    else:
        result = train_on_drawings(settings, drawings, on_event=post, should_stop=should_stop)
    _answer(progress.where.remote(run_id))  # the actor runs our calls in order: every event is in before we return
    with tempfile.TemporaryDirectory(prefix="mnist-studio-run-") as folder:
        path = Path(folder) / "model.keras"
        result.model.save(path)
        returned = {"model": path.read_bytes(), "metrics": result.metrics, "stopped": result.stopped}
    del result
    release_memory()
    return returned


def _answer(question: ray.ObjectRef):
    """The actor's answer, waited for on its future. A task in ``ray.get``, or in ``ray.wait`` on an answer not yet
    in (even with ``timeout=0``), lends its CPUs to the PC's next task: Ray then starts a run waiting for this PC
    in a fresh worker, which imports TensorFlow again, while this warm one finishes and is stopped as idle; or two
    runs share the PC's cores. A future's callback tells Ray nothing."""
    answer = question.future()
    while not answer.done():
        time.sleep(ANSWER_POLL_SECONDS)
    return answer.result()


def _size_thread_pools(cpus: int) -> None:
    """TensorFlow's pools from the CPUs Ray grants; only the first run of a worker process can set them,
    before TensorFlow's first op, and every run of a worker is granted the same CPUs."""
    import tensorflow as tf

    intra, inter = pool_sizes(cpus)
    if tf.config.threading.get_intra_op_parallelism_threads() != intra:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)


class RemoteResult:
    """What ``record_run`` needs from a training: the model (as file bytes), its metrics, whether stopped."""

    def __init__(self, returned: dict):
        self.model = KerasFile(returned["model"])
        self.metrics = returned["metrics"]
        self.stopped = returned["stopped"]


class RayRunner:
    """Trains each run as a Ray task with ``cpus_per_run`` CPUs; call it like ``runs.execute_run``.

    Create it once this process is connected to Ray (``ray.init``).
    """

    def __init__(self, cpus_per_run: int = 2):
        self.cpus_per_run = cpus_per_run
        # On this server's node, so it outlives any lab PC that goes away.
        here = NodeAffinitySchedulingStrategy(node_id=ray.get_runtime_context().get_node_id(), soft=False)
        self._progress = Mailboxes.options(scheduling_strategy=here).remote()

    def __call__(
        self,
        registry: Registry,
        run_id: int,
        on_event: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Run:
        def training(config: TrainConfig, emit, stop):
            placement = place(config, self.cpus_per_run, ray.nodes())  # a UserError fails the run at once
            drawings = class_drawings_for(registry, config) if config.on_class_drawings else None
            task = train_on_worker.options(num_cpus=self.cpus_per_run, resources=placement.resources).remote(
                run_id, config.replace(precision=placement.precision).to_dict(), self._progress, drawings
            )
            result = self._follow(run_id, task, emit, stop or (lambda: False))
            if placement.note:
                result.metrics["number_format"] = placement.number_format
            return result

        return record_run(registry, run_id, training, on_event, should_stop)

    def warm_up(self) -> list:
        """One worker made ready on each PC in the lab now (``prepare_worker``); the tasks, to wait for or not."""
        return [
            prepare_worker.options(
                num_cpus=self.cpus_per_run,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node["NodeID"], soft=True),
            ).remote()
            for node in ray.nodes()
            if node["Alive"] and node["Resources"].get("CPU", 0) >= self.cpus_per_run
        ]

    def worker_of(self, run_id: int) -> dict | None:
        """Where run ``run_id`` trains (node, host, pid, cpus), or None before its worker started or after it ended."""
        return ray.get(self._progress.where.remote(run_id))

    def _follow(self, run_id: int, task, emit, should_stop) -> RemoteResult:
        """Pass on the run's events until its task ends; its result, or its error in plain words."""
        progress = self._progress
        try:
            stop_sent = False
            while True:
                done, _ = ray.wait([task], timeout=POLL_SECONDS)
                for event in ray.get(progress.take.remote(run_id)):
                    emit(event)
                if not stop_sent and should_stop():
                    progress.request_stop.remote(run_id)
                    stop_sent = True
                if done:
                    break
            try:
                return RemoteResult(ray.get(task))
            except RayTaskError as error:  # the training itself failed: the worker's own error, as if local
                cause = error.cause
                if isinstance(cause, ModuleNotFoundError) and cause.name in ("mnist_core", "class_server"):
                    raise UserError(NO_PROJECT) from None
                raise cause if isinstance(cause, Exception) else UserError(str(error).splitlines()[0]) from None
            except RayError as error:  # the worker, its PC or the connection went away
                log.warning("Run %d lost its worker: %s", run_id, error)
                raise UserError(LOST_WORKER) from None
        finally:
            progress.forget.remote(run_id)
