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
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from mnist_core.config import TrainConfig
from mnist_core.runners import DEFAULT_CPUS_PER_RUN

REGISTRY_WRITES = 5


def class_makespan(config: TrainConfig, runs: int, cpus_per_run: int = DEFAULT_CPUS_PER_RUN) -> dict:
    from mnist_core.jobs import default_parallel_runs
    from mnist_core.runs import execute_run

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

    from mnist_core.ray_runner import RayRunner

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
    from mnist_core.jobs import JobManager
    from mnist_core.registry import Registry
    from mnist_core.runs import KerasFile

    first_event: dict[int, float] = {}

    def timed(registry, run_id, on_event=None, should_stop=None):
        def seen(event):
            first_event.setdefault(run_id, time.perf_counter())
            on_event(event)

        return runner(registry, run_id, on_event=seen, should_stop=should_stop)

    with tempfile.TemporaryDirectory(prefix="mnist-studio-class-") as home:
        registry = Registry(home)
        manager = JobManager(registry, max_parallel=parallel, runner=timed)
        submitted = time.perf_counter()
        ids = [manager.submit(config.replace(seed=i), owner=f"student {i + 1}") for i in range(runs)]
        while manager.busy():
            time.sleep(0.05)
        makespan = time.perf_counter() - submitted
        finished = [registry.get(run_id) for run_id in ids]
        failed = [run.error for run in finished if run.status != "finished"]
        if failed:
            raise RuntimeError(f"{len(failed)} of {runs} runs did not finish: {failed[0]}")
        model = finished[0].model_path.read_bytes()
        writes = []
        for _ in range(REGISTRY_WRITES):  # what the server does when a run's model and results come back
            run_id = registry.create_run(config.to_dict()).id
            started = time.perf_counter()
            registry.set_status(run_id, "running")
            for record in finished[0].history:
                registry.append_epoch(run_id, record)
            registry.save_model(run_id, KerasFile(model))
            registry.set_metrics(run_id, finished[0].metrics)
            registry.set_status(run_id, "finished")
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
