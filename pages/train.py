"""Train: set the hyperparameters, press Train, watch the curves; compare runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.charts import compare_runs, epoch_curves
from mnist_core.config import LIMITS, OPTIMIZERS, PRESET_LABELS, PRESETS, TrainConfig, layer_table, parameter_count
from mnist_core.errors import UserError
from pages.resources import is_teacher, job_manager, open_registry, use_app_navigation, use_model, user_id

UNITS = [16, 32, 64, 128, 256, 512, 1024]
FILTERS = [8, 16, 32, 64]
LEARNING_RATES = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]
BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]
TRAIN_SIZES = [1_000, 3_000, 6_000, 12_000, 30_000, 60_000]
MAX_LAYERS = LIMITS["hidden_layers"][1]


def fill_controls(config: TrainConfig) -> None:
    """Put a config into the widgets' state (used by the presets)."""
    state = st.session_state
    state.architecture = "CNN" if config.conv_filters else "MLP"
    state.conv_layers = max(1, len(config.conv_filters))
    for i, filters in enumerate(config.conv_filters or (16, 32)):
        state[f"filters_{i}"] = filters
    state.layers = len(config.hidden_units)
    for i in range(MAX_LAYERS):
        state[f"units_{i}"] = config.hidden_units[i] if i < len(config.hidden_units) else 64
        state[f"dropout_{i}"] = config.dropouts[i] if i < len(config.dropouts) else 0.0
    state.learning_rate = config.learning_rate
    state.optimizer = config.optimizer
    state.epochs = config.epochs
    state.batch_size = config.batch_size
    state.train_size = config.train_size
    state.schedule = config.schedule


def apply_preset() -> None:
    fill_controls(PRESETS[st.session_state.preset])


def controls() -> TrainConfig:
    """The hyperparameter widgets; returns the config they describe (not yet validated)."""
    st.selectbox("Preset", list(PRESETS), format_func=PRESET_LABELS.get, key="preset", on_change=apply_preset,
                 help="Fills in every control below; change any of them afterwards.")
    st.radio("Architecture", ["MLP", "CNN"], key="architecture", horizontal=True,
             help="MLP: dense layers only, as in the seed notebook. CNN: convolutions first, then dense layers.")
    conv_filters = ()
    if st.session_state.architecture == "CNN":
        conv_layers = st.slider("Convolution layers", 1, 3, key="conv_layers")
        cols = st.columns(conv_layers)
        conv_filters = tuple(cols[i].select_slider(f"Filters {i + 1}", FILTERS, key=f"filters_{i}")
                             for i in range(conv_layers))
    layers = st.slider("Hidden layers", 1, MAX_LAYERS, key="layers")
    units, dropouts = [], []
    for i in range(layers):
        left, right = st.columns([2, 3])
        units.append(left.select_slider(f"Units in layer {i + 1}", UNITS, key=f"units_{i}"))
        dropouts.append(right.slider(f"**Dropout after layer {i + 1}**", 0.0, 0.8, step=0.05, key=f"dropout_{i}",
                                     help="Share of this layer's outputs switched off at random while training. "
                                          "It fights overfitting."))
    left, right = st.columns(2)
    learning_rate = left.select_slider("Learning rate", LEARNING_RATES, key="learning_rate",
                                       format_func=lambda r: f"{r:g}", help="Log scale.")
    optimizer = right.selectbox("Optimizer", OPTIMIZERS, key="optimizer")
    left, right = st.columns(2)
    epochs = left.slider("Epochs", 1, 50, key="epochs")
    batch_size = right.select_slider("Batch size", BATCH_SIZES, key="batch_size")
    train_size = st.select_slider("Training images", TRAIN_SIZES, key="train_size", format_func=lambda n: f"{n:,}",
                                  help="6,000 trains in a few seconds; all 60,000 gives the best model.")
    return TrainConfig(hidden_units=tuple(units), dropouts=tuple(dropouts), conv_filters=conv_filters,
                       epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, optimizer=optimizer,
                       train_size=train_size, schedule=st.session_state.schedule)


def summary(config: TrainConfig) -> None:
    st.metric("Parameters", f"{parameter_count(config):,}")
    st.dataframe(pd.DataFrame(layer_table(config)), hide_index=True, use_container_width=True)


def start(config: TrainConfig, name: str) -> None:
    try:
        job_manager().submit(config, owner=user_id(), name=name.strip() or None)
    except UserError as error:
        st.session_state.start_error = str(error)


