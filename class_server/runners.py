"""Which runner trains the app's runs: this server's own threads (the default), or a Ray cluster.

``MNIST_STUDIO_RAY_ADDRESS`` (a head's ``host:port``, or ``auto`` for a
cluster started on this machine) sends every run to Ray. Without it, Ray is
not even imported. If it is set but Ray is missing or the cluster cannot be
reached, the app trains on this server and says why, once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from class_server.jobs import JobManager, default_parallel_runs
from class_server.registry import Registry
from class_server.run_limit import RunLimit
from class_server.runs import execute_run
from class_server.settings import number_setting
from mnist_core.machine_rates import SpeedGauge

RAY_ADDRESS = "MNIST_STUDIO_RAY_ADDRESS"
CPUS_PER_RUN = "MNIST_STUDIO_RAY_CPUS_PER_RUN"
DEFAULT_CPUS_PER_RUN = 2  # a seed-preset run uses two cores well; a 4-core lab PC trains two runs at once
RAY_RUNS_IN_FLIGHT = 64  # runs handed to Ray at once; Ray queues those beyond the cluster's free CPUs
CONNECT_SECONDS = 5
log = logging.getLogger(__name__)


@dataclass
class RunnerChoice:
    runner: Callable  # called like runs.execute_run
    max_parallel: int
    notice: str | None = None  # why this is not what MNIST_STUDIO_RAY_ADDRESS asked for, to say once


def choose_runner() -> RunnerChoice:
    """The Ray runner when ``MNIST_STUDIO_RAY_ADDRESS`` is set and its cluster answers, else the local one.

    With Ray, ``MNIST_STUDIO_PARALLEL_RUNS`` (default 64) is how many runs the server hands to Ray at
    once, not how many train: Ray starts each as soon as some PC has ``MNIST_STUDIO_RAY_CPUS_PER_RUN``
    free CPUs (default 2), so PCs that join after the app started are used, and a run waiting for a
    PC shows as starting rather than as a place in the server's queue.
    """
    address = (os.environ.get(RAY_ADDRESS) or "").strip()
    local = RunnerChoice(execute_run, default_parallel_runs())
    if not address:
        return local
    cpus_per_run = number_setting(CPUS_PER_RUN, DEFAULT_CPUS_PER_RUN, int, 1)
    problem = _connect(address)
    if problem:
        local.notice = f"Training on this server: the Ray cluster at {address} cannot be used ({problem})."
        log.warning(local.notice)
        return local
    import ray

    from class_server.ray_runner import RayRunner

    cpus = int(ray.cluster_resources().get("CPU", 0))
    parallel = default_parallel_runs(fallback=RAY_RUNS_IN_FLIGHT)
    log.warning("Training runs on the Ray cluster at %s (%d CPUs now, %d per run).", address, cpus, cpus_per_run)
    runner = RayRunner(cpus_per_run)
    runner.warm_up()  # not waited for: the app starts now, and the lab's workers are ready before the first Train
    return RunnerChoice(runner, parallel)


def start_job_manager(registry: Registry, gauge: SpeedGauge | None = None) -> JobManager:
    """The server's job manager with the runner ``choose_runner`` picks, and with ``gauge`` (this server's speed)
    the class limit on a student's run; its ``notice`` is for the app to show."""
    choice = choose_runner()
    limit = RunLimit(gauge) if gauge is not None else None
    manager = JobManager(registry, max_parallel=choice.max_parallel, runner=choice.runner, limit=limit)
    manager.notice = choice.notice
    return manager


def _connect(address: str) -> str | None:
    """Connect this process to the cluster; None when connected, else what went wrong, in words."""
    try:
        import ray
    except ImportError:
        return "Ray is not installed here: `pip install -r requirements-lab.txt`"
    if ray.is_initialized():  # already connected (a test or a bench that started the cluster itself)
        return None
    if address != "auto":
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
        except (OSError, ValueError):  # Ray itself would retry for about a minute before giving up
            return f"nothing answers at {address}; expected host:port of `ray start --head`, or auto"
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as error:  # noqa: BLE001 -- any failure to join means training here; never crash the app
        with contextlib.suppress(Exception):
            ray.shutdown()
        return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return None
