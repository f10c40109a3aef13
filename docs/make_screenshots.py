"""The docs' pictures of the stress test, You vs model, the nearest training images and the board's stress chart,
each at 1280 px (a laptop, a projector) and 820 px (a tablet) wide.

    .venv/bin/python docs/make_screenshots.py [--home DIR]

Trains four quick runs into a fresh run store (or reuses DIR's), each three epochs on 10,000 images: the seed
notebook's MLP, the CNN preset, the MLP trained on digits moved up to 2 pixels, and a small MLP. Then, with the
app started on that store and Chromium driving it, saves:

- docs/stress-<width>.png: Evaluate > Stress test, the default model against the quick MLP;
- docs/versus-<width>.png and docs/versus-result-<width>.png: You vs model part way through a round, and its end;
- docs/nearest-<width>.png: Draw with a digit drawn by mouse strokes, its answer and the six training images;
- docs/board-stress-<width>.png: the Class board, its stress chart and the class's You vs model results.

The CNN's and the moved-digits MLP's stress tests are measured here through the engine, as the app would, so the
board has three points; the small MLP has none, so the board shows how to add it.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from class_server.registry import Registry, RunStatus  # noqa: E402
from lab.app_server import running_app  # noqa: E402
from lab.chromium import CHROMIUM_ARGS, assert_no_exception, chromium_executable, open_page, wait_for_app  # noqa: E402
from mnist_core.paths import PROJECT_DIR  # noqa: E402

DOCS = PROJECT_DIR / "docs"
WIDTHS = {1280: {"width": 1280, "height": 900}, 820: {"width": 820, "height": 1180}}
QUICK_RUNS = {
    "Quick MLP": ["--preset", "seed"],
    "Quick CNN": ["--preset", "cnn", "--precision", "float32"],
    "MLP on moved digits": ["--preset", "seed", "--shift", "2"],
    "Small MLP": ["--preset", "seed", "--units", "32"],  # left without a stress test: the board says how to add it
}
STRESSED_HERE = ("Quick CNN", "MLP on moved digits")  # Quick MLP's is measured on the Stress test tab
QUICK_TRAINING = ["--epochs", "3", "--train-size", "10000"]
VERSUS_WRONG = (2, 9, 14)  # the places in the round where the script's "student" taps a wrong digit
DRAWN = 7  # the digit drawn on the Draw page: a hand-drawn one from data/drawings/digits.json's holdout set


def quick_runs(home: Path) -> None:
    """Train the quick runs the store does not have yet, with the command line as a student's teacher would."""
    have = {run.name for run in Registry(home).list_runs(statuses=(RunStatus.FINISHED,))}
    for name, options in QUICK_RUNS.items():
        if name not in have:
            subprocess.run(
                [sys.executable, "-m", "class_server", "train", *options, *QUICK_TRAINING, "--name", name],
                cwd=PROJECT_DIR,
                check=True,
                env={**os.environ, "MNIST_STUDIO_HOME": str(home)},
            )


def stress_test_through_the_engine(home: Path, name: str) -> None:
    """Keep ``name``'s stress test beside its model file, as Evaluate's Stress test tab does."""
    from mnist_core.data import load_mnist
    from mnist_core.inference import Predictor
    from mnist_core.kept_files import FileStamp
    from mnist_core.stress import stress_images, stress_test
    from mnist_core.stress_record import read_stress, write_stress

    path = Registry(home).find(name).model_path
    if read_stress(path) is None:
        stamp = FileStamp.of(path)
        data = load_mnist()
        write_stress(path, stress_test(Predictor.from_file(path), stress_images(data.x_test, data.y_test)), stamp)


