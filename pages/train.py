"""Train: set the hyperparameters, press Train, watch the curves; compare runs."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from pages.charts import compare_runs, epoch_curves
from mnist_core.codegen import keras_code
from mnist_core.config import LIMITS, OPTIMIZERS, PRESET_LABELS, PRESETS, TrainConfig, layer_table, parameter_count
from mnist_core.errors import UserError
from mnist_core.lesson import (BATCH_SIZES, CONTROLS, DROPOUT_STEPS, EPOCHS, FILTERS, LEARNING_RATES, TRAIN_SIZES,
                               UNITS, VALIDATIONS, lesson_from_query, query_from_lesson)
from mnist_core.registry import ENDED
from pages.resources import (is_teacher, job_manager, open_registry, teacher_login, use_app_navigation, use_model,
                             user_id)

CONTROL_LABELS = {"preset": "Preset", "architecture": "Architecture (MLP or CNN)", "layers": "Hidden layers and units",
                  "dropout": "Dropout", "learning_rate": "Learning rate", "optimizer": "Optimizer",
                  "epochs": "Epochs", "batch_size": "Batch size", "train_size": "Training images",
                  "validation": "Validation"}
VALIDATION_LABELS = {VALIDATIONS[0]: f"{VALIDATIONS[0]:,} held-out training images",
                     VALIDATIONS[1]: "The test set (as the seed notebook does)"}
MAX_LAYERS = LIMITS["hidden_layers"][1]
MAX_CONV_LAYERS = LIMITS["conv_layers"][1]
ACTIVE = ("queued", "running")
COMPARE_AUTO = 4  # at most this many runs are picked for the comparison chart without asking
# Every control keeps its value while it is hidden (fewer layers, MLP) and while the user is on another page.
KEEP = "session"


def fill_controls(config: TrainConfig) -> None:
    """Put a config into the widgets' state (used by the presets)."""
    state = st.session_state
    state.architecture = "CNN" if config.conv_filters else "MLP"
    state.conv_layers = max(1, len(config.conv_filters))
    filters = config.conv_filters or PRESETS["cnn"].conv_filters
    for i in range(MAX_CONV_LAYERS):
        state[f"filters_{i}"] = filters[i] if i < len(filters) else 32
    state.layers = len(config.hidden_units)
    for i in range(MAX_LAYERS):
        state[f"units_{i}"] = config.hidden_units[i] if i < len(config.hidden_units) else 64
        state[f"dropout_{i}"] = config.dropouts[i] if i < len(config.dropouts) else 0.0
    state.learning_rate = config.learning_rate
    state.optimizer = config.optimizer
    state.epochs = config.epochs
    state.batch_size = config.batch_size
    state.train_size = config.train_size
    state.validation = config.validation
    state.schedule = config.schedule


def apply_preset() -> None:
    fill_controls(PRESETS[st.session_state.preset])


def start_session() -> None:
    """The first visit of this session: the settings of the link it came by, or the seed notebook's."""
    lesson = lesson_from_query(st.query_params.to_dict())
    st.session_state.preset = lesson.preset
    fill_controls(lesson.config)
    st.session_state.shown = lesson.shown
    st.session_state.lesson_notices = lesson.notices


def control(name: str, widget, label: str, *args, key: str, **kwargs):
    """``widget`` if the lesson shows control ``name``, else the value it keeps while hidden."""
    if name not in st.session_state.shown:
        return st.session_state[key]
    return widget(label, *args, key=key, persist_state=KEEP, **kwargs)


def pair(first: str, second: str, widths=2):
    """Two columns for two controls side by side, or the page itself when the lesson hides either."""
    shown = st.session_state.shown
    return st.columns(widths) if first in shown and second in shown else (st, st)


