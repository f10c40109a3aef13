"""A lab of three PCs on a real local Ray cluster (no mocks): each run goes to a PC that can take it.

The server's node (the head, where this process is the app's driver) lends no cores; one lab PC has
bfloat16 units and declares them as Ray's custom resource "bfloat16", as `make lab-join` does; the other
has none. One cluster serves the whole module, and its last test removes the bfloat16 PC. Runs are tiny
(an MLP of 16 units, a thousand or two images, one or two epochs).
"""

from __future__ import annotations

import threading

import pytest
import ray
from recorded import saved_drawings

from class_server.placement import BFLOAT16, BFLOAT16_SHARE, FLOAT32_INSTEAD, place, ray_start_option
from class_server.ray_runner import RayRunner
from class_server.registry import Registry
from mnist_core.config import TrainConfig
from mnist_core.cpu_threads import has_bfloat16_units
from mnist_core.errors import UserError
from mnist_core.models import build_model, load_model

TINY = TrainConfig(hidden_units=(16,), dropouts=(0.0,), epochs=1, batch_size=50, train_size=1000)


@pytest.fixture(scope="module")
def lab():
    """The head (this server, no cores lent), a 1-CPU PC with bfloat16 units and a 1-CPU PC without."""
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        with_units = cluster.add_node(num_cpus=1, resources={BFLOAT16: 1})
        without = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        yield {
            "cluster": cluster,
            "server": ray.get_runtime_context().get_node_id(),
            "bfloat16": with_units,
            "plain": without,
        }
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture(scope="module")
def runner(lab):
    """One runner (a core a run) for the module's runs: each RayRunner starts a mailboxes actor, a process."""
    return RayRunner(cpus_per_run=1)


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "runs")


def train(runner: RayRunner, registry: Registry, config: TrainConfig) -> tuple[int, dict]:
    """Train ``config`` as the job manager would; the run's id and the PC it trained on."""
    run_id = registry.create_run(config.to_dict(), owner="ann").id
    where = []
    runner(registry, run_id, on_event=lambda event: where or where.append(runner.worker_of(run_id)))
    return run_id, where[0]


def test_a_drawings_run_trains_on_a_lab_pc_with_its_drawings_and_comes_back_with_before_and_after(
    lab, runner, registry, tmp_path
):
    saved_drawings(registry, per_digit=3)  # 30 drawings, kept in this server's run store only
    base = tmp_path / "untrained.keras"
    build_model(TINY).save(base)  # the model the new one is compared with: untrained, so it guesses
    config = TINY.replace(data="mnist+drawings", base_model=str(base), epochs=2, train_size=2000)
    run_id, where = train(runner, registry, config)
    run = registry.get(run_id)
    assert run.status == "finished", run.error
    assert where["node"] in (lab["bfloat16"].node_id, lab["plain"].node_id) and where["node"] != lab["server"]
    metrics = run.metrics
    assert metrics["drawings_trained"] + metrics["drawings_held_out"] == 30 and metrics["drawings_held_out"] >= 1
    assert metrics["before_mnist_accuracy"] < 0.3 < metrics["after_mnist_accuracy"]  # it learned, over there
    assert 0 <= metrics["before_drawings_accuracy"] <= 1 and 0 <= metrics["after_drawings_accuracy"] <= 1
    assert [epoch["epoch"] for epoch in run.history] == [1, 2]  # its curves came back as they trained


def test_a_task_asking_for_bfloat16_starts_only_on_the_pc_that_declared_it(lab):
    """Scheduling alone, on any CPU: four quick tasks with a bfloat16 run's options, at once, while the PC
    without units has a free core, all go to the PC with them."""

    @ray.remote
    def node_of() -> str:
        return ray.get_runtime_context().get_node_id()

    placement = place(TINY.replace(precision="bfloat16"), 1, ray.nodes())
    assert placement.resources == {BFLOAT16: BFLOAT16_SHARE} and placement.note is None
    nodes = ray.get([node_of.options(num_cpus=1, resources=placement.resources).remote() for _ in range(4)])
    assert set(nodes) == {lab["bfloat16"].node_id}


