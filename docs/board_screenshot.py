"""The README's picture of the Class board: the seed notebook's dropout study, run as a class would run it.

    python docs/board_screenshot.py [--home DIR]

Trains the study's seven variants with ``python -m class_server study dropout`` into a fresh run store
(or reuses DIR's finished study), starts the app on it, and saves the board as Chromium shows it at
1280x720 (a projector) to docs/board.png, run names shown and the dropout study selected.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from class_server.registry import Registry, RunStatus  # noqa: E402
from lab.app_server import running_app  # noqa: E402
from lab.chromium import open_page, wait_for_app  # noqa: E402
from mnist_core.paths import PROJECT_DIR  # noqa: E402
from mnist_core.study import run_prefix, study  # noqa: E402

OUT = PROJECT_DIR / "docs" / "board.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="a run store holding a finished dropout study (default: train one)")
    home = Path(parser.parse_args().home or tempfile.mkdtemp(prefix="mnist-studio-board-"))
    finished = [
        run
        for run in Registry(home).list_runs(statuses=(RunStatus.FINISHED,))
        if run.name.startswith(run_prefix("dropout"))
    ]
    if len(finished) < len(study("dropout")):
        subprocess.run(
            [sys.executable, "-m", "class_server", "study", "dropout"],
            cwd=PROJECT_DIR,
            check=True,
            env={**os.environ, "MNIST_STUDIO_HOME": str(home)},
        )
    from playwright.sync_api import sync_playwright

    with running_app(home / "board-server.log", env={"MNIST_STUDIO_HOME": str(home)}) as server:
        server.wait_healthy(120)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            open_page(page, server, "/board")
            page.get_by_text("The dropout study", exact=True).click()
            wait_for_app(page)
            page.get_by_text("· best test accuracy", exact=False).scroll_into_view_if_needed()
            page.screenshot(path=str(OUT))
            browser.close()
    print(f"Saved {OUT} from the run store {home}")


if __name__ == "__main__":
    main()