def controls() -> TrainConfig:
    """The hyperparameter widgets a lesson shows; returns the config they describe (not yet validated)."""
    control("preset", st.selectbox, "Preset", list(PRESETS), key="preset", format_func=PRESET_LABELS.get,
            on_change=apply_preset, help="Fills in every control below; change any of them afterwards.")
    control("architecture", st.radio, "Architecture", ["MLP", "CNN"], key="architecture", horizontal=True,
            help="MLP: dense layers only, as in the seed notebook. CNN: convolutions first, then dense layers.")
    conv_filters = ()
    if st.session_state.architecture == "CNN":
        conv_layers = control("architecture", st.slider, "Convolution layers", 1, MAX_CONV_LAYERS,
                              key="conv_layers", help="Each is a 3x3 convolution followed by a 2x2 max-pool.")
        cols = st.columns(conv_layers)
        conv_filters = tuple(control("architecture", cols[i].select_slider, f"Filters {i + 1}", FILTERS,
                                     key=f"filters_{i}") for i in range(conv_layers))
    layers = control("layers", st.slider, "Hidden layers", 1, MAX_LAYERS, key="layers",
                     help="Dense layers between the input (or the convolutions) and the 10 outputs.")
    units, dropouts = [], []
    for i in range(layers):
        left, right = pair("layers", "dropout", [2, 3])
        units.append(control("layers", left.select_slider, f"Units in layer {i + 1}", UNITS, key=f"units_{i}"))
        dropouts.append(control("dropout", right.slider, f"**Dropout after layer {i + 1}**", DROPOUT_STEPS[0],
                                DROPOUT_STEPS[-1], step=DROPOUT_STEPS[1],
                                key=f"dropout_{i}",
                                help="Share of this layer's outputs switched off at random while training. "
                                     "It fights overfitting."))
    left, right = pair("learning_rate", "optimizer")
    learning_rate = control("learning_rate", left.select_slider, "Learning rate", LEARNING_RATES,
                            key="learning_rate", format_func=lambda r: f"{r:g}",
                            help="Log scale: each step about doubles it.")
    optimizer = control("optimizer", right.selectbox, "Optimizer", OPTIMIZERS, key="optimizer")
    left, right = pair("epochs", "batch_size")
    epochs = control("epochs", left.slider, "Epochs", EPOCHS[0], EPOCHS[-1], key="epochs",
                     help="How many times the network sees every training image.")
    batch_size = control("batch_size", right.select_slider, "Batch size", BATCH_SIZES, key="batch_size",
                         help="Images per weight update.")
    train_size = control("train_size", st.select_slider, "Training images", TRAIN_SIZES, key="train_size",
                         format_func=lambda n: f"{n:,}",
                         help="6,000 trains in a few seconds; all 60,000 gives the best model.")
    validation = control("validation", st.radio, "Check each epoch on", VALIDATIONS, key="validation",
                         format_func=VALIDATION_LABELS.get, horizontal=True,
                         help="Choices made by watching the test set are tuned to it, and its accuracy then flatters "
                              "the model: hold out validation images to choose with, and keep the test set for one "
                              "honest score at the end.")
    return TrainConfig(hidden_units=tuple(units), dropouts=tuple(dropouts), conv_filters=conv_filters,
                       epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, optimizer=optimizer,
                       train_size=train_size, schedule=st.session_state.schedule, validation=validation)


def lesson_notices() -> None:
    """What a lesson link could not use."""
    for notice in st.session_state.lesson_notices:
        st.warning(f"This link had a setting the page cannot use, so it was left out. {notice}")


def lesson_settings(config: TrainConfig) -> None:
    """When a lesson hides controls: what they are set to, and a way back to every control."""
    if tuple(st.session_state.shown) == CONTROLS:
        return
    st.caption(f"This lesson shows only some of the controls. The others are set to: {describe_settings(config)}.")
    if st.button("Show all controls"):
        st.session_state.shown = CONTROLS
        st.rerun()


def lesson_link(config: TrainConfig) -> None:
    """Keep the settings in the address bar, and offer a link that opens them with chosen controls."""
    state = st.session_state
    address = query_from_lesson(config, state.preset, tuple(state.shown))
    if st.query_params.to_dict() != address:  # each write is a message to the browser: only on a change
        st.query_params.from_dict(address)
    with st.popover("Copy lesson link", icon=":material/link:", width="stretch"):
        st.markdown("A link that opens this page with these settings. Students see only the controls you pick.")
        picked = st.multiselect("Controls the class sees", CONTROLS, default=list(state.shown),
                                format_func=CONTROL_LABELS.get, key="lesson_controls")
        shown = tuple(name for name in CONTROLS if name in picked) or CONTROLS
        base = st.context.url or "/train"
        st.code(f"{base}?{urlencode(query_from_lesson(config, state.preset, shown))}", language=None,
                wrap_lines=True)
        st.caption("Copy it with the icon at the right of the link.")


def show_the_code(config: TrainConfig) -> None:
    with st.expander("Show the code: these settings in Keras"):
        st.caption("The same model and training as the app's, to copy into a notebook. It downloads MNIST, "
                   "so it needs the internet.")
        st.code(keras_code(config), language="python")