def live_panel() -> None:
    """This user's latest run, refreshed every second while it is queued or running."""
    manager = job_manager()
    mine = manager.runs_of(user_id())
    if not mine:
        st.info("Press **Train** to start. The curves appear here, epoch by epoch.")
        return
    run_id = mine[0].run_id
    was_active = mine[0].status in ("queued", "running")

    @st.fragment(run_every=1.0 if was_active else None)
    def show() -> None:
        live = manager.live(run_id)
        name = open_registry().get(run_id).name
        if live.status == "queued":
            st.subheader(name)
            st.info(f"Waiting for a free trainer: place {manager.queue_position(run_id) or 1} in the queue.")
        elif live.status == "running":
            event = live.progress
            if event is None:
                st.subheader(f"{name}: starting...")
            else:
                st.subheader(f"{name}: Epoch {event['epoch']}/{event['epochs']}")
                eta = f", about {event['eta']:.0f} s left" if event["eta"] is not None else ""
                st.progress(event["step"] / event["steps"],
                            text=f"Batch {event['step']}/{event['steps']} of this epoch{eta}")
        else:
            st.subheader(name)
            outcome(live)
        if live.status in ("queued", "running"):
            st.button("Stop", key=f"stop_{run_id}", on_click=manager.stop, args=(run_id, user_id(), is_teacher()), type="secondary",
                      disabled=live.stop_requested)
        if live.epochs:
            left, right = st.columns(2)
            total = live.epochs[-1]["epochs"]
            left.altair_chart(epoch_curves(live.epochs, "accuracy", total), use_container_width=True)
            right.altair_chart(epoch_curves(live.epochs, "loss", total), use_container_width=True)
        if was_active and live.status not in ("queued", "running"):
            st.rerun()  # the run ended: refresh the history below and stop polling

    show()


def outcome(live) -> None:
    run = open_registry().get(live.run_id)
    accuracy = run.metrics.get("test_accuracy")
    if live.status == "finished":
        st.success(f"Finished: test accuracy {accuracy:.2%}, training accuracy {run.metrics['train_accuracy']:.2%}.")
    elif live.status == "stopped":
        kept = (f" The partly trained model is kept (test accuracy {accuracy:.2%})."
                if run.model_path is not None else "")
        st.warning(f"Stopped.{kept}")
    else:
        st.error(f"This run failed: {live.error or run.error}. Nothing else was lost; try other settings.")


def history_table(runs) -> None:
    rows = []
    for run in runs:
        config = TrainConfig.from_dict(run.config)
        test, train = run.metrics.get("test_accuracy"), run.metrics.get("train_accuracy")
        rows.append({
            "Run": run.name,
            "Model": config.describe(),
            "Epochs": len(run.history),
            "Training images": config.train_size,
            "Training accuracy": train,
            "Test accuracy": test,
            "Gap (points)": (train - test) * 100 if test is not None and train is not None else None,
            "Time (s)": run.seconds,
            "Status": run.status,
        })
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, use_container_width=True,
        column_config={
            "Training accuracy": st.column_config.NumberColumn(format="percent"),
            "Test accuracy": st.column_config.NumberColumn(format="percent"),
            "Gap (points)": st.column_config.NumberColumn(format="%.2f",
                                                         help="Training minus test accuracy: overfitting."),
            "Time (s)": st.column_config.NumberColumn(format="%.1f"),
            "Training images": st.column_config.NumberColumn(format="localized"),
        },
    )


def manage(runs) -> None:
    by_name = {run.name: run for run in runs}
    name = st.selectbox("Run", list(by_name), key="manage_run")
    run = by_name[name]
    registry = open_registry()
    left, middle, right = st.columns(3)
    if run.model_path is not None and left.button("Use for drawing and evaluation", type="primary"):
        use_model(run.model_path)
        st.toast(f"Draw and Evaluate now use {run.name}.")
    if run.owner != user_id():
        middle.caption("Only whoever trained this run can rename or delete it.")
        return
    new_name = middle.text_input("New name", value=run.name, max_chars=64, key=f"rename_{run.id}")
    if middle.button("Rename") and new_name != run.name:
        try:
            registry.rename(run.id, new_name)
            st.rerun()
        except UserError as error:
            middle.error(str(error))
    if right.button("Delete", help="Removes the run and its model for everyone."):
        registry.delete(run.id)
        st.rerun()


use_app_navigation()
st.title("Train")
st.caption("Choose the network and its training, press **Train**, and watch training and test accuracy: "
           "when they drift apart, the network is memorising instead of learning.")
if "preset" not in st.session_state:
    st.session_state.preset = "seed"
    apply_preset()

settings, view = st.columns([2, 3], gap="large")
with settings:
    config = controls()
    problem = None
    try:
        config.validate()
        if config.batch_size > config.train_size:
            problem = "The batch size is larger than the training set: pick fewer per batch or more images."
    except UserError as error:
        problem = str(error)
    name = st.text_input("Run name (optional)", max_chars=64, placeholder="e.g. dropout 0.5",
                         help="Letters, digits, spaces, '-' and '_'.")
    if problem:
        st.error(problem)
    st.button("Train", type="primary", disabled=problem is not None, on_click=start, args=(config, name),
              use_container_width=True)
    if error := st.session_state.pop("start_error", None):
        st.error(error)
    with st.expander("Model summary", expanded=True):
        summary(config)

with view:
    live_panel()

st.divider()
st.header("Run history")
finished = open_registry().list_runs(statuses=("finished", "stopped", "failed", "interrupted"))
if not finished:
    st.caption("Finished runs appear here. Train the seed model, then the no-dropout preset, and compare them.")
else:
    history_table(finished)
    with_curves = {run.name: run for run in finished if run.history}
    picked = st.multiselect("Compare runs", list(with_curves), default=list(with_curves)[:3],
                            help="Overlay their accuracy curves on one chart.")
    if picked:
        st.altair_chart(compare_runs({n: with_curves[n].history for n in picked}), use_container_width=True)
    with st.expander("Use, rename or delete a run"):
        manage(finished)
