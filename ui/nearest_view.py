"""Draw page (and Evaluate): "It learned this from these", the six training images the network finds most
like an image, from the index of its last hidden layer (``mnist_core.nearest``).

The index is built once per model per server, in the background (the default CNN: about 7 s on 2 cores, 31 MB):
the first drawing of a model shows the section filling in when it is ready; every later drawing costs one
query of a few milliseconds. The app's own models keep their index on disk, so after its first build ever a
server loads the default model's at once (mnist_core/nearest_record.py).
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from mnist_core.errors import UserError
from mnist_core.nearest import NearestIndex
from ui.charts import digit_grid

HEADING = "It learned this from these"
KEY = "nearest_training_images"  # the section's container: its class in the page is st-key-<KEY>
# Six in one row on a tablet (820 px wide, the sidebar open, leaves the page about 490 px); 84 px wrapped one.
PICTURE_WIDTH = 72


def nearest_training_images(predictor, image28, what: str = "your drawing", key: str = KEY) -> None:
    """The heading, one sentence, and the six nearest training images with their labels; ``what`` names the
    image in that sentence (Evaluate: "this test image"); ``key`` tells two such sections on one page apart.
    While the model's index is still being built the section says so, and fills in by itself when it is ready."""
    building = _building_for(predictor)
    if building is None:
        return
    with st.container(key=key):
        st.subheader(HEADING)
        st.caption(f"The six training images that the network finds most like {what}, with their labels.")
        if not building.ready.is_set():
            _until_ready(building)
            return
        if building.problem:
            st.info(building.problem)
            return
        found = building.index.query(np.asarray(image28, np.uint8))
        if found.distances[0] >= 1:  # no unit of the last hidden layer fired: nothing is like it
            st.caption("Its last layer gives nothing for this image, so no training image is like it.")
            return
        images = _training_images()
        st.image(
            digit_grid(images[found.indices]), caption=[f"label {label}" for label in found.labels], width=PICTURE_WIDTH
        )


@st.fragment(run_every=1.0)
def _until_ready(building: _Building) -> None:
    """Says the index is being built, and reruns the page once it is: only this part reruns meanwhile."""
    if building.ready.is_set():
        st.rerun(scope="app")
    st.caption(
        "The network is reading its 60,000 training images for the first time (once per model, a few "
        "seconds): the six appear here when it is done."
    )


def _training_images() -> np.ndarray:
    from mnist_core.data import load_mnist

    return load_mnist().x_train


class _Building:
    """A model's index, built in a thread of its own. Built in the page's own script, the first drawing of a
    model held its page (and every other student's first drawing, waiting on the same cache entry) for the
    whole build: 7 s on an idle 2-core server, over 30 s with a class drawing and a run training."""

    def __init__(self, predictor):
        self.index: NearestIndex | None = NearestIndex.kept(predictor)  # the default model's: loaded in 0.1 s
        self.problem: str | None = None
        self.ready = threading.Event()
        if self.index is not None:
            self.ready.set()
        else:
            threading.Thread(target=self._build, args=(predictor,), name="nearest-index", daemon=True).start()

    def _build(self, predictor) -> None:
        try:
            self.index = NearestIndex.of_training_set(predictor)
        except ValueError as error:
            self.problem = f"The training images most like this one cannot be found for this model: {error}"
        except (OSError, UserError) as error:
            self.problem = f"The training images cannot be compared with this one: {error}"
        finally:
            self.ready.set()


def _building_for(predictor) -> _Building | None:
    """The model's index, being built or built; None with a plain message when its file cannot be read."""
    try:
        if predictor.path is None:  # an unsaved model (the pages offer none): known by the object itself
            return _building(f"unsaved model {id(predictor)}", 0.0, predictor)
        return _building(str(predictor.path), predictor.path.stat().st_mtime, predictor)
    except OSError as error:
        st.info(f"The training images cannot be compared with this one: {error}")
    return None


# Cached by path and modification time as the loaded models are (ui/resources.py), so a model saved again is
# indexed again. An index is 31 MB for 128 hidden units: three models' at most.
@st.cache_resource(max_entries=3, show_spinner=False)
def _building(path: str, modified: float, _predictor) -> _Building:
    return _Building(_predictor)
