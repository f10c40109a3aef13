"""You vs model on a tablet (820 px wide, a touch screen): a round tapped through with a finger, a reload in the
middle keeps the answers, and the result shows the student's accuracy and the model's. Screenshots at 820 and
1280 px.

A reload and a restarted server both find the round where the student left it."""

import numpy as np
import pytest
from helpers import assert_no_exception, open_page, screenshot, wait_for_app

from lab.app_server import app_on
from mnist_core.data import load_mnist
from mnist_core.evaluation import evaluate_model
from mnist_core.inference import Predictor
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.versus import ROUND_SEED, choose_round

TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="module")
def evaluation():
    data = load_mnist()
    return evaluate_model(Predictor.from_file(DEFAULT_MODEL).model, data.x_test, data.y_test)


def tap(page, digit: int) -> None:
    page.locator(f".st-key-versus_digit_{digit} button").tap()
    wait_for_app(page)


def metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).first.inner_text()


def test_a_round_tapped_on_a_tablet_survives_a_reload_and_a_restart_and_shows_the_scores(browser, tmp_path, evaluation):
    round_ = choose_round(evaluation, ROUND_SEED)
    labels, predicted = evaluation.labels, evaluation.predicted
    # The label on the first 12 images, then the model's answer plus one: 12 of 20 right.
    plan = [int(labels[i]) if place < 12 else (int(predicted[i]) + 1) % 10 for place, i in enumerate(round_.indices)]
    with app_on(tmp_path) as server:
        context = browser.new_context(viewport=TABLET, has_touch=True, is_mobile=True)
        page = context.new_page()
        open_page(page, server, "/versus")
        assert_no_exception(page)
        assert page.get_by_text("1 of 20", exact=True).is_visible()
        boxes = [page.locator(f".st-key-versus_digit_{d} button").bounding_box() for d in range(10)]
        assert all(box["height"] >= 60 and box["width"] >= 60 for box in boxes), boxes  # a finger's target
        assert len({round(box["y"]) for box in boxes[:5]}) == 1 and boxes[5]["y"] > boxes[0]["y"]  # two rows of 5
        assert all(box["x"] + box["width"] <= TABLET["width"] for box in boxes)
        screenshot(page, "versus-820-question")

        for digit in plan[:7]:
            tap(page, digit)
        assert page.get_by_text("8 of 20", exact=True).is_visible()
        page.reload(wait_until="domcontentloaded")
        wait_for_app(page)
        assert page.get_by_text("8 of 20", exact=True).is_visible()  # the seven answers were kept
        tap(page, plan[7])
    with app_on(tmp_path) as server:  # the server restarted: same store, same browser (its cookie)
        open_page(page, server, "/versus")
        assert page.get_by_text("9 of 20", exact=True).is_visible()

        for digit in plan[8:]:
            tap(page, digit)
        assert_no_exception(page)
        index = np.array(round_.indices)
        model_accuracy = float(np.mean(predicted[index] == labels[index]))
        assert "60%" in metric(page, "You")
        assert f"{model_accuracy:.0%}" in metric(page, "The model")
        disagree = sum(answer != predicted[i] for answer, i in zip(plan, round_.indices, strict=True))
        assert page.get_by_text(f"({disagree})").is_visible()
        assert page.get_by_text("model said").count() == disagree
        screenshot(page, "versus-820-result")
        context.close()

        wide = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        open_page(wide, server, "/versus")
        assert wide.get_by_text("1 of 20", exact=True).is_visible()  # another browser: a round of its own
        screenshot(wide, "versus-1280-question")
        open_page(wide, server, "/board")
        wide.get_by_text("Students finished").wait_for()
        wait_for_app(wide)
        assert_no_exception(wide)
        screenshot(wide, "board-versus-1280")
        wide.context.close()
