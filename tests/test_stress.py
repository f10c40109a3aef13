"""The stress test: each corruption against an independent computation, the panel's accuracies against the
model called directly in Keras, and an MLP against a CNN on moved digits (mnist_core/stress.py)."""

import numpy as np
import pytest
import tensorflow as tf
from chart_data import drawn_curves

from mnist_core.config import PRESETS, TrainConfig
from mnist_core.data import load_mnist
from mnist_core.inference import Predictor
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.stress import (
    CORRUPTIONS,
    SAMPLE_SIZE,
    blur,
    noise,
    rotate,
    sample,
    shift,
    stress_images,
    stress_test,
    thicker,
    thinner,
)
from mnist_core.trainer import train


@pytest.fixture(scope="module")
def digits():
    data = load_mnist()
    return data.x_test[:300], data.y_test[:300]


@pytest.fixture(scope="module")
def default_predictor():
    return Predictor.from_file(DEFAULT_MODEL)


def rolled(image: np.ndarray, down: int, right: int) -> np.ndarray:
    """``image`` moved with black coming in: rolled inside a black frame wider than the move, then cropped."""
    pad = abs(down) + abs(right) + 1
    framed = np.pad(image, pad)
    return np.roll(framed, (down, right), axis=(0, 1))[pad:-pad, pad:-pad]


def vertical_bar(width: int, value: int = 255) -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12 : 12 + width] = value
    return image


def bar_width(image: np.ndarray) -> int:
    """The bar's width along its middle row, counting pixels with any ink."""
    return int((image[14] > 0).sum())


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=lambda c: c.kind)
def test_strength_zero_is_the_clean_images_and_every_strength_is_deterministic(digits, corruption):
    images, _ = digits
    assert np.array_equal(corruption.apply(images, 0, 0), images)
    strongest = corruption.strengths[-1]
    once, again = corruption.apply(images, strongest, 7), corruption.apply(images, strongest, 7)
    assert once.dtype == np.uint8 and once.shape == images.shape
    assert np.array_equal(once, again)
    assert not np.array_equal(once, images)
    assert list(corruption.strengths) == sorted(corruption.strengths) and 0 not in corruption.strengths


@pytest.mark.parametrize("pixels", [1, 2, 4])
def test_a_shift_is_each_image_rolled_inside_a_black_frame_one_of_four_ways(digits, pixels):
    images, _ = digits
    moved = shift(images, pixels, seed=3)
    ways = [(-pixels, 0), (pixels, 0), (0, -pixels), (0, pixels)]
    found = []
    for image, result in zip(images, moved, strict=True):
        matches = [way for way in ways if np.array_equal(result, rolled(image, *way))]
        assert matches, "not one of the four moves"
        found.append(matches[0])
    assert {way for way in found} == set(ways)  # all four directions, picked at random
    # The same image goes the same way at every strength: moved 1 pixel, then 1 more.
    if pixels == 2:
        assert np.array_equal(moved, shift(shift(images, 1, seed=3), 1, seed=3))


def test_a_bar_turned_90_degrees_is_the_bar_rotated_a_quarter_turn_either_way():
    bar = np.zeros((28, 28), np.uint8)
    bar[13:15, 4:24] = 200  # a horizontal bar through the centre
    corner = np.zeros((28, 28), np.uint8)
    corner[4:8, 4:24] = corner[4:24, 4:8] = 255  # an L: turned one way or the other, it looks different
    turned = rotate(np.stack([bar] * 20 + [corner] * 20), 90, seed=1)
    for result in turned[:20]:
        assert np.array_equal(result, np.rot90(bar))  # the same either way: a vertical bar
    corners = {"anticlockwise" if np.array_equal(r, np.rot90(corner)) else "clockwise" for r in turned[20:]}
    assert all(np.array_equal(r, np.rot90(corner)) or np.array_equal(r, np.rot90(corner, -1)) for r in turned[20:])
    assert corners == {"anticlockwise", "clockwise"}


def test_turning_keeps_the_ink_near_the_centre_and_loses_little(digits):
    images, _ = digits
    turned = rotate(images, 30)
    ink_before, ink_after = images.astype(float).sum(), turned.astype(float).sum()
    assert abs(ink_after - ink_before) / ink_before < 0.05


@pytest.mark.parametrize("pixels", [1, 2, 3])
def test_thicker_and_thinner_change_a_bars_width_by_that_many_pixels(pixels):
    bar = vertical_bar(5)
    assert bar_width(thicker(bar[None], pixels)[0]) == 5 + pixels
    assert bar_width(thinner(bar[None], pixels)[0]) == 5 - pixels
    assert bar_width(thinner(vertical_bar(pixels)[None], pixels)[0]) == 0  # no wider than that: gone


def test_noise_has_the_standard_deviation_asked_for_and_is_the_same_for_a_seed():
    grey = np.full((50, 28, 28), 128, np.uint8)
    noisy = noise(grey, 10, seed=5)
    difference = noisy.astype(float) - 128
    assert abs(difference.mean()) < 0.3 and abs(difference.std() - 25.5) < 0.3
    assert np.array_equal(noisy, noise(grey, 10, seed=5)) and not np.array_equal(noisy, noise(grey, 10, seed=6))
    assert noise(np.zeros((2, 28, 28), np.uint8), 40).min() == 0  # clipped, not wrapped round


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_blurring_a_single_dot_spreads_it_as_a_gaussian(sigma):
    dot = np.zeros((1, 28, 28), np.uint8)
    dot[0, 14, 14] = 255
    offsets = np.arange(-13, 14)
    bell = np.exp(-(offsets**2) / (2 * sigma**2)) * (np.abs(offsets) <= int(4 * sigma + 0.5))  # scipy truncates at 4σ
    bell /= bell.sum()
    expected = 255 * np.outer(bell, bell)
    assert np.abs(blur(dot, sigma)[0, 1:, 1:].astype(float) - expected).max() <= 0.5 + 1e-9


