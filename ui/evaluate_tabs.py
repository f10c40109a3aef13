"""Evaluate's headline (accuracy, loss, wrong answers), its "Inside the network" and "Class drawings" tabs,
and the model's download: the page lays them out (pages/evaluate.py)."""

from __future__ import annotations

import streamlit as st

from mnist_core.errors import UserError
from mnist_core.evaluation import evaluate, first_layer_pictures
from mnist_core.wording import accuracy_percent, percent
from ui.charts import digit_grid, weight_pictures
from ui.confusion_view import gallery
from ui.network_view import inside_the_network
from ui.resources import mnist, registry


def headline(result) -> None:
    """Three numbers in a row, each short enough for a third of a tablet's width: the number of test
    images is in the help ("1,171 of 10,000" was cut to "1,171 of 10,...", and so was a label with it)."""
    left, middle, right = st.columns(3)
    left.metric("Test accuracy", accuracy_percent(result.accuracy))
    middle.metric("Test loss", f"{result.loss:.4f}")
    wrong = int((result.predicted != result.labels).sum())
    right.metric("Wrong answers", f"{wrong:,}", help=f"{wrong:,} of the {len(result.labels):,} test images")


def learned_tab(predictor, result) -> None:
    kind, pictures = first_layer_pictures(predictor.model)
    if kind == "dense":
        st.markdown(
            "**The first layer's strongest units**: each looks at the 28x28 image through these weights "
            "(red adds, blue subtracts)."
        )
    else:
        st.markdown("**The first convolution's filters**: 3x3 patterns it looks for everywhere in the image.")
    st.pyplot(weight_pictures(pictures), width="content")
    data = mnist()
    index = st.number_input(
        "Test image number", 0, len(data.y_test) - 1, 0, help="See what each layer makes of one test image."
    )
    image = data.x_test[index]
    st.image(digit_grid([image], scale=6)[0], caption=f"label {data.y_test[index]}, read as {result.predicted[index]}")
    inside_the_network(predictor, image)


def drawings_tab(predictor) -> None:
    try:
        images, labels = registry().drawings()
    except UserError as error:  # only this tab needs the run store: the other tabs still show
        st.error(f"The class's drawings cannot be read: {error}")
        return
    if len(labels) == 0:
        st.caption(
            "No drawings saved yet. On the Draw page, draw a digit and press **Save as label**: "
            "the class builds its own test set."
        )
        return
    result = evaluate(predictor.probabilities_many(images), labels)
    st.metric("Accuracy on the class's drawings", percent(result.accuracy, 1), help=f"{len(labels)} drawings")
    st.markdown("**Drawings it got wrong**")
    gallery(result.mistakes(), result, images)


def download_button(predictor) -> None:
    """The picked model's file, for a student to keep (nothing for a model without a file)."""
    if predictor.path is not None and predictor.path.exists():
        st.sidebar.download_button("Download this model (.keras)", predictor.path.read_bytes(), predictor.path.name)