# The height of what Streamlit's main area holds: it scrolls inside itself, so Chromium's full-page picture
# would stop at the window's bottom.
CONTENT_HEIGHT_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return main ? main.scrollHeight : document.documentElement.scrollHeight;
}"""
MOST_PX = 6000


def save(page, name: str, whole: bool = True) -> None:
    """The page as a PNG of at most 256 colours (a screen of text and flat charts loses nothing visible); with
    ``whole``, the window is made as tall as the page first, so every part of it is in the picture."""
    from PIL import Image

    viewport = page.viewport_size
    page.mouse.move(viewport["width"] - 5, viewport["height"] - 5)  # no button or table left in its hover look
    if whole:
        height = min(max(page.evaluate(CONTENT_HEIGHT_JS), viewport["height"]), MOST_PX)
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(1500)  # the charts lay themselves out again
        wait_for_app(page)
    shot = Image.open(io.BytesIO(page.screenshot(animations="disabled")))
    page.set_viewport_size(viewport)
    path = DOCS / f"{name}.png"
    shot.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"Saved {path.relative_to(PROJECT_DIR)} ({path.stat().st_size // 1024} KB)")


def stress(page, server, width: int) -> None:
    open_page(page, server, "/evaluate")
    page.get_by_role("tab", name="Stress test").click()
    wait_for_app(page)
    box = page.locator(".st-key-stress_other")
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(100)  # see tests/browser/helpers.py's choose: a scroll closes an open list
    box.click()
    page.get_by_role("option", name=re.compile("^Quick MLP ·")).click()
    wait_for_app(page)
    page.get_by_role("button", name="Run the stress test").click()
    wait_for_app(page, timeout=300_000)
    page.get_by_text("the biggest difference between them").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the six charts draw one after another
    assert_no_exception(page)
    save(page, f"stress-{width}")


@functools.cache
def versus_plan() -> list[int]:
    """The digits the script's "student" taps: a wrong one at ``VERSUS_WRONG``, the label elsewhere (read off
    the round as the app chooses it for the default model)."""
    from mnist_core.data import load_mnist
    from mnist_core.evaluation import evaluate_model
    from mnist_core.inference import Predictor
    from mnist_core.paths import DEFAULT_MODEL
    from mnist_core.versus import ROUND_SEED, choose_round

    data = load_mnist()
    evaluation = evaluate_model(Predictor.from_file(DEFAULT_MODEL).model, data.x_test, data.y_test)
    labels = [int(data.y_test[i]) for i in choose_round(evaluation, ROUND_SEED).indices]
    return [(label + 1) % 10 if place in VERSUS_WRONG else label for place, label in enumerate(labels)]


def versus(page, server, width: int, touch: bool) -> None:
    """A round played to the end, saved part way through and at its end."""
    plan = versus_plan()
    open_page(page, server, "/versus")
    for place, digit in enumerate(plan):
        if place == 8:
            assert_no_exception(page)
            save(page, f"versus-{width}")
        button = page.locator(f".st-key-versus_digit_{digit} button")
        button.tap() if touch else button.click()
        wait_for_app(page)
    page.get_by_text("You against the model").wait_for()
    assert_no_exception(page)
    save(page, f"versus-result-{width}")


def nearest(page, server, width: int) -> None:
    """A hand-drawn digit drawn stroke by stroke with the mouse, as tests/browser/test_draw_*.py draw."""
    from lab.drawn_digits import load_drawn_digits
    from lab.score_in_browser import draw_strokes
    from ui.nearest_view import KEY

    digit = next(d for d in load_drawn_digits() if d["set"] == "holdout" and d["label"] == DRAWN)
    open_page(page, server, "/draw")
    draw_strokes(page, digit["strokes"])
    page.wait_for_timeout(400)  # the canvas sends its drawing 200 ms after the pen lifts
    wait_for_app(page)
    section = page.locator(f".st-key-{KEY}")
    section.locator('[data-testid="stImage"] img').nth(5).wait_for(timeout=300_000)  # its index is built once
    wait_for_app(page)
    assert_no_exception(page)
    # Down to the six images: the layers' pictures under them would make the picture five screens long.
    page.evaluate("window.scrollTo(0, 0)")
    bottom = section.bounding_box()
    page.set_viewport_size({"width": width, "height": int(bottom["y"] + bottom["height"] + 24)})
    page.wait_for_timeout(500)
    save(page, f"nearest-{width}", whole=False)


def board(page, server, width: int) -> None:
    open_page(page, server, "/board")
    page.get_by_text("Students finished").wait_for(timeout=60_000)
    wait_for_app(page)
    page.wait_for_timeout(1500)
    assert_no_exception(page)
    save(page, f"board-stress-{width}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="a run store to reuse (default: a new one, with two quick runs trained)")
    home = Path(parser.parse_args().home or tempfile.mkdtemp(prefix="mnist-studio-docs-"))
    quick_runs(home)
    for name in STRESSED_HERE:
        stress_test_through_the_engine(home, name)
    from playwright.sync_api import sync_playwright

    with running_app(home / "docs-server.log", env={"MNIST_STUDIO_HOME": str(home)}) as server:
        server.wait_healthy(120)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            for width, viewport in WIDTHS.items():
                touch = width < 1000
                context = browser.new_context(viewport=viewport, has_touch=touch)  # a device of its own
                page = context.new_page()
                page.set_default_timeout(120_000)
                stress(page, server, width)
                versus(page, server, width, touch)
                nearest(page, server, width)
                page.set_viewport_size(viewport)
                board(page, server, width)
                context.close()
            browser.close()
    print(f"From the run store {home}")


if __name__ == "__main__":
    main()
