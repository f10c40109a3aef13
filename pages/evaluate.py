"""Evaluate: where the model goes wrong, how each digit fares, what it learned, and the dropout study."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.evaluation import activations, compare, evaluate, first_layer_pictures
from mnist_core.errors import UserError
from mnist_core.registry import WITH_MODEL
from mnist_core.study import STUDIES, free_study_number, run_name, run_prefix, study_table, variant_label
from ui.charts import confusion_figure, digit_grid, gap_against_dropout, weight_pictures
from ui.resources import (choose_model, chosen_model, evaluation_of, is_teacher, job_manager, load_predictor, mnist,
                          model_choices, open_registry, registry, user_id)
from ui.streamlit_patches import use_app_navigation

ANY = "Any"


def headline(result) -> None:
    left, middle, right = st.columns(3)
    left.metric("Test accuracy", f"{result.accuracy:.2%}")
    middle.metric("Test loss", f"{result.loss:.4f}")
    right.metric("Wrong answers", f"{int((result.predicted != result.labels).sum()):,} of {len(result.labels):,}")


def gallery(indices, result, images, limit: int = 40) -> None:
    if len(indices) == 0:
        st.caption("No images here.")
        return
    shown = indices[:limit]
    captions = [f"true {result.labels[i]} → {result.predicted[i]} ({result.confidence[i]:.0%})" for i in shown]
    st.image(digit_grid(images[shown]), caption=captions, width=84)
    if len(indices) > limit:
        st.caption(f"The {limit} most confident of {len(indices)}.")


def errors_tab(result, images) -> None:
    st.subheader("Confusion matrix")
    normalised = st.toggle("Share of each true digit", help="Divide each row by how many test images of that digit "
                                                             "there are.")
    matrix = result.confusion_normalised() if normalised else result.confusion
    figure = confusion_figure(matrix, normalised)
    left, right = st.columns([3, 2])
    left.pyplot(figure, width="stretch")
    with right:
        st.markdown("**Pick a cell** to see its images")
        true = st.selectbox("True digit", range(10), key="cell_true", index=4)
        predicted = st.selectbox("Predicted digit", range(10), key="cell_predicted", index=9)
        cell = result.cell(true, predicted)
        st.caption(f"{len(cell)} test images are a {true} that the model read as {predicted}.")
        st.markdown("**Most confused pairs**")
        pairs = pd.DataFrame(result.most_confused(8), columns=["True digit", "Predicted digit", "Images"])
        st.dataframe(pairs, hide_index=True, width="stretch")
    gallery(cell, result, images)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    st.download_button("Download the confusion matrix (PNG)", buffer.getvalue(), "confusion_matrix.png", "image/png")

    st.subheader("Misclassified images")
    left, middle, right = st.columns(3)
    true_filter = left.selectbox("True digit is", [ANY, *range(10)], key="wrong_true")
    predicted_filter = middle.selectbox("Model said", [ANY, *range(10)], key="wrong_predicted")
    order = right.radio("Order", ["Most confident first", "Least confident first"], horizontal=True)
    wrong = result.mistakes(None if true_filter == ANY else true_filter,
                            None if predicted_filter == ANY else predicted_filter)
    if order == "Least confident first":
        wrong = wrong[::-1]
    gallery(wrong, result, images)


def per_digit_tab(result) -> None:
    report = result.report()
    st.dataframe(report, hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="%.3f")
                                for k in ("precision", "recall", "f1")})
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
    table = compare(result, evaluation_of(other)).rename(columns={"a": label, "b": other_label})
    st.dataframe(table, hide_index=True, width="stretch")


def learned_tab(predictor, result) -> None:
    kind, pictures = first_layer_pictures(predictor.model)
    if kind == "dense":
        st.markdown("**The first layer's strongest units**: each looks at the 28x28 image through these weights "
                    "(red adds, blue subtracts).")
    else:
        st.markdown("**The first convolution's filters**: 3x3 patterns it looks for everywhere in the image.")
    st.pyplot(weight_pictures(pictures), width="content")
    data = mnist()
    index = st.number_input("Test image number", 0, len(data.y_test) - 1, 0,
                            help="See what each layer makes of one test image.")
    image = data.x_test[index]
    left, right = st.columns([1, 3])
    left.image(digit_grid([image], scale=6)[0],
               caption=f"label {data.y_test[index]}, read as {result.predicted[index]}")
    with right:
        for name, values in activations(predictor.model, image):
            flat = np.asarray(values).reshape(-1)
            st.caption(f"{name}: {flat.size} values, {int((flat > 0).sum())} active")
            st.bar_chart(pd.DataFrame({"activation": flat[:256]}), height=110)


def drawings_tab(predictor) -> None:
    try:
        images, labels = registry().drawings()
    except UserError as error:  # only this tab needs the run store: the other tabs still show
        st.error(f"The class's drawings cannot be read: {error}")
        return
    if len(labels) == 0:
        st.caption("No drawings saved yet. On the Draw page, draw a digit and press **Save as label**: "
                   "the class builds its own test set.")
        return
    result = evaluate(predictor.probabilities_many(images), labels)
    st.metric("Accuracy on the class's drawings", f"{result.accuracy:.1%}", help=f"{len(labels)} drawings")
    st.markdown("**Drawings it got wrong**")
    gallery(result.mistakes(), result, images)


def queue_study() -> None:
    """Queue every variant of the dropout study as one request (all of it, or none with the reason)."""
    variants = STUDIES["dropout"]
    try:
        stamp = free_study_number("dropout", [run.name for run in open_registry().list_runs()])
        job_manager().submit_group([(config, run_name("dropout", variant, stamp)) for variant, config in variants],
                                   owner=user_id(), teacher=is_teacher())
    except UserError as error:
        st.error(f"The study was not queued. {error}")
        return
    st.toast(f"Queued {len(variants)} runs. Watch them on the Train page, or wait here.")


def study_tab() -> None:
    st.markdown("The seed notebook's ablations: the same MLP with more or less dropout and with 1, 2 or 3 dense "
                "layers. Each variant trains on the Train page's queue; the table fills in as they finish.")
    if st.button("Run the dropout study", type="primary"):
        queue_study()
    runs = [r for r in open_registry().list_runs() if r.name.startswith(run_prefix("dropout"))]
    done = [r for r in runs if r.status in WITH_MODEL and r.metrics]
    waiting = len(runs) - len(done)
    if waiting:
        st.info(f"{waiting} study runs are queued, running or did not finish.")
    if not done:
        return
    rows = [{"label": variant_label("dropout", r.config) or r.name,
             "dropout": r.config["dropouts"][0],
             "train_accuracy": r.metrics["train_accuracy"], "test_accuracy": r.metrics["test_accuracy"]}
            for r in reversed(done)]
    frame = study_table(rows)
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="percent")
                                for k in ("Train accuracy", "Test accuracy", "Gap")})
    st.altair_chart(gap_against_dropout(frame), width="stretch")


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
    ["Errors", "Per digit", "Class drawings", "Dataset", "Compare models", "Inside the network", "Dropout study"])
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
