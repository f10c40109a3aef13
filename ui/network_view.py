"""Draw and Evaluate pages: "Inside the network", every layer's output for one image, in order."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from mnist_core.network_trace import map_grid, unit_grid
from ui.charts import AXIS, probability_bars

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
        layers = predictor.inside(image28)
    except ValueError as error:
        st.info(f"This model's layers cannot be shown: {error}")
        return
    st.subheader("Inside the network")
    if any(layer.kind == "conv" for layer in layers):
        st.markdown(FEATURE_MAP)
    maps = [layer for layer in layers if layer.values.ndim == 3]
    for start in range(0, len(maps), 2):  # a convolution beside its pooling step
        for column, layer in zip(st.columns(2, gap="medium"), maps[start : start + 2], strict=False):
            with column:
                picture(layer.title, EXPLAINED[layer.kind], map_grid(layer.values))
    for layer in layers:
        if layer.kind == "hidden":
            picture(layer.title, EXPLAINED["hidden"], unit_grid(layer.values))
    scores, softmax = layers[-2], layers[-1]
    left, right = st.columns(2, gap="medium")
    left.markdown(f"**{scores.title}**")
    left.caption("The biggest score wins; the numbers can be below zero.")
    left.altair_chart(score_bars(scores.values), width="stretch")
    right.markdown(f"**{softmax.title}**")
    right.caption("The model's answer is the digit with the highest probability.")
    right.altair_chart(probability_bars(softmax.values).properties(title="", height=220), width="stretch")


def picture(title: str, explanation: str, image) -> None:
    st.markdown(f"**{title}**")
    st.caption(explanation)
    st.image(image, width="stretch" if image.shape[1] > 360 else "content")


def score_bars(scores) -> alt.Chart:
    frame = pd.DataFrame({"Digit": [str(d) for d in range(10)], "Score": [float(s) for s in scores]})
    return (
        alt.Chart(frame)
        .mark_bar(color="#e8590c")
        .encode(
            x=alt.X("Digit:N", sort=None, axis=alt.Axis(labelAngle=0, labelFontSize=16, titleFontSize=14)),
            y=alt.Y("Score:Q", axis=alt.Axis(**AXIS)),
            tooltip=["Digit", alt.Tooltip("Score:Q", format=".2f")],
        )
        .properties(height=220)
    )
