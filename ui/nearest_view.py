"""Draw page (and Evaluate): "It learned this from these", the six training images the network finds most
like an image, from the index of its last hidden layer (``mnist_core.nearest``).

The index is built once per model per server (the default CNN: about 7 s on 2 cores, 31 MB), so the first
drawing of a model waits for it under its answer; every later drawing costs one query of a few milliseconds.
"""

from __future__ import annotations

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
    image in that sentence (Evaluate: "this test image"); ``key`` tells two such sections on one page apart."""
    index = _index_for(predictor)
    if index is None:
        return
    found = index.query(np.asarray(image28, np.uint8))
    with st.container(key=key):
        st.subheader(HEADING)
        st.caption(f"The six training images that the network finds most like {what}, with their labels.")
        if found.distances[0] >= 1:  # no unit of the last hidden layer fired: nothing is like it
            st.caption("Its last layer gives nothing for this image, so no training image is like it.")
            return
        images = _training_images()
        st.image(
            digit_grid(images[found.indices]), caption=[f"label {label}" for label in found.labels], width=PICTURE_WIDTH
        )


def _training_images() -> np.ndarray:
    from mnist_core.data import load_mnist

    return load_mnist().x_train


def _index_for(predictor) -> NearestIndex | None:
    """The model's index, built on its first use; None with a plain message when it cannot be."""
    try:
        if predictor.path is None:  # an unsaved model (the pages offer none): known by the object itself
            return _index(f"unsaved model {id(predictor)}", 0.0, predictor)
        return _index(str(predictor.path), predictor.path.stat().st_mtime, predictor)
    except ValueError as error:
        st.info(f"The training images most like this one cannot be found for this model: {error}")
    except (OSError, UserError) as error:
        st.info(f"The training images cannot be compared with this one: {error}")
    return None


# Cached by path and modification time as the loaded models are (ui/resources.py), so a model saved again is
# indexed again. An index is 31 MB for 128 hidden units: three models' at most.
@st.cache_resource(
    max_entries=3, show_spinner="Finding the training images most like this one (slow only the first time)..."
)
def _index(path: str, modified: float, _predictor) -> NearestIndex:
    return NearestIndex.of_training_set(_predictor)
