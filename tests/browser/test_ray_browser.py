"""The Train page with the app training on a real Ray cluster (a head and a 1-CPU PC on this machine), in Chromium.

The cluster is started here and the app is a separate process that joins it through
MNIST_STUDIO_RAY_ADDRESS, as a teacher's PC joins the lab's head. Both are stopped at the end.
"""

from __future__ import annotations

import re
import socket

import pytest
from helpers import (
    ARTIFACTS_DIR,
    WAIT_MS,
    assert_no_exception,
    history_row,
    open_page,
    screenshot,
    set_slider,
    start_run,
)
from playwright.sync_api import expect

from lab.app_server import running_app


@pytest.fixture
def app_on_ray(tmp_path):
    from ray.cluster_utils import Cluster

    # The head lends no cores: the app warms a worker on each PC that can take a run (RayRunner.warm_up), and one
    # PC is all this run needs; with cores on the head too, a second worker imported TensorFlow for nothing.
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        env = {
            "MNIST_STUDIO_RAY_ADDRESS": cluster.address,
            "MNIST_STUDIO_RAY_CPUS_PER_RUN": "1",
            "MNIST_STUDIO_HOME": str(tmp_path),
        }
        with running_app(ARTIFACTS_DIR / "streamlit-ray-server.log", env) as server:
            server.wait_healthy(120)
            yield server
    finally:
        cluster.shutdown()


def test_a_run_trains_live_on_the_ray_cluster(page, app_on_ray):
    open_page(page, app_on_ray, "/train")
    assert_no_exception(page)
    assert set_slider(page, "Training images", "Home", 3) == "12,000"
    assert set_slider(page, "Epochs", "Home", 9) == "10"
    start_run(page, "lab run")
    # A fresh Ray worker imports TensorFlow first.
    expect(page.locator('[data-testid="stHeading"] h3', has_text=re.compile(r"Epoch \d+/10"))).to_be_visible(
        timeout=WAIT_MS * 3
    )
    expect(page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first).to_be_visible(
        timeout=WAIT_MS
    )
    screenshot(page, "train-on-ray-during")
    row = history_row(page, "lab run")
    expect(row).to_have_count(1, timeout=WAIT_MS * 3)
    expect(row).to_contain_text("finished", timeout=WAIT_MS)
    assert_no_exception(page)
    screenshot(page, "train-on-ray-after")
    log = app_on_ray.log_tail(100_000)
    assert "Training runs on the Ray cluster at" in log and "cannot be used" not in log


def test_an_unreachable_cluster_is_announced_and_runs_train_on_the_server(page, tmp_path):
    with socket.socket() as sock:  # a port of this machine where nothing listens
        sock.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{sock.getsockname()[1]}"
    env = {"MNIST_STUDIO_RAY_ADDRESS": address, "MNIST_STUDIO_HOME": str(tmp_path)}
    with running_app(ARTIFACTS_DIR / "streamlit-ray-fallback-server.log", env) as server:
        server.wait_healthy(120)
        open_page(page, server, "/train")
        notice = page.get_by_text(f"Training on this server: the Ray cluster at {address} cannot be used")
        expect(notice).to_be_visible(timeout=WAIT_MS)
        screenshot(page, "train-ray-unreachable")
        assert set_slider(page, "Training images", "Home") == "1,000"
        assert set_slider(page, "Epochs", "Home") == "1"
        start_run(page, "here run")
        expect(history_row(page, "here run")).to_contain_text("finished", timeout=WAIT_MS * 2)
        assert_no_exception(page)