def problem_with(config: TrainConfig) -> str | None:
    """Why this config cannot be trained, or None."""
    try:
        config.validate()
    except UserError as error:
        return str(error)
    if config.batch_size > config.train_size:
        return "The batch size is larger than the training set: pick fewer per batch or more images."
    return None


def summary(config: TrainConfig) -> None:
    st.metric("Parameters", f"{parameter_count(config):,}", help="Weights and biases the network will learn.")
    table = pd.DataFrame(layer_table(config)).rename(columns=str.capitalize)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"Parameters": st.column_config.NumberColumn(format="localized"),
                                "Output shape": st.column_config.TextColumn("Outputs")})  # short: fits a tablet


def start(config: TrainConfig, name: str) -> bool:
    """Queue a run for this user; False with the reason kept for the page when it cannot start."""
    try:
        job_manager().submit(config, owner=user_id(), name=name.strip() or None)
    except UserError as error:
        st.session_state.start_error = str(error)
        return False
    return True


def request_stop(run_id: int) -> None:
    try:
        job_manager().stop(run_id, user_id(), is_teacher())
    except UserError as error:
        st.session_state.stop_error = str(error)


def my_runs(manager, registry) -> list:
    """(live state, registry entry) of the runs this user started on this server, newest first.

    A run deleted from the history is left out, although the job manager still remembers it.
    """
    saved = {run.id: run for run in registry.list_runs(owner=user_id())}
    return [(live, saved[live.run_id]) for live in manager.runs_of(user_id()) if live.run_id in saved]


def settings_line(run) -> str:
    return describe_settings(TrainConfig.from_dict(run.config))


def describe_settings(config: TrainConfig) -> str:
    checked = f"{config.validation:,} validation images" if config.holds_out_validation else "test set as validation"
    return (f"{config.describe()} · {config.epochs} epochs · {config.training_images:,} images · "
            f"batch {config.batch_size} · {config.optimizer} {config.learning_rate:g} · {checked}")


def live_panel() -> None:
    """This user's latest run, refreshed every second while any of their runs is queued or running."""
    manager, registry = job_manager(), open_registry()
    mine = my_runs(manager, registry)
    if not mine:
        st.info("Press **Train** to start. The curves of training and validation accuracy appear here, epoch by epoch. "
                "You can leave the page while it trains: the run goes on.")
        return
    was_active = any(live.status in ACTIVE for live, _ in mine)

    @st.fragment(run_every=1.0 if was_active else None)
    def show() -> None:
        runs = my_runs(manager, registry)
        if not runs:
            return
        live, run = runs[0]
        focus(manager, live, run)
        others = [(other, saved) for other, saved in runs[1:] if other.status in ACTIVE]
        if others:
            st.markdown("**Your other runs in progress**")
            for other, saved in others:
                compact(manager, other, saved)
        if error := st.session_state.pop("stop_error", None):
            st.error(error)
        if was_active and not any(other.status in ACTIVE for other, _ in runs):
            st.rerun()  # every run ended: refresh the history below and stop polling

    show()


def focus(manager, live, run) -> None:
    """The run the panel follows: its state, Stop, and its training and validation curves."""
    head, button = st.columns([5, 1], vertical_alignment="bottom")
    event = live.progress
    if live.status == "queued":
        head.subheader(f"{run.name}: queued")
    elif live.status == "running" and event is not None:
        head.subheader(f"{run.name}: Epoch {event['epoch']}/{event['epochs']}")
    elif live.status == "running":
        head.subheader(f"{run.name}: starting...")
    else:
        head.subheader(run.name)
    if live.status in ACTIVE:
        button.button("Stop", key=f"stop_{live.run_id}", on_click=request_stop, args=(live.run_id,),
                      disabled=live.stop_requested, width="stretch",
                      help="Ends the run now; the partly trained model is kept.")
    st.caption(settings_line(run))
    if live.status == "queued":
        place = manager.queue_position(live.run_id)
        st.info(f"Waiting for a free trainer: place {place or 1} in the queue. "
                "It starts by itself; you can leave the page.")
    elif live.status == "running":
        if live.stop_requested:
            st.warning("Stopping after the current batches; the model is kept...")
        elif event is None:
            st.progress(0.0, text="Loading the data and building the model...")
        else:
            eta = f" · about {event['eta']:.0f} s left" if event["eta"] is not None else ""
            st.progress(min(event["step"] / event["steps"], 1.0),
                        text=f"Epoch {event['epoch']}: batch {event['step']}/{event['steps']}{eta}")
    else:
        outcome(live, run)
    if live.epochs or live.status == "running":
        total = live.epochs[-1]["epochs"] if live.epochs else TrainConfig.from_dict(run.config).epochs
        st.altair_chart(epoch_curves(live.epochs, "accuracy", total, live.batches), width="stretch")
        st.altair_chart(epoch_curves(live.epochs, "loss", total, live.batches), width="stretch")