def test_the_panel_uses_a_fixed_sample_of_the_whole_test_set():
    picked = sample(10_000)
    assert len(picked) == SAMPLE_SIZE == len(set(picked)) and np.array_equal(picked, sample(10_000))
    assert (picked < 5000).mean() == pytest.approx(0.5, abs=0.05)  # both halves of the test set, about evenly


def test_the_panels_accuracies_are_the_models_own_on_the_same_pictures(default_predictor):
    data = load_mnist()
    panel = stress_images(data.x_test, data.y_test, size=400)
    result = stress_test(default_predictor, panel)
    assert result.images == 400
    model = default_predictor.model

    def keras_accuracy(images):
        probabilities = model(tf.constant(images, tf.float32) / 255.0, training=False).numpy()
        return float((probabilities.argmax(axis=1) == panel.labels).mean())

    picked = sample(len(data.y_test), 400)
    assert result.clean == keras_accuracy(data.x_test[picked])
    for corruption in CORRUPTIONS:
        curve = result.curves[corruption.kind]
        assert [strength for strength, _ in curve] == [0.0, *corruption.strengths]
        for strength, accuracy in curve[1:]:
            changed = corruption.apply(data.x_test[picked], strength, 0)
            assert accuracy == keras_accuracy(changed), (corruption.kind, strength)
    assert result.accuracy("noise", 40) < result.clean  # the strongest noise costs the default model


@pytest.mark.slow
def test_moved_four_pixels_an_mlp_reads_far_fewer_digits_than_a_cnn():
    """Short runs of the seed MLP and of the CNN preset (which also trains on digits moved up to 2 pixels)."""
    data = load_mnist()
    panel = stress_images(data.x_test, data.y_test, size=1000)
    short = {"epochs": 3, "train_size": 6000, "validation": 1000}
    mlp = stress_test(Predictor(train(TrainConfig(**short)).model), panel)
    cnn = stress_test(Predictor(train(PRESETS["cnn"].replace(**short)).model), panel)
    assert mlp.clean > 0.85 and cnn.clean > 0.85
    assert mlp.accuracy("shift", 4) < cnn.accuracy("shift", 4) - 0.3, (mlp.curves["shift"], cnn.curves["shift"])


def test_the_stress_tab_draws_a_line_per_model_with_the_engines_numbers(evaluate, default_predictor, evaluate_home):
    from class_server.registry import Registry
    from ui.plain_text import plain
    from ui.stress_view import headline

    at = evaluate
    assert not drawn_curves(at)  # nothing is measured until asked: the other tabs stay quick
    assert any(button.label == "Run the stress test" for button in at.button)
    # What pressing it does (AppTest's clicks do not reach this page's buttons; the browser test presses it).
    at.session_state["stress_run"] = True
    at.selectbox(key="stress_other").set_value("Untrained").run()
    assert not at.exception, [e.message for e in at.exception]

    data = load_mnist()
    panel = stress_images(data.x_test, data.y_test)
    untrained = next(run for run in Registry(evaluate_home).list_runs() if run.name == "Untrained")
    expected = {
        "Default model": stress_test(default_predictor, panel),
        "Untrained": stress_test(Predictor.from_file(untrained.model_path), panel),
    }
    charts = drawn_curves(at)
    assert list(charts) == [c.title for c in CORRUPTIONS]  # one chart per change
    for corruption in CORRUPTIONS:
        lines = charts[corruption.title]
        assert list(lines) == ["Default model", "Untrained"]  # two lines
        for name, result in expected.items():
            assert lines[name] == list(result.curves[corruption.kind])
    sentence = headline(expected)
    assert any(element.value == f"**{plain(sentence)}**" for element in at.markdown), sentence
    assert "Default model still reads" in sentence and "Untrained only" in sentence
    table = next(frame.value for frame in at.dataframe if "Change" in frame.value.columns)
    assert table["Default model"].iloc[0] == pytest.approx(100 * expected["Default model"].clean)
    assert any(f"the same {SAMPLE_SIZE:,} test images" in caption.value for caption in at.caption)


def test_the_sentence_names_the_hardest_change_or_where_two_models_differ_most():
    from mnist_core.stress import StressResult
    from ui.stress_view import headline

    def result(moved4: float, noise40: float) -> StressResult:
        curves = {c.kind: tuple((float(s), 0.9) for s in (0, *c.strengths)) for c in CORRUPTIONS}
        curves["shift"] = (*curves["shift"][:-1], (4.0, moved4))
        curves["noise"] = (*curves["noise"][:-1], (40.0, noise40))
        return StressResult(images=2000, curves=curves)

    mlp, cnn = result(moved4=0.35, noise40=0.6), result(moved4=0.96, noise40=0.5)
    assert headline({"Seed MLP": mlp}) == (
        "Moved 4 pixels, Seed MLP reads 35% of the digits right (90% of the unchanged ones): its hardest test here."
    )
    assert headline({"Seed MLP": mlp, "CNN": cnn}) == (
        "Moved 4 pixels, CNN still reads 96% of the digits right and Seed MLP only 35%: "
        "the biggest difference between them."
    )
    assert headline({"CNN": cnn, "Seed MLP": mlp}) == headline({"Seed MLP": mlp, "CNN": cnn})
