"""Evaluate, Errors tab: a confusion matrix you click (or pick with two select boxes), its images, the mistakes."""

from __future__ import annotations

import io

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.data import DIGITS
from mnist_core.wording import percent
from ui.charts import AXIS, TITLE, confusion_figure, digit_grid
from ui.nearest_view import nearest_training_images

ANY = "Any"
GALLERY_LIMIT = 40  # images shown of a cell or of the mistakes, the most confident first
CELL = "cell"  # the chart's selection: a clicked cell's true and predicted digit
# A cell's number shrinks with the chart so that it stays inside its cell on a tablet (1,135 right
# answers are four digits in a cell 23 pixels wide): a character is about 0.6 of the font size.
CELL_FONT_SIZE = "clamp(width / 10 / (0.6 * length(datum.Shown) + 0.3), 9, 14)"


def gallery(indices, result, images, limit: int = GALLERY_LIMIT) -> None:
    if len(indices) == 0:
        st.caption("No images here.")
        return
    shown = indices[:limit]
    captions = [f"true {result.labels[i]} → {result.predicted[i]} ({percent(result.confidence[i])})" for i in shown]
    st.image(digit_grid(images[shown]), caption=captions, width=84)
    if len(indices) > limit:
        st.caption(f"The {limit} most confident of {len(indices):,}.")


def confusion_chart(matrix, normalised: bool) -> alt.LayerChart:
    """True digit down, predicted digit across, a cell per pair; click one to select it.

    Colours follow the logarithm of the value, so a handful of mistakes still shows beside the
    thousand right answers on the diagonal, whose numbers are white on dark blue.
    """
    frame = pd.DataFrame([{"True": t, "Predicted": p, "Value": float(matrix[t, p])} for t in DIGITS for p in DIGITS])
    frame["Shown"] = [
        (percent(v) if v >= 0.005 or v == 0 else "<1%") if normalised else f"{int(v)}" for v in frame["Value"]
    ]
    frame["Shade"] = np.log1p(frame["Value"] * (100 if normalised else 1))
    frame["Cell"] = [
        f"True digit {t}, predicted {p}: {shown}"
        for t, p, shown in zip(frame["True"], frame["Predicted"], frame["Shown"], strict=True)
    ]
    dark = float(frame["Shade"].max()) * 0.6
    pick = alt.selection_point(name=CELL, fields=["True", "Predicted"], on="click", clear=False, empty=False)
    x = alt.X("Predicted:O", title="Predicted digit", axis=alt.Axis(labelAngle=0, orient="top", **AXIS))
    y = alt.Y("True:O", title="True digit", axis=alt.Axis(**AXIS))
    what = "Share of the true digit" if normalised else "Images"
    cells = (
        alt.Chart(frame)
        .mark_rect(stroke="#1f2933", cursor="pointer")
        .encode(
            x=x,
            y=y,
            color=alt.condition(
                alt.datum.Value == 0,
                alt.value("white"),
                alt.Color("Shade:Q", scale=alt.Scale(scheme="blues"), legend=None),
            ),
            description="Cell:N",  # what a screen reader says for the cell (and how a test finds it)
            strokeWidth=alt.condition(pick, alt.value(3), alt.value(0)),
            tooltip=[
                alt.Tooltip("True:O", title="True digit"),
                alt.Tooltip("Predicted:O", title="Predicted digit"),
                alt.Tooltip("Shown:N", title=what),
            ],
        )
        .add_params(pick)
    )
    numbers = (
        alt.Chart(frame)
        .mark_text(fontSize=alt.ExprRef(CELL_FONT_SIZE))
        .encode(
            x=x,
            y=y,
            text="Shown:N",
            color=alt.condition(alt.datum.Shade > dark, alt.value("white"), alt.value("#1f2933")),
        )
    )
    title = "Confusion matrix" + (" (share of each true digit)" if normalised else " (counts)")
    return alt.layer(
        cells, numbers, title=alt.Title(title, subtitle="Click a cell to see its images", subtitleFontSize=13, **TITLE)
    ).properties(height=460)


def clicked_cell(event) -> tuple[int, int] | None:
    points = (event or {}).get("selection", {}).get(CELL) or []
    return (int(points[0]["True"]), int(points[0]["Predicted"])) if points else None


def errors_tab(predictor, result, images) -> None:
    normalised = st.toggle(
        "Share of each true digit", help="Divide each row by how many test images of that digit there are."
    )
    matrix = result.confusion_normalised() if normalised else result.confusion
    left, right = st.columns([3, 2])
    with left:
        event = st.altair_chart(
            confusion_chart(matrix, normalised),
            on_select="rerun",
            selection_mode=CELL,
            key="confusion_chart",
            width="stretch",
        )
    clicked = clicked_cell(event)
    if clicked is not None and clicked != st.session_state.get("cell_clicked"):  # a new click moves the boxes
        st.session_state.cell_clicked = clicked
        st.session_state.cell_true, st.session_state.cell_predicted = clicked
    st.session_state.setdefault("cell_true", 4)  # a 4 read as a 9: a classic first look
    st.session_state.setdefault("cell_predicted", 9)
    with right:
        st.markdown("**Pick a cell**: click it, or choose the two digits here")
        true = st.selectbox("True digit", DIGITS, key="cell_true")
        predicted = st.selectbox("Predicted digit", DIGITS, key="cell_predicted")
        cell = result.cell(true, predicted)
        st.markdown("**Most confused pairs**")
        # Short headings: all three columns fit in this narrow column on a tablet.
        pairs = pd.DataFrame(result.most_confused(8), columns=["True", "Read as", "Images"])
        st.dataframe(pairs, hide_index=True, width="stretch")
    st.markdown(f"**{len(cell)} test images are a {true} that the model read as {predicted}**, with how sure it was")
    gallery(cell, result, images)
    if len(cell) and true != predicted:
        like_what(predictor, cell, result, images)
    buffer = io.BytesIO()
    confusion_figure(matrix, normalised).savefig(buffer, format="png")
    st.download_button("Download the confusion matrix (PNG)", buffer.getvalue(), "confusion_matrix.png", "image/png")
    mistakes(result, images)


def like_what(predictor, cell, result, images) -> None:
    """For one mistake picked from the cell: the training images the network finds most like it (off until
    asked: a model's index of the training images takes several seconds to build the first time)."""
    if not st.toggle("Which training images does the model find most like one of these?", key="mistake_nearest"):
        return
    shown = cell[:GALLERY_LIMIT]
    picked = st.selectbox(
        "Image",
        range(len(shown)),
        format_func=lambda i: f"Image {i + 1} of the {len(shown)} above ({percent(result.confidence[shown[i]])} sure)",
        key="mistake_picked",
    )
    true, said = result.labels[shown[picked]], result.predicted[shown[picked]]
    nearest_training_images(
        predictor, images[shown[picked]], what=f"this {true} that it read as {said}", key="nearest_mistake"
    )


def mistakes(result, images) -> None:
    st.subheader("Misclassified images")
    left, middle, right = st.columns(3)
    true_filter = left.selectbox("True digit is", [ANY, *DIGITS], key="wrong_true")
    predicted_filter = middle.selectbox("Model said", [ANY, *DIGITS], key="wrong_predicted")
    order = right.radio("Order", ["Most confident first", "Least confident first"], horizontal=True)
    wrong = result.mistakes(
        None if true_filter == ANY else true_filter, None if predicted_filter == ANY else predicted_filter
    )
    if order == "Least confident first":
        wrong = wrong[::-1]
    gallery(wrong, result, images)