def compact(manager, live, run) -> None:
    text, button = st.columns([5, 1], vertical_alignment="center")
    if live.status == "queued":
        state = f"place {manager.queue_position(live.run_id) or 1} in the queue"
    elif live.progress is not None:
        state = f"Epoch {live.progress['epoch']}/{live.progress['epochs']}"
    else:
        state = "starting..."
    text.markdown(f"{run.name}: {state}")
    button.button("Stop", key=f"stop_{live.run_id}", on_click=request_stop, args=(live.run_id,),
                  disabled=live.stop_requested, width="stretch")


def outcome(live, run) -> None:
    accuracy = run.metrics.get("test_accuracy")
    if live.status == "finished":
        st.success(f"Finished: test accuracy {accuracy:.2%} (measured once, now), validation accuracy "
                   f"{run.metrics['val_accuracy']:.2%}, training accuracy {run.metrics['train_accuracy']:.2%}.")
    elif live.status == "stopped":
        kept = (f" The partly trained model is kept (test accuracy {accuracy:.2%})."
                if run.model_path is not None and accuracy is not None else "")
        st.warning(f"Stopped.{kept}")
    else:
        st.error(f"This run failed: {run.error or live.error}. Other runs and models are not affected.")
    if run.model_path is not None:
        if st.button("Use for drawing and evaluation", key=f"use_{run.id}", type="primary"):
            use_model(run.model_path)
        if st.session_state.get("model_path") == str(run.model_path):
            st.caption("Draw and Evaluate use this model now.")


def teacher_panel() -> None:
    """With the teacher's passcode: every queued or running run, whoever started it, with Stop."""
    if not is_teacher():
        return
    active = open_registry().list_runs(statuses=ACTIVE)
    with st.expander(f"Teacher: all runs in progress ({len(active)})"):
        if not active:
            st.caption("Nobody is training.")
        for run in active:
            text, button = st.columns([5, 1], vertical_alignment="center")
            text.markdown(f"{run.name} ({run.status}): {settings_line(run)}")
            button.button("Stop", key=f"teacher_stop_{run.id}", on_click=request_stop, args=(run.id,),
                          width="stretch")


def history_table(runs) -> None:
    rows = []
    for run in runs:
        config = TrainConfig.from_dict(run.config)
        test, train = run.metrics.get("test_accuracy"), run.metrics.get("train_accuracy")
        validation = run.metrics.get("val_accuracy", test)  # runs from before the split validated on the test set
        rows.append({
            "Run": run.name,
            "Model": config.describe(),
            "Training accuracy": train * 100 if train is not None else None,
            "Validation accuracy": validation * 100 if validation is not None else None,
            "Gap": (train - validation) * 100 if validation is not None and train is not None else None,
            "Test accuracy": test * 100 if test is not None else None,
            "Status": run.status,
            "Epochs": len(run.history),
            "Images": config.training_images,
            "Batch": config.batch_size,
            "Optimizer": f"{config.optimizer} {config.learning_rate:g}",
            "Time (s)": run.seconds,
        })
    percent = "%.2f%%"
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, width="stretch",
        column_config={
            "Run": st.column_config.TextColumn(width="medium", pinned=True),
            "Status": st.column_config.TextColumn(width="small"),
            "Model": st.column_config.TextColumn(width="medium"),
            "Epochs": st.column_config.NumberColumn(
                width="small", help="Epochs trained (the last one of a stopped run may be partial)."),
            "Images": st.column_config.NumberColumn(format="localized", width="small",
                                                    help="Training images."),
            "Batch": st.column_config.NumberColumn(width="small", help="Batch size."),
            "Optimizer": st.column_config.TextColumn(width="small", help="Optimizer and learning rate."),
            "Training accuracy": st.column_config.NumberColumn(format=percent),
            "Validation accuracy": st.column_config.NumberColumn(
                format=percent, help="After the last epoch, on the images the run was checked on."),
            "Gap": st.column_config.NumberColumn(format="%.2f", width="small",
                                                 help="Training minus validation accuracy, in points: overfitting."),
            "Test accuracy": st.column_config.NumberColumn(
                format=percent, help="Measured once, after training: the honest score."),
            "Time (s)": st.column_config.NumberColumn(format="%.1f", width="small"),
        },
    )


