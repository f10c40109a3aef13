"""The app's cold start: from `streamlit run app.py` with an empty run store until a prediction is possible.

Run by ``python -m lab bench`` (which reads the JSON line it prints last), or by hand:

    .venv/bin/python -m lab.load.cold_start [--answer-drawings 3]

With Chromium and Playwright: from launch until the /draw page shows "Draw a digit" (the page loads the
default model before it shows that). Without them: until /_stcore/health answers ok, plus, in a fresh
process, importing TensorFlow, loading the default model and predicting once. The server's memory is its
VmRSS once that is done.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab.app_server import PROJECT_DIR, running_app
from lab.chromium import CHROMIUM_ARGS, chromium_executable, rss_kb

TIMEOUT_S = 120
DRAW_READY_TEXT = "Draw a digit"


def cold_start(answer_drawings: int = 0) -> dict:
    """The cold start's figures; with ``answer_drawings``, also the Draw page's pen up to answer for that many
    drawings on the same server once it is measured (``answer_latency``), which spares the quick bench a
    second server."""
    chromium = _chromium()
    with tempfile.TemporaryDirectory(prefix="mnist-studio-cold-start-") as home:
        server_env = {"MNIST_STUDIO_HOME": home}
        if chromium:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
                try:
                    with running_app(Path(home) / "server.log", server_env) as server:
                        health = server.wait_healthy(TIMEOUT_S)
                        page = browser.new_page()
                        page.goto(f"{server.url}/draw", wait_until="domcontentloaded", timeout=TIMEOUT_S * 1000)
                        page.get_by_text(DRAW_READY_TEXT, exact=True).wait_for(timeout=TIMEOUT_S * 1000)
                        ready = server.seconds()
                        rss = rss_kb(server.pid) / 1024
                        page.close()
                        latency = _answer_latency(browser, server.url, answer_drawings)
                finally:
                    browser.close()
            return latency | {
                "method": "chromium",
                "health_seconds": health,
                "ready_seconds": ready,
                "rss_mb": rss,
                "measured": f'launch of `streamlit run app.py` until Chromium shows "{DRAW_READY_TEXT}" '
                "on /draw (default model loaded)",
            }
        with running_app(Path(home) / "server.log", server_env) as server:
            health = server.wait_healthy(TIMEOUT_S)
            model_seconds = _fresh_process_model_seconds()
            rss = rss_kb(server.pid) / 1024
        return _answer_latency(None, None, answer_drawings) | {
            "method": "health+subprocess",
            "health_seconds": health,
            "model_seconds": model_seconds,
            "ready_seconds": health + model_seconds,
            "rss_mb": rss,
            "measured": "launch until /_stcore/health is ok, plus importing TensorFlow, loading the default "
            "model and predicting once in a fresh process (Chromium or Playwright missing); "
            "memory before any page was loaded",
        }


def _answer_latency(browser, url: str | None, drawings: int) -> dict:
    """``{"answer_latency": ...}`` as lab/load/answer_latency.py prints it, measured with ``browser`` on the
    server at ``url``; nothing when ``drawings`` is 0."""
    if not drawings:
        return {}
    if browser is None:
        return {"answer_latency": {"error": "Chromium or Playwright not found"}}
    from lab.load.answer_latency import run_in

    result = run_in(browser, url, drawings)
    return {"answer_latency": {key: value for key, value in result.items() if key != "rows"}}


def _fresh_process_model_seconds() -> float:
    code = (
        "import numpy as np; from mnist_core.inference import Predictor; from mnist_core.paths import DEFAULT_MODEL; "
        "Predictor.from_file(DEFAULT_MODEL).probabilities(np.zeros((28, 28), np.uint8))"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, check=True, capture_output=True, timeout=TIMEOUT_S)
    return time.perf_counter() - started


def _chromium() -> str | None:
    """Chromium to drive, as the browser tests find it, if Playwright is installed too."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return chromium_executable()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The app's cold start, in Chromium if it is installed.")
    parser.add_argument(
        "--answer-drawings",
        type=int,
        default=0,
        help="then draw this many digits on the same server, as lab/load/answer_latency.py does",
    )
    print(json.dumps(cold_start(parser.parse_args().answer_drawings)))
