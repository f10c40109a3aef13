"""Draw and Evaluate pages: "Inside the network", every layer's output for one image, in order."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core.geometry import SIZE
from mnist_core.network_trace import as_png, map_grid, unit_grid
from ui.charts import probability_bars_html, score_bars_html

FEATURE_MAP = (
    "A **feature map** is a picture of where in the image one filter found its pattern "
    '(a stroke, an edge, a curve): bright means "found it here".'
)
EXPLAINED = {
    "conv": "Each small picture is one feature map.",
    "pool": "Pooling keeps the brightest pixel of every 2x2 square: smaller maps, same patterns.",
    "hidden": "Each square is one unit (a neuron); bright ones fire for this image.",
}


def inside_the_network(predictor, image28) -> None:
    """Every layer for this image, left to right as the data flows; a plain message if it cannot."""
    try:
        drawing = np.asarray(image28, np.uint8).tobytes()
        layers, pictures = _layers_and_pictures(_model_key(predictor), drawing, predictor)
    except ValueError as error:
        st.info(f"This model's layers cannot be shown: {error}")
        return
    st.subheader("Inside the network")
    if any(layer.kind == "conv" for layer in layers):
        st.markdown(FEATURE_MAP)
    maps = [(layer, png) for layer, png in zip(layers, pictures, strict=True) if layer.values.ndim == 3]
    for start in range(0, len(maps), 2):  # a convolution beside its pooling step
        for column, (layer, png) in zip(st.columns(2, gap="medium"), maps[start : start + 2], strict=False):
            with column:
                picture(layer.title, EXPLAINED[layer.kind], png)
    for layer, png in zip(layers, pictures, strict=True):
        if layer.kind == "hidden":
            picture(layer.title, EXPLAINED["hidden"], png)
    scores, softmax = layers[-2], layers[-1]
    left, right = st.columns(2, gap="medium")
    left.markdown(f"**{scores.title}**")
    left.caption("The biggest score wins; the numbers can be below zero.")
    left.markdown(score_bars_html(scores.values, scores.title), unsafe_allow_html=True)
    right.markdown(f"**{softmax.title}**")
    right.caption("The model's answer is the digit with the highest probability.")
    top = int(softmax.values.argmax())
    bars = probability_bars_html(softmax.values, (top,), softmax.title, captioned=False)  # titled just above
    right.markdown(bars, unsafe_allow_html=True)


# A drawing's layers and pictures are made once: a rerun for the same drawing (the "Why this answer?" toggle,
# Save as label, another student drawing the same pixels) reuses them. 32 drawings of the default CNN are
# about 10 MB.
@st.cache_data(max_entries=32, show_spinner=False)
def _layers_and_pictures(model_key: str, image_bytes: bytes, _predictor) -> tuple[list, list[bytes | None]]:
    layers = _predictor.inside(np.frombuffer(image_bytes, np.uint8).reshape(SIZE, SIZE))
    pictures = [
        as_png(map_grid(layer.values) if layer.values.ndim == 3 else unit_grid(layer.values))
        if layer.kind in ("conv", "pool", "hidden")
        else None
        for layer in layers
    ]
    return layers, pictures


def _model_key(predictor) -> str:
    """The model file and when it was written: a model saved again under the same name is another model."""
    if predictor.path is None:
        return f"unsaved model {id(predictor)}"
    return f"{predictor.path}:{predictor.path.stat().st_mtime_ns}"


def picture(title: str, explanation: str, png: bytes) -> None:
    st.markdown(f"**{title}**")
    st.caption(explanation)
    width = int.from_bytes(png[16:20], "big")  # the PNG header's width: no need to decode the picture
    st.image(png, width="stretch" if width > 360 else "content")
