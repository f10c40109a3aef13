"""The index behind "It learned this from these" gives the same six nearest training images as a brute-force
search of their last hidden layer, for the default model and tiny trained MLP and CNN runs."""

import time

import keras
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lab.drawn_digits import load_drawn_digits, render_strokes
from mnist_core.config import TrainConfig
from mnist_core.data import load_mnist
from mnist_core.inference import Predictor
from mnist_core.nearest import K, NearestIndex, Neighbours
from mnist_core.nearest_record import record_path
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.preprocess import prepare_canvas
from mnist_core.trainer import train
from ui.nearest_view import HEADING

DATA = load_mnist()
QUERIES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 42]  # test images, the first of each digit among them
TINY_MLP = TrainConfig(hidden_units=(64, 32), dropouts=(0.0, 0.3), epochs=1, train_size=3000)
# a shift layer too: it must stay still (as it does when predicting) for the index and the query alike
TINY_CNN = TrainConfig(conv_filters=(8,), hidden_units=(32,), dropouts=(0.25,), shift=1, epochs=1, train_size=3000)


def drawn_seven() -> np.ndarray:
    seven = next(d for d in load_drawn_digits() if d["set"] == "holdout" and d["label"] == 7)
    return prepare_canvas(render_strokes(seven["strokes"])).image


def brute_force_distances(model, queries: np.ndarray) -> np.ndarray:
    """Cosine distance from each query to every training image, (queries, 60,000), in float64, each training
    image's activation computed by a Keras sub-model ending at the softmax layer's input, not by the index."""
    sub_model = keras.Model(model.inputs, model.layers[-1].input)
    train_rows = sub_model.predict(DATA.x_train / 255.0, batch_size=2000, verbose=0).astype(np.float64)
    query_rows = sub_model.predict(queries / 255.0, verbose=0).astype(np.float64)
    train_rows /= np.maximum(np.linalg.norm(train_rows, axis=1, keepdims=True), 1e-300)
    query_rows /= np.maximum(np.linalg.norm(query_rows, axis=1, keepdims=True), 1e-300)
    return 1.0 - query_rows @ train_rows.T


def assert_matches_brute_force(predictor: Predictor) -> NearestIndex:
    index = NearestIndex.of_training_set(predictor)
    queries = np.stack([DATA.x_test[i] for i in QUERIES] + [drawn_seven()])
    for image, distances in zip(queries, brute_force_distances(predictor.model, queries), strict=True):
        found = index.query(image)
        expected = np.argsort(distances, kind="stable")[:K]
        np.testing.assert_allclose(found.distances, distances[expected], atol=1e-5)
        np.testing.assert_allclose(found.distances, distances[found.indices], atol=1e-5)
        # the very same images, unless two lie within float32's rounding of each other
        for got, want in zip(found.indices, expected, strict=True):
            assert got == want or abs(distances[got] - distances[want]) < 1e-5
        assert list(found.labels) == list(DATA.y_train[found.indices])
    return index


@pytest.fixture(scope="module")
def default_index() -> NearestIndex:
    return assert_matches_brute_force(Predictor.from_file(DEFAULT_MODEL))


def test_the_default_models_index_gives_the_brute_force_answer(default_index):
    assert default_index.nbytes < 35e6  # 60,000 x 128 float32, and the labels


def test_neighbours_of_clear_test_digits_mostly_share_their_label(default_index):
    probabilities = default_index.predictor.probabilities_many(DATA.x_test[:300])
    clear = np.flatnonzero((probabilities.max(axis=1) > 0.99) & (probabilities.argmax(axis=1) == DATA.y_test[:300]))
    assert len(clear) > 200
    shares = [np.mean(default_index.query(DATA.x_test[i]).labels == DATA.y_test[i]) for i in clear]
    assert np.mean(shares) > 0.95
    assert min(shares) >= 0.5


def test_an_answer_is_six_neighbours_nearest_first(default_index):
    found = default_index.query(drawn_seven())
    assert isinstance(found, Neighbours)
    assert len(found.indices) == len(found.labels) == len(found.distances) == K
    assert np.all(np.diff(found.distances) >= 0) and 0 <= found.distances[0] and found.distances[-1] <= 1
    assert np.sum(found.labels == 7) >= 4
    with pytest.raises(AttributeError):  # a frozen record
        found.labels = None


def test_a_layer_where_nothing_fires_is_like_no_training_image(default_index):
    found = default_index.nearest_to(np.zeros(128, np.float32))
    assert list(found.indices) == list(range(K))  # every image ties: the first ones, in order
    np.testing.assert_allclose(found.distances, 1.0)


@pytest.mark.slow
@pytest.mark.parametrize("config", [TINY_MLP, TINY_CNN], ids=["mlp", "cnn"])
def test_a_trained_runs_index_gives_the_brute_force_answer(config):
    model = train(config).model
    index = assert_matches_brute_force(Predictor(model))
    assert index.nbytes < 60_000 * 33 * 4  # 32 units
    # even after one short epoch, most neighbours of a clear 1 are 1s
    one = DATA.x_test[2]
    assert DATA.y_test[2] == 1 and np.sum(index.query(one).labels == 1) >= 4


def section_for_the_first_test_image(model_path: str) -> AppTest:
    """As Evaluate shows it for one test image, run once, for the model in ``model_path``."""

    def page(model_path):
        from pathlib import Path

        from mnist_core.data import load_mnist
        from ui.nearest_view import nearest_training_images
        from ui.resources import load_predictor

        nearest_training_images(load_predictor(Path(model_path)), load_mnist().x_test[0], what="this test image")

    app = AppTest.from_function(page, default_timeout=300, args=(model_path,)).run()
    assert not app.exception
    return app


def assert_six_labelled_pictures(app: AppTest) -> None:
    """The heading, its sentence and the six pictures the default model's index gives for the first test image."""
    assert [header.value for header in app.subheader] == [HEADING]
    assert "The six training images that the network finds most like this test image" in app.caption[0].value
    (pictures,) = app.image
    expected = NearestIndex.of_training_set(Predictor.from_file(DEFAULT_MODEL)).query(DATA.x_test[0]).labels
    assert list(pictures.captions) == [f"label {label}" for label in expected]


def test_a_models_first_section_says_its_index_is_being_built_and_fills_in_by_itself(tmp_path):
    """A model with no index kept (a run's: the same weights as the default model, in another folder) is indexed
    in the background, not waited for, and nothing is kept beside it."""
    copy = tmp_path / "model.keras"
    copy.write_bytes(DEFAULT_MODEL.read_bytes())
    app = section_for_the_first_test_image(str(copy))
    assert "for the first time" in app.caption[1].value
    assert_six_labelled_pictures(rerun_until_pictures(app))
    assert not record_path(copy).exists()


def test_the_default_models_section_shows_its_pictures_at_once_from_its_kept_index(default_index):
    """The app's own model keeps its index beside its file once built (``default_index`` built or loaded it), so
    a server's first drawing shows the six at once."""
    assert record_path(DEFAULT_MODEL).exists()
    assert_six_labelled_pictures(section_for_the_first_test_image(str(DEFAULT_MODEL)))


def rerun_until_pictures(app: AppTest, seconds: float = 300) -> AppTest:
    """The page run again until the model's index, built in the background, gives the section its pictures."""
    deadline = time.monotonic() + seconds
    while not app.image and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    return app
