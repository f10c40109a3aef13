"""Train on our drawings: the form that queues a run on the class's drawings, its live curves with Stop,
and before and after side by side. The runs go through the same job queue as the Train page's."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from class_server.registry import ACTIVE, RunStatus
from mnist_core.class_drawings import check_drawings, config_of, missing_digits
from mnist_core.config import DataSource, TrainConfig
from mnist_core.data import DIGITS
from mnist_core.errors import UserError
from mnist_core.wording import accuracy_percent, percent
from ui.charts import epoch_curves
from ui.live_run import STOP_COLUMNS, stop_button
from ui.plain_text import plain
from ui.resources import (
    device_id,
    is_teacher,
    job_manager,
    load_predictor,
    model_choices,
    open_registry,
    registry,
    use_model,
    user_id,
)

FINE_TUNE = "Fine-tune a model on our drawings"
MIXED = "Train a new model on MNIST with our drawings mixed in"
MODES = {FINE_TUNE: DataSource.DRAWINGS, MIXED: DataSource.MIXED}
RATES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3]


def class_drawing_counts() -> np.ndarray:
    """How many drawings of each digit the class has saved, as a bar chart; the drawings' labels.
    A store that cannot be read stops the page with its message."""
    try:
        _, labels = registry().drawings()
    except UserError as error:
        st.error(f"The class's drawings cannot be read: {error}")
        st.stop()
    counts = pd.DataFrame({"Digit": [str(d) for d in DIGITS], "Drawings": np.bincount(labels, minlength=len(DIGITS))})
    st.markdown(f"**The class has saved {len(labels)} drawings** (Draw page, **Save as label**)")
    st.altair_chart(
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("Digit:N", axis=alt.Axis(labelAngle=0, labelFontSize=15)),
            y=alt.Y("Drawings:Q", axis=alt.Axis(tickMinStep=1)),
            tooltip=["Digit", "Drawings"],
        )
        .properties(height=180),
        width="stretch",
    )
    return labels


def drawing_runs_table() -> None:
    """The class's finished runs on its drawings, each with its before and after, in one table."""
    finished = [run for run in drawing_runs() if "after_drawings_accuracy" in run.metrics]
    if not finished:
        return
    st.subheader("The class's runs on our drawings")
    columns = ("Drawings before", "Drawings after", "MNIST before", "MNIST after")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Run": run.name,
                    "How": "fine-tuned" if TrainConfig.from_dict(run.config).fine_tunes else "mixed into MNIST",
                    "Drawings before": run.metrics["before_drawings_accuracy"],
                    "Drawings after": run.metrics["after_drawings_accuracy"],
                    "MNIST before": run.metrics["before_mnist_accuracy"],
                    "MNIST after": run.metrics["after_mnist_accuracy"],
                }
                for run in finished
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={k: st.column_config.NumberColumn(format="percent") for k in columns},
    )


def drawing_warnings(labels) -> bool:
    """Plain messages about the drawings; True when there are enough to train on."""
    try:
        check_drawings(labels)
    except UserError as error:
        st.info(str(error))
        return False
    missing = missing_digits(labels)
    if missing:
        names = ", ".join(str(d) for d in missing)
        st.warning(
            f"No drawings of {names} yet: the model learns nothing about {'it' if len(missing) == 1 else 'them'}"
            " from us, and the held-out test cannot check it. Draw some on the Draw page, or train anyway."
        )
    return True


