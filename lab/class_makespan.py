"""The bench's class makespan: K runs submitted at once, trained by the local runner, then by Ray.

Both go through the app's own job manager, so this is what a class sees: the
time from K students pressing Train together until the last model is in the
registry. Ray runs on a local cluster of this machine's cores, started here
(its start-up, including one worker made ready on this node as the app does,
is timed apart) and shut down at the end. Per-run overhead is the time from
submit to the first progress event of the run that starts first: for the local
runner that is building the model; for Ray it adds scheduling a task on a
worker process that has TensorFlow and MNIST loaded already.

Also measured, for the README's lab estimate: the bytes of one finished
model that travel back to the server, and the server's time to write one
run's model and results into the registry.

``class_turns`` is the class on one server: thirty students press Train on the
seed preset at once. The same thirty runs go through the job manager twice, back
to back (one whole run after another, as a queue without turns would) and taking
turns (class_server/turns.Turns); it reports each student's time from the press to
their first epoch, and the two makespans.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from class_server.registry import RunStatus
from class_server.runners import DEFAULT_CPUS_PER_RUN
from mnist_core.config import TrainConfig

REGISTRY_WRITES = 5


def class_makespan(config: TrainConfig, runs: int, cpus_per_run: int = DEFAULT_CPUS_PER_RUN) -> dict:
    from class_server.jobs import default_parallel_runs
    from class_server.runs import execute_run

    result = {
        "config": config.describe(),
        "epochs": config.epochs,
        "train_size": config.train_size,
        "runs": runs,
        "cores": os.cpu_count(),
    }
    parallel = default_parallel_runs()
    result["local"] = {"parallel": parallel, **_makespan(config, runs, execute_run, parallel)}
    import ray

    from class_server.ray_runner import RayRunner

    started = time.perf_counter()
    ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    try:
        runner = RayRunner(cpus_per_run)
        ray.get(runner.warm_up())  # as the app does when it starts, before any student presses Train
        result["ray_start_seconds"] = time.perf_counter() - started
        result["ray"] = {"cpus_per_run": cpus_per_run, **_makespan(config, runs, runner, runs)}
    finally:
        ray.shutdown()
    result["ray_over_local"] = result["ray"]["makespan_seconds"] / result["local"]["makespan_seconds"]
    return result


def _makespan(config: TrainConfig, runs: int, runner, parallel: int) -> dict:
    from class_server.jobs import JobManager
    from class_server.registry import Registry
    from class_server.runs import KerasFile

    first_event: dict[int, float] = {}

    def timed(registry, run_id, on_event=None, should_stop=None):
        def seen(event):
            first_event.setdefault(run_id, time.perf_counter())
            on_event(event)

        return runner(registry, run_id, on_event=seen, should_stop=should_stop)

    with tempfile.TemporaryDirectory(prefix="mnist-studio-class-") as home:
        registry = Registry(home)
        manager = JobManager(registry, max_parallel=parallel, runner=timed)
        finished, submitted, makespan = pressed_together(manager, registry, config, runs)
        model = finished[0].model_path.read_bytes()
        writes = []
        for _ in range(REGISTRY_WRITES):  # what the server does when a run's model and results come back
            run_id = registry.create_run(config.to_dict()).id
            started = time.perf_counter()
            registry.set_status(run_id, RunStatus.RUNNING)
            for record in finished[0].history:
                registry.append_epoch(run_id, record)
            registry.save_model(run_id, KerasFile(model))
            registry.set_metrics(run_id, finished[0].metrics)
            registry.set_status(run_id, RunStatus.FINISHED)
            writes.append(time.perf_counter() - started)
    return {
        "makespan_seconds": makespan,
        # The run that starts first: Ray need not start the runs in the order they were submitted.
        "first_run_overhead_seconds": min(first_event.values()) - submitted,
        "fit_seconds": [run.metrics["fit_seconds"] for run in finished],
        "test_accuracies": [run.metrics["test_accuracy"] for run in finished],
        "model_bytes": len(model),
        "registry_write_seconds": statistics.median(writes),
    }


def describe_class_makespan(c: dict) -> str:
    local, ray_ = c["local"], c["ray"]
    return (
        f"Class makespan, {c['runs']} runs of {c['config']} ({c['epochs']} epochs, {c['train_size']:,} images) "
        f"submitted at once on {c['cores']} cores: local runner {local['makespan_seconds']:.1f} s "
        f"({local['parallel']} at a time), Ray runner {ray_['makespan_seconds']:.1f} s "
        f"({ray_['cpus_per_run']} CPUs per run): Ray/local {c['ray_over_local']:.2f}. "
        f"Ray start-up {c['ray_start_seconds']:.1f} s (not in the makespan); submit to first progress event "
        f"{local['first_run_overhead_seconds']:.1f} s local, {ray_['first_run_overhead_seconds']:.1f} s on Ray. "
        f"Per run: {ray_['model_bytes'] / 1e6:.2f} MB of model back to the server, "
        f"{ray_['registry_write_seconds'] * 1000:.0f} ms to write it and its results into the registry"
    )


TURNS_FIRST_EPOCH_GOAL = 30.0  # seconds from pressing Train to the first epoch, for every student (issue 29)
TURNS_MAKESPAN_GOAL = 1.15  # all runs taking turns, against the same runs back to back


def class_turns(config: TrainConfig, runs: int) -> dict:
    """``runs`` students press Train on ``config`` at once: back to back, then taking turns, on this server.

    One run first, untimed: TensorFlow's import and the network's trace are paid once per server, not per side.
    """
    _pressed_at_once(config, 1, takes_turns=False)
    back_to_back = _pressed_at_once(config, runs, takes_turns=False)
    turns = _pressed_at_once(config, runs, takes_turns=True)
    first = sorted(turns["first_epoch_seconds"])
    return {
        "config": config.describe(),
        "epochs": config.epochs,
        "train_size": config.train_size,
        "runs": runs,
        "back_to_back_seconds": back_to_back["makespan_seconds"],
        "back_to_back_last_first_epoch_seconds": max(back_to_back["first_epoch_seconds"]),
        "turns_seconds": turns["makespan_seconds"],
        "turns_over_back_to_back": turns["makespan_seconds"] / back_to_back["makespan_seconds"],
        "first_epoch_p50": statistics.median(first),
        "first_epoch_p95": first[max(0, round(0.95 * len(first)) - 1)],
        "first_epoch_max": first[-1],
    }


def _pressed_at_once(config: TrainConfig, runs: int, takes_turns: bool) -> dict:
    from class_server.jobs import JobManager
    from class_server.registry import Registry
    from class_server.runs import execute_run

    first_epoch: dict[int, float] = {}

    def timed(registry, run_id, on_event=None, should_stop=None, **turn):
        def seen(event):
            if event.is_epoch:
                first_epoch.setdefault(run_id, time.perf_counter())
            on_event(event)

        return execute_run(registry, run_id, on_event=seen, should_stop=should_stop, **turn)

    with tempfile.TemporaryDirectory(prefix="mnist-studio-turns-") as home:
        registry = Registry(home)
        manager = JobManager(registry, runner=timed, takes_turns=takes_turns)
        finished, pressed, makespan = pressed_together(manager, registry, config, runs)
    return {"makespan_seconds": makespan, "first_epoch_seconds": [first_epoch[run.id] - pressed for run in finished]}


def pressed_together(manager, registry, config: TrainConfig, runs: int) -> tuple[list, float, float]:
    """``runs`` students submit ``config`` (student i with seed i) at once; wait for the queue to empty.
    Returns their runs as they ended, when they were submitted, and the seconds until the last ended;
    a run that did not finish is an error, as the figures would not be a class's."""
    submitted = time.perf_counter()
    ids = [manager.submit(config.replace(seed=i), owner=f"student {i + 1}") for i in range(runs)]
    while manager.busy():
        time.sleep(0.05)
    makespan = time.perf_counter() - submitted
    finished = [registry.get(run_id) for run_id in ids]
    failed = [run.error for run in finished if run.status != RunStatus.FINISHED]
    if failed:
        raise RuntimeError(f"{len(failed)} of {runs} runs did not finish: {failed[0]}")
    return finished, submitted, makespan


def describe_class_turns(c: dict) -> str:
    def verdict(met: bool) -> str:
        return "goal met" if met else "goal NOT met"

    return (
        f"A class pressing Train: {c['runs']} students press Train on {c['config']} ({c['epochs']} epochs, "
        f"{c['train_size']:,} images) at once on this server. First epoch after the press: median "
        f"{c['first_epoch_p50']:.1f} s, p95 {c['first_epoch_p95']:.1f} s, last {c['first_epoch_max']:.1f} s "
        f"(goal <= {TURNS_FIRST_EPOCH_GOAL:.0f} s: {verdict(c['first_epoch_max'] <= TURNS_FIRST_EPOCH_GOAL)}; "
        f"back to back the last waited {c['back_to_back_last_first_epoch_seconds']:.0f} s). All finished in "
        f"{c['turns_seconds']:.1f} s taking turns, {c['back_to_back_seconds']:.1f} s back to back: "
        f"{c['turns_over_back_to_back']:.2f}x (goal <= {TURNS_MAKESPAN_GOAL}: "
        f"{verdict(c['turns_over_back_to_back'] <= TURNS_MAKESPAN_GOAL)})"
    )
