"""A computer lab simulated on this machine (issue 26, item 4): a local Ray cluster whose 1-CPU nodes stand in for
the lab's PCs, thirty students pressing Train at once through the server's own job manager and Ray runner, as
`make lab` serves them, and one PC switched off in the middle of the lesson.

``bench --only lab`` reports each student's wait from the press to their first epoch, the makespan against the
same runs on this server's own trainer, and what happened to the runs on the PC switched off;
tests/test_simulated_lab.py checks that those runs fail with a plain message and every other run finishes. The
simulated PCs share this machine's cores, so the makespan says what the lab's scheduling and transport cost,
not what real PCs would add.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field

from class_server.registry import RunStatus
from mnist_core.config import TrainConfig


@dataclass
class LabClass:
    """One lesson on the lab: per run (by id), its seconds from the press to its first epoch, its end and error."""

    pcs: int
    makespan_seconds: float
    first_epoch_seconds: dict[int, float]
    statuses: dict[int, RunStatus]
    errors: dict[int, str | None]
    switched_off: list[int] = field(default_factory=list)  # the runs training on the PC just before and as it went

    @property
    def finished(self) -> list[int]:
        return [run for run, status in self.statuses.items() if status == RunStatus.FINISHED]


def lesson_on_lab(config: TrainConfig, runs: int, pcs: int, switch_off_after: int | None = None) -> LabClass:
    """``runs`` students press Train on ``config`` (student i with seed i) at once on a lab of ``pcs`` 1-CPU PCs;
    with ``switch_off_after``, the PC of a run still training is switched off (its node removed, as a PC pulled
    from the wall) once that many runs have shown a first epoch. Waits for every run to end."""
    import ray
    from ray.cluster_utils import Cluster

    from class_server.jobs import JobManager
    from class_server.ray_runner import RayRunner
    from class_server.registry import Registry

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        nodes = [cluster.add_node(num_cpus=1) for _ in range(pcs)]
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        runner = RayRunner(cpus_per_run=1)
        ray.get(runner.warm_up())  # as `make lab` does when the app starts, before any student presses Train
        with tempfile.TemporaryDirectory(prefix="mnist-studio-lab-") as home:
            registry = Registry(home)
            first_epoch: dict[int, float] = {}

            def timed(registry, run_id, on_event=None, should_stop=None):
                def seen(event):
                    if event.is_epoch:
                        first_epoch.setdefault(run_id, time.perf_counter())
                    on_event(event)

                return runner(registry, run_id, on_event=seen, should_stop=should_stop)

            manager = JobManager(registry, max_parallel=runs, runner=timed)
            pressed = time.perf_counter()
            ids = [manager.submit(config.replace(seed=i), owner=f"student {i + 1}") for i in range(runs)]
            switched_off = []
            if switch_off_after is not None:
                switched_off = _switch_off_a_pc(cluster, nodes, runner, manager, ids, first_epoch, switch_off_after)
            while manager.busy():
                time.sleep(0.05)
            makespan = time.perf_counter() - pressed
            ended = {run_id: registry.get(run_id) for run_id in ids}
            return LabClass(
                pcs,
                makespan,
                {run_id: seen - pressed for run_id, seen in first_epoch.items()},
                {run_id: RunStatus(run.status) for run_id, run in ended.items()},
                {run_id: run.error for run_id, run in ended.items()},
                switched_off,
            )
    finally:
        ray.shutdown()
        cluster.shutdown()


def _switch_off_a_pc(cluster, nodes, runner, manager, ids, first_epoch, after: int) -> list[int]:
    """Once ``after`` runs have shown a first epoch, remove the node of a run training then; the runs on it."""
    while len(first_epoch) < after:
        time.sleep(0.05)
    while True:
        running = [run_id for run_id in ids if manager.live(run_id).status == RunStatus.RUNNING]
        training = {run_id: where for run_id in running if (where := runner.worker_of(run_id))}
        if training:
            break
        time.sleep(0.05)
    victim = next(iter(training.values()))["node"]
    cluster.remove_node(next(node for node in nodes if node.node_id == victim))
    # Between that look and the switch a tiny run can end on that PC and the next begin there (CI once saw run 12
    # fail on it where the look had seen run 10): look again, and count both.
    now = {run_id: where for run_id in ids if (where := runner.worker_of(run_id))}
    return sorted({run_id for run_id, where in [*training.items(), *now.items()] if where["node"] == victim})


def on_this_server(config: TrainConfig, runs: int) -> float:
    """The makespan of the same runs pressed at once on this server's own trainer, taking turns (no lab)."""
    from class_server.jobs import JobManager
    from class_server.registry import Registry
    from lab.class_makespan import pressed_together

    with tempfile.TemporaryDirectory(prefix="mnist-studio-lab-") as home:
        registry = Registry(home)
        return pressed_together(JobManager(registry), registry, config, runs)[2]


def lab_row(config: TrainConfig, runs: int, pcs: int) -> dict:
    """The bench's row: the lesson on the lab with a PC switched off a third of the way in, and the same runs
    on this server alone."""
    lesson = lesson_on_lab(config, runs, pcs, switch_off_after=max(1, runs // 3))
    alone = on_this_server(config, runs)
    first = sorted(lesson.first_epoch_seconds.values())
    return {
        "config": config.describe(),
        "runs": runs,
        "pcs": pcs,
        "makespan_seconds": lesson.makespan_seconds,
        "server_alone_seconds": alone,
        "lab_over_server": lesson.makespan_seconds / alone,
        "first_epoch_p50": statistics.median(first),
        "first_epoch_max": first[-1],
        "first_epochs_shown": len(first),
        "finished": len(lesson.finished),
        "switched_off_runs": len(lesson.switched_off),
        "switched_off_told": sorted({lesson.errors[run] for run in lesson.switched_off if lesson.errors[run]}),
    }


def describe_lab(r: dict) -> str:
    told = "; ".join(r["switched_off_told"]) or "nothing"
    return (
        f"A lab of {r['pcs']} PCs simulated on this machine's cores (one 1-CPU Ray node each): {r['runs']} students "
        f"press Train on {r['config']} at once and one PC is switched off a third of the way in. First epoch "
        f"after the press: median {r['first_epoch_p50']:.1f} s, last {r['first_epoch_max']:.1f} s "
        f"({r['first_epochs_shown']} of {r['runs']} shown); {r['finished']} finished in {r['makespan_seconds']:.1f} s, "
        f"against {r['server_alone_seconds']:.1f} s for the same runs on this server alone "
        f"({r['lab_over_server']:.2f}x: the PCs share its cores); the {r['switched_off_runs']} run(s) on the PC "
        f"switched off were told: {told}"
    )
