"""Draw: a digit on the canvas (or a photo), the 28x28 image the model sees, and its answer."""

from __future__ import annotations

import streamlit as st

from ui.answer_view import show_answer, show_waiting
from ui.canvas import CANVAS_SIZE, drawing_canvas, model_input, stroke_width_slider
from ui.charts import BLANK, pixels, saliency_overlay
from ui.nearest_view import nearest_training_images
from ui.network_view import inside_the_network
from ui.photo_upload import upload
from ui.plain_text import plain
from ui.resources import choose_model
from ui.saved_drawings import save_drawing
from ui.streamlit_patches import use_app_navigation


def canvas(stroke_width: int):
    """The drawing surface; returns its picture (RGBA array) or None."""
    st.session_state.setdefault("canvas_number", 0)
    return drawing_canvas(stroke_width, key=f"canvas_{st.session_state.canvas_number}")


def clear() -> None:
    st.session_state.canvas_number += 1  # a new key gives an empty canvas


def model_view(predictor, prepared) -> None:
    """The 28x28 picture the model is given (blank before a drawing) and, on request, why it answered."""
    st.markdown("**What the model is given** (28x28)")
    st.image(pixels(prepared.image if prepared else BLANK), width=280)
    if st.toggle(
        "Why this answer?",
        help="Red pixels pushed the answer up, blue ones pushed it down (gradient x input).",
        disabled=prepared is None,
    ):
        st.image(saliency_overlay(prepared.image, predictor.saliency(prepared.image)), width=280)


use_app_navigation()
st.title("Draw")
st.caption("Draw one digit, 0 to 9, with the mouse or a finger. Lift the pen and the model answers.")
label, predictor = choose_model()
stroke_width = stroke_width_slider()

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
prepared = uploaded or model_input(raw)

if prepared is None:
    with answer_col:
        show_waiting()
    with seen_col:
        model_view(predictor, None)
elif predictor is not None:
    # The answer first: Streamlit sends each element as the script makes it, so the answer and its bars
    # reach the screen before the pictures beside and below them are even made.
    with answer_col:
        said = show_answer(predictor, prepared)
        save_drawing(prepared, raw if uploaded is None else None, said.top)
    with seen_col:
        model_view(predictor, prepared)
    nearest_training_images(predictor, prepared.image)
    inside_the_network(predictor, prepared.image)
st.sidebar.caption(f"Answering: {plain(label)}")
