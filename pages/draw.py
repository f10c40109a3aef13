"""Draw: a digit on the canvas (or a photo), the 28x28 image the model sees, and its answer."""

from __future__ import annotations

import streamlit as st

from mnist_core.errors import UserError
from mnist_core.geometry import PEN_WIDTH
from mnist_core.preprocess import MAX_UPLOAD_BYTES, decode_upload, prepare_canvas, prepare_digit
from ui.canvas import CANVAS_SIZE, drawing_canvas
from ui.charts import pixels, probability_bars, saliency_overlay
from ui.network_view import inside_the_network
from ui.plain_text import plain
from ui.resources import choose_model
from ui.saved_drawings import save_drawing
from ui.streamlit_patches import use_app_navigation

UNSURE_BELOW = 0.6  # a top probability under this is shown as a guess, not an answer
MOSTLY_INK = 0.5


def canvas(stroke_width: int):
    """The drawing surface; returns its picture (RGBA array) or None."""
    st.session_state.setdefault("canvas_number", 0)
    return drawing_canvas(stroke_width, key=f"canvas_{st.session_state.canvas_number}")


def clear() -> None:
    st.session_state.canvas_number += 1  # a new key gives an empty canvas


def answer(predictor, prepared) -> int:
    """The model's answer, how sure it is, and all ten probabilities; returns the digit."""
    probabilities = predictor.probabilities(prepared.image)
    ranked = probabilities.argsort()[::-1]
    top, second = int(ranked[0]), int(ranked[1])
    st.markdown(f"## Prediction: {top}")
    if prepared.ink_fraction > MOSTLY_INK:
        st.info("The canvas is mostly ink, so this is hardly a digit. Press **Clear** and draw one digit.")
    elif probabilities[top] < UNSURE_BELOW:
        st.warning(
            f"The model is unsure: {probabilities[top]:.0%} for {top}, "
            f"{probabilities[second]:.0%} for {second}. Try drawing it larger or more clearly."
        )
    else:
        st.caption(f"{probabilities[top]:.1%} sure.")
    st.altair_chart(probability_bars(probabilities), width="stretch")
    return top


def model_view(predictor, prepared) -> None:
    st.markdown("**What the model is given** (28x28)")
    st.image(pixels(prepared.image), width=280)
    if st.toggle(
        "Why this answer?", help="Red pixels pushed the answer up, blue ones pushed it down (gradient x input)."
    ):
        st.image(saliency_overlay(prepared.image, predictor.saliency(prepared.image)), width=280)


def upload():
    """A photo of a digit on paper, as an alternative to drawing; returns a Prepared or None."""
    file = st.file_uploader(
        "Or upload a photo of a digit (PNG or JPEG)",
        type=["png", "jpg", "jpeg"],
        help=f"At most {MAX_UPLOAD_BYTES // 2**20} MB. Dark ink on light paper is fine.",
    )
    if file is None:
        return None
    try:
        prepared = prepare_digit(decode_upload(file.getvalue(), file.name))
    except UserError as error:
        st.error(f"{plain(file.name)}: {error}")
        return None
    if prepared is None:
        st.warning(f"{plain(file.name)}: no digit found in this image.")
    return prepared


use_app_navigation()
st.title("Draw")
st.caption("Draw one digit, 0 to 9, with the mouse or a finger. Lift the pen and the model answers.")
label, predictor = choose_model()
stroke_width = st.sidebar.slider(
    "Stroke width", 8, 40, PEN_WIDTH, key="stroke_width", help="Thick strokes look most like MNIST."
)

# Side by side where they fit, one under another where they do not (a tablet, a phone): the canvas
# always gets its full width, so no part of it is cut off, and the answer comes right after it.
row = st.container(horizontal=True, gap="small")
draw_col, answer_col, seen_col = (row.container(width=width) for width in (CANVAS_SIZE, 320, CANVAS_SIZE))
upload_area = st.container()  # below the answer, so a phone shows canvas, picture and answer first
with draw_col:
    raw = canvas(stroke_width)
    st.button("Clear", on_click=clear)
with upload_area:
    uploaded = upload()
prepared = uploaded or prepare_canvas(raw)

if prepared is None:
    answer_col.markdown("## Draw a digit")
    answer_col.caption("The model's answer appears here.")
elif predictor is not None:
    with seen_col:
        model_view(predictor, prepared)
    with answer_col:
        predicted = answer(predictor, prepared)
        save_drawing(prepared, raw if uploaded is None else None, predicted)
    inside_the_network(predictor, prepared.image)
st.sidebar.caption(f"Answering: {plain(label)}")