def training_form(enough: bool) -> None:
    """Choose how to train and queue the run; a plain message when it cannot be queued."""
    mode = st.radio(
        "How",
        list(MODES),
        help="Fine-tuning starts from a trained model and shows what it learns "
        "and forgets; mixing trains a new model on both.",
    )
    choices = model_choices()
    base_label = st.selectbox(
        "Start from" if mode == FINE_TUNE else "Compare with (and copy the layers of)",
        list(choices),
        key="drawings_base",
    )
    left, middle, right = st.columns(3)
    holdout = (
        left.slider(
            "Drawings kept aside to test on",
            10,
            50,
            25,
            5,
            format="%d%%",
            help="The same share of each digit; these drawings are never trained on.",
        )
        / 100
    )
    if mode == FINE_TUNE:
        epochs = middle.slider("Epochs", 1, 50, 10)
        rate = right.select_slider(
            "Learning rate",
            RATES,
            value=1e-4,
            format_func=lambda r: f"{r:g}",
            help="Small, so the model adjusts rather than starts over.",
        )
        settings = {"epochs": epochs, "learning_rate": rate, "batch_size": 16}
    else:
        epochs = middle.slider("Epochs", 1, 10, 2)
        images = right.select_slider(
            "MNIST images", [5000, 10000, 30000, 60000], value=10000, format_func=lambda n: f"{n:,}"
        )
        settings = {"epochs": epochs, "train_size": images}
    if not st.button("Train on our drawings", type="primary", disabled=not enough):
        return
    base = load_predictor(choices[base_label])
    if base is None:
        return
    config = TrainConfig(
        **config_of(base.model), **settings, data=MODES[mode], base_model=str(base.path), holdout=holdout
    )
    try:
        job_manager().submit(config, owner=user_id(), name=free_name(mode), teacher=is_teacher(), device=device_id())
    except UserError as error:
        st.error(str(error))


def free_name(mode: str) -> str:
    stem = "Our drawings - " + ("fine-tuned" if mode == FINE_TUNE else "mixed")
    taken = {run.name.lower() for run in open_registry().list_runs()}
    number = 1
    while f"{stem} {number}".lower() in taken:
        number += 1
    return f"{stem} {number}"


def drawing_runs(owner: str | None = None) -> list:
    return [run for run in open_registry().list_runs(owner=owner) if run.config.get("data", "mnist") != "mnist"]


def follow() -> None:
    """This user's latest drawings run: live while it trains, then before and after."""
    mine = drawing_runs(user_id())
    if not mine:
        return
    manager = job_manager()

    @st.fragment(run_every=1.0 if mine[0].status in ACTIVE else None)
    def show() -> None:
        run = open_registry().get(mine[0].id)
        live = manager.live(run.id)
        head, button = st.columns(STOP_COLUMNS, vertical_alignment="bottom")
        head.subheader(f"{plain(run.name)}: {run.status}")
        if live is not None and live.status in ACTIVE:
            stop_button(button, run.id, f"stop_{run.id}", disabled=live.stop_requested)
            if live.epochs or live.batches:
                total = TrainConfig.from_dict(run.config).epochs
                st.vega_lite_chart(epoch_curves(live.epochs, "accuracy", total, live.batches), width="stretch")
                st.caption("Validation here is MNIST's test set: watch what the model keeps, or forgets, of MNIST.")
            else:
                waiting = live.status == RunStatus.QUEUED
                st.progress(0.0, text="Waiting for the trainer..." if waiting else "Starting...")
        elif run.status == RunStatus.FAILED:
            st.error(f"This run failed: {run.error}")
        elif "after_drawings_accuracy" in run.metrics:
            before_and_after(run)
        if error := st.session_state.pop("stop_error", None):
            st.error(error)
        if live is not None and live.status not in ACTIVE and mine[0].status in ACTIVE:
            st.rerun()  # it ended: show the result and stop polling

    show()


def before_and_after(run) -> None:
    m = run.metrics
    st.markdown(
        f"Tested on the **{m['drawings_held_out']} drawings kept aside** (trained on "
        f"{m['drawings_trained']}) and on MNIST's 10,000 test images."
    )
    before, after = st.columns(2, border=True)
    before.markdown("**Before**: " + model_name(run.config["base_model"]))
    before.metric("Our held-out drawings", percent(m["before_drawings_accuracy"]))
    before.metric("MNIST test", accuracy_percent(m["before_mnist_accuracy"]))
    after.markdown(f"**After**: {plain(run.name)}")
    after.metric(
        "Our held-out drawings",
        percent(m["after_drawings_accuracy"]),
        delta=f"{(m['after_drawings_accuracy'] - m['before_drawings_accuracy']) * 100:+.0f} points",
    )
    after.metric(
        "MNIST test",
        accuracy_percent(m["after_mnist_accuracy"]),
        delta=f"{(m['after_mnist_accuracy'] - m['before_mnist_accuracy']) * 100:+.2f} points",
    )
    if run.model_path is not None and st.button("Use for drawing and evaluation", key=f"use_{run.id}"):
        use_model(run.model_path)
        st.toast("Draw and Evaluate use this model now.")


def model_name(path: str) -> str:
    return next((label for label, choice in model_choices().items() if str(choice) == path), path)