@pytest.mark.skipif(not has_bfloat16_units(), reason="this CPU has no bfloat16 units: bfloat16 cannot train here")
def test_two_bfloat16_runs_at_once_both_train_on_the_pc_with_bfloat16_units(lab, runner, registry):
    trained = {}
    bfloat16 = TINY.replace(precision="bfloat16")
    threads = [
        threading.Thread(target=lambda s=seed: trained.update([train(runner, registry, bfloat16.replace(seed=s))]))
        for seed in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert len(trained) == 2
    for run_id, where in trained.items():
        run = registry.get(run_id)
        assert run.status == "finished", run.error
        assert where["node"] == lab["bfloat16"].node_id, "a bfloat16 run went to the PC without bfloat16 units"
        assert load_model(run.model_path).get_layer("dense_1").compute_dtype == "bfloat16"


def test_a_run_needing_more_cores_than_any_pc_has_is_refused_at_once_saying_why(lab, registry):
    run_id = registry.create_run(TINY.to_dict(), owner="ann").id
    runner = RayRunner(cpus_per_run=2)
    with pytest.raises(UserError) as refused:
        runner(registry, run_id)
    message = str(refused.value)
    assert message.startswith("No computer in the lab can train this run: it needs 2 processor cores on one")
    assert "the biggest computer in the lab has 1." in message
    run = registry.get(run_id)
    assert run.status == "failed" and run.error == message and run.model_path is None


def test_without_a_pc_with_bfloat16_units_a_bfloat16_run_trains_in_float32_with_a_note(lab, runner, registry):
    """Last: it removes the PC with bfloat16 units from the lab."""
    lab["cluster"].remove_node(lab["bfloat16"])
    ray.get(ray.remote(lambda: None).options(num_cpus=1).remote())  # the lab answers without it
    run_id, where = train(runner, registry, TINY.replace(precision="bfloat16"))
    run = registry.get(run_id)
    assert run.status == "finished", run.error
    assert where["node"] == lab["plain"].node_id
    assert run.config["precision"] == "bfloat16"  # what the student asked for, and beside it what happened
    assert run.metrics["number_format"]["precision"] == "float32"
    assert run.metrics["number_format"]["reason"] == FLOAT32_INSTEAD
    assert load_model(run.model_path).get_layer("dense_1").compute_dtype == "float32"
    from ui.live_run import settings_line  # what the Train page shows beside the run

    assert settings_line(run).startswith("MLP 16 (bfloat16), dropout 0 · 1 epoch")
    assert settings_line(run).endswith(f"test set as validation · {FLOAT32_INSTEAD}")


def nodes(*resources: dict, dead: dict | None = None) -> list[dict]:
    """Node records as ``ray.nodes()`` gives them (only the fields ``place`` reads)."""
    alive = [{"Alive": True, "Resources": r} for r in resources]
    return alive + ([{"Alive": False, "Resources": dead}] if dead else [])


def test_placement_matches_cores_and_bfloat16_units_and_says_why_when_nothing_fits():
    bfloat16 = TINY.replace(precision="bfloat16")
    lab = nodes({"CPU": 0.0}, {"CPU": 2.0, BFLOAT16: 1.0}, {"CPU": 4.0})
    assert place(bfloat16, 2, lab).resources == {BFLOAT16: BFLOAT16_SHARE}
    assert place(TINY, 2, lab).resources == {} and place(TINY.replace(precision="fastest"), 4, lab).resources == {}
    # the only PC with bfloat16 units is too small for 4 cores a run: the big one trains it in float32
    too_small = place(bfloat16, 4, lab)
    assert (too_small.resources, too_small.precision, too_small.note) == ({}, "float32", FLOAT32_INSTEAD)
    assert too_small.number_format["reason"] == FLOAT32_INSTEAD
    with pytest.raises(UserError, match="needs 8 processor cores on one computer, and the biggest .* has 4"):
        place(TINY, 8, lab + nodes(dead={"CPU": 16.0}))  # a PC switched off does not count
    with pytest.raises(UserError, match="none is lending its processor cores right now"):
        place(TINY, 1, nodes({"CPU": 0.0}))
    assert ray_start_option() == ('--resources={"bfloat16":1}' if has_bfloat16_units() else "")