def compare(runs) -> None:
    """Overlay the curves of several runs. A run this user just finished is added to the picks by itself."""
    with_curves = {run.id: run for run in runs if run.history}
    if not with_curves:
        return
    state, ids = st.session_state, list(with_curves)
    seen = state.get("compare_seen")
    if seen is None or "compare" not in state:
        state.compare = ids[:2]
    else:
        new_own = [i for i in ids if i not in seen and with_curves[i].owner == user_id()]
        if new_own:
            state.compare = (new_own + [i for i in state.compare if i in with_curves])[:COMPARE_AUTO]
    state.compare_seen = set(ids) | (seen or set())
    picked = st.multiselect("Compare runs", ids, format_func=lambda i: with_curves[i].name, key="compare",
                            persist_state=KEEP, help="Overlay their accuracy curves on one chart.")
    if picked:
        st.altair_chart(compare_runs({with_curves[i].name: with_curves[i].history for i in picked}), width="stretch")


def manage(runs) -> None:
    by_id = {run.id: run for run in runs}
    run_id = st.selectbox("Run", list(by_id), format_func=lambda i: by_id[i].name, key="manage_run")
    run = by_id[run_id]
    registry = open_registry()
    left, middle, right = st.columns(3, vertical_alignment="bottom")
    if run.model_path is not None:
        if left.button("Use for drawing and evaluation", type="primary", key="manage_use"):
            use_model(run.model_path)
            st.toast(f"Draw and Evaluate now use {run.name}.")
    else:
        left.caption("This run kept no model.")
    if run.owner != user_id() and not is_teacher():
        middle.caption("Only whoever trained this run can rename or delete it.")
        return
    new_name = middle.text_input("New name", value=run.name, max_chars=64, key=f"rename_{run.id}")
    if middle.button("Rename") and new_name.strip() != run.name:
        try:
            registry.rename(run.id, new_name)
            st.rerun()
        except UserError as error:
            middle.error(str(error))
    with right.popover("Delete", help="Removes the run and its model for everyone."):
        st.markdown(f"Delete **{run.name}** and its model for everyone? This cannot be undone.")
        if st.button("Yes, delete it", type="primary"):
            if run.model_path is not None and st.session_state.get("model_path") == str(run.model_path):
                del st.session_state.model_path  # Draw and Evaluate go back to the default model
            registry.delete(run.id)
            st.rerun()


use_app_navigation()
teacher_login()
st.title("Train")
st.caption("Choose the network and its training, press **Train**, and watch training and validation accuracy: "
           "when they drift apart, the network is memorising instead of learning. Choose your settings on "
           "validation images held out of training, never on the test set: a test score you tuned for no longer "
           "tells how the model does on digits it has never seen.")
if "shown" not in st.session_state:
    start_session()
if st.session_state.pop("clear_run_name", False):
    st.session_state.run_name = ""

settings, view = st.columns([2, 3], gap="large")
with settings:
    lesson_notices()
    config = controls()
    lesson_settings(config)
    problem = problem_with(config)
    name = st.text_input("Run name (optional)", max_chars=64, placeholder="e.g. dropout 0.5", key="run_name",
                         help="Letters, digits, spaces, '-' and '_'. Without one the run is called 'Run N'.")
    if problem:
        st.error(problem)
    if st.button("Train", type="primary", disabled=problem is not None, width="stretch"):
        if start(config, name):
            st.session_state.clear_run_name = True
            st.rerun()
    if error := st.session_state.pop("start_error", None):
        st.error(error)
    lesson_link(config)
    if not problem:
        show_the_code(config)

with view:
    live_panel()
    teacher_panel()
    with st.expander("Model summary: the network the controls describe", expanded=True):
        summary(config)

st.divider()
st.header("Run history")
finished = open_registry().list_runs(statuses=ENDED)
if not finished:
    st.caption("Finished runs appear here. Train the seed model, then the no-dropout preset, and compare them.")
else:
    history_table(finished)
    compare(finished)
    with st.expander("Use, rename or delete a run"):
        manage(finished)
