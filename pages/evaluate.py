"""Evaluate: where the model goes wrong, how each digit fares, what it learned, and the dropout study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.errors import UserError
from mnist_core.evaluation import compare, evaluate, first_layer_pictures
from ui.charts import digit_grid, weight_pictures
from ui.confusion_view import errors_tab, gallery
from ui.network_view import inside_the_network
from ui.resources import choose_model, chosen_model, evaluation_of, load_predictor, mnist, model_choices, registry
from ui.run_history import PERCENT, in_percent
from ui.streamlit_patches import use_app_navigation
from ui.study_view import study_tab


def headline(result) -> None:
    """Three numbers in a row, each short enough for a third of a tablet's width: the number of test
    images is in the help ("1,171 of 10,000" was cut to "1,171 of 10,...", and so was a label with it)."""
    left, middle, right = st.columns(3)
    left.metric("Test accuracy", f"{result.accuracy:.2%}")
    middle.metric("Test loss", f"{result.loss:.4f}")
    wrong = int((result.predicted != result.labels).sum())
    right.metric("Wrong answers", f"{wrong:,}", help=f"{wrong:,} of the {len(result.labels):,} test images")


def per_digit_tab(result) -> None:
    report = result.report()
    st.dataframe(
        report,
        hide_index=True,
        width="stretch",
        column_config={k: st.column_config.NumberColumn(format="%.3f") for k in ("precision", "recall", "f1")},
    )
    st.caption("Click a column header to sort. Recall is the share of each digit read correctly.")
    st.download_button("Download as CSV", report.to_csv(index=False), "per_digit_metrics.csv", "text/csv")


def dataset_tab() -> None:
    data = mnist()
    split = st.radio("Images from", ["Training set", "Test set"], horizontal=True)
    images, labels = (data.x_train, data.y_train) if split == "Training set" else (data.x_test, data.y_test)
    if st.button("Show other images"):
        st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1
    picked = np.random.default_rng(st.session_state.get("sample_seed", 0)).choice(len(labels), 32, replace=False)
    st.image(digit_grid(images[picked]), caption=[f"label {labels[i]}" for i in picked], width=84)
    balance = pd.DataFrame({"Digit": [str(d) for d in range(10)], "Images": np.bincount(labels, minlength=10)})
    st.markdown("**How many images of each digit**")
    st.bar_chart(balance, x="Digit", y="Images", height=240)


def compare_tab(label, result) -> None:
    choices = model_choices()
    others = [name for name in choices if choices[name] != chosen_model()]
    if not others:
        st.caption("Train another model on the Train page to compare it with this one.")
        return
    other_label = st.selectbox("Compare with", others)
    other = load_predictor(choices[other_label])
    if other is None:
        return
    table = compare(result, evaluation_of(other)).rename(
        columns={"a": f"A: {label}", "b": f"B: {other_label}", "difference": "B − A"}
    )
    st.dataframe(
        in_percent(table, table.columns[1:]),
        hide_index=True,
        width="stretch",
        height="content",  # all 11 rows: the last one, "All", is the overall accuracy
        column_config=comparison_columns(table.columns),
    )
    st.caption("The share of each digit's test images read correctly. B − A above zero: B reads that digit better.")


def comparison_columns(names) -> dict:
    """Percentages, and widths that keep B − A in view on a tablet however long the runs' names are
    (a cut name shows in full when its heading is pointed at)."""
    digit, first, second, difference = names
    return {
        digit: st.column_config.TextColumn(width=50),
        first: st.column_config.NumberColumn(format=PERCENT, width=150, help=first),
        second: st.column_config.NumberColumn(format=PERCENT, width=150, help=second),
        difference: st.column_config.NumberColumn(format=PERCENT, width=80),
    }


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
    st.metric("Accuracy on the class's drawings", f"{result.accuracy:.1%}", help=f"{len(labels)} drawings")
    st.markdown("**Drawings it got wrong**")
    gallery(result.mistakes(), result, images)


use_app_navigation()
st.title("Evaluate")
label, predictor = choose_model()
if predictor is None:
    st.stop()
result = evaluation_of(predictor)
images = mnist().x_test
headline(result)
if predictor.path is not None and predictor.path.exists():
    st.sidebar.download_button("Download this model (.keras)", predictor.path.read_bytes(), predictor.path.name)

errors, per_digit, drawings, dataset, comparison, learned, study = st.tabs(
    ["Errors", "Per digit", "Class drawings", "Dataset", "Compare models", "Inside the network", "Dropout study"]
)
with errors:
    errors_tab(result, images)
with per_digit:
    per_digit_tab(result)
with drawings:
    drawings_tab(predictor)
with dataset:
    dataset_tab()
with comparison:
    compare_tab(label, result)
with learned:
    learned_tab(predictor, result)
with study:
    study_tab()
