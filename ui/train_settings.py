"""The Train page's settings: one widget per hyperparameter, presets, lesson links, and the network they describe.

A lesson link (``/train?preset=seed&dropout=0.5&show=dropout``) decides which controls a student sees;
a hidden control keeps its value. The settings live in the address bar, so a link reopens them.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from mnist_core import number_format
from mnist_core.codegen import keras_code
from mnist_core.config import (
    FASTEST,
    LIMITS,
    NUMBER_FORMATS,
    OPTIMIZERS,
    PRESET_LABELS,
    PRESETS,
    TrainConfig,
    layer_table,
    parameter_count,
)
from mnist_core.errors import UserError
from mnist_core.lesson import (
    BATCH_SIZES,
    CONTROLS,
    DROPOUT_STEPS,
    EPOCHS,
    FILTERS,
    LEARNING_RATES,
    SHIFTS,
    TRAIN_SIZES,
    UNITS,
    VALIDATIONS,
    lesson_from_query,
    query_from_lesson,
)
from mnist_core.wording import counted
from ui.plain_text import plain
from ui.resources import job_manager

CONTROL_LABELS = {
    "preset": "Preset",
    "architecture": "Architecture (MLP or CNN)",
    "layers": "Hidden layers and units",
    "dropout": "Dropout",
    "learning_rate": "Learning rate",
    "optimizer": "Optimizer",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "train_size": "Training images",
    "shift": "Shift while training",
    "precision": "Number format",
    "validation": "Validation",
}
PRECISION_LABELS = {
    "float32": "float32 (32-bit)",
    "bfloat16": "bfloat16 (16-bit)",
    FASTEST: "Fastest here",
}
VALIDATION_LABELS = {
    VALIDATIONS[0]: f"{VALIDATIONS[0]:,} held-out training images",
    VALIDATIONS[1]: "The test set (as the seed notebook does)",
}
MAX_LAYERS = LIMITS["hidden_layers"][1]
MAX_CONV_LAYERS = LIMITS["conv_layers"][1]
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
    state.shift = config.shift
    state.precision = config.precision
    state.validation = config.validation
    state.schedule = config.schedule


def apply_preset() -> None:
    fill_controls(PRESETS[st.session_state.preset])


def open_settings() -> None:
    """The first visit of this session: the settings of the link it came by, or the seed notebook's."""
    lesson = lesson_from_query(st.query_params.to_dict(), trains_here=job_manager().trains_here)
    st.session_state.preset = lesson.preset
    fill_controls(lesson.config)
    st.session_state.shown = lesson.shown
    st.session_state.lesson_notices = lesson.notices


def control(name: str, widget, label: str, *args, key: str, **kwargs):
    """``widget`` if the lesson shows control ``name``, else the value it keeps while hidden."""
    if name not in st.session_state.shown:
        return st.session_state[key]
    return widget(label, *args, key=key, persist_state=KEEP, **kwargs)


def side_by_side(first: str, second: str, widths=2):
    """Two columns for two controls side by side, or the page itself when the lesson hides either."""
    shown = st.session_state.shown
    return st.columns(widths) if first in shown and second in shown else (st, st)


def hyperparameter_controls() -> TrainConfig:
    """The hyperparameter widgets a lesson shows; returns the config they describe (not yet validated)."""
    conv_filters, units, dropouts = network_controls()
    learning_rate, optimizer, epochs, batch_size = optimizer_controls()
    train_size, shift, precision, validation = data_controls()
    return TrainConfig(
        hidden_units=units,
        dropouts=dropouts,
        conv_filters=conv_filters,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        optimizer=optimizer,
        train_size=train_size,
        shift=shift,
        precision=precision,
        schedule=st.session_state.schedule,
        validation=validation,
    )


def network_controls() -> tuple[tuple[int, ...], tuple[int, ...], tuple[float, ...]]:
    """The preset, the architecture and its layers: (convolution filters, dense units, dropout rates)."""
    control(
        "preset",
        st.selectbox,
        "Preset",
        list(PRESETS),
        key="preset",
        format_func=PRESET_LABELS.get,
        on_change=apply_preset,
        help="Fills in every control below; change any of them afterwards.",
    )
    control(
        "architecture",
        st.radio,
        "Architecture",
        ["MLP", "CNN"],
        key="architecture",
        horizontal=True,
        help="MLP: dense layers only, as in the seed notebook. CNN: convolutions first, then dense layers.",
    )
    conv_filters = ()
    if st.session_state.architecture == "CNN":
        conv_layers = control(
            "architecture",
            st.slider,
            "Convolution layers",
            1,
            MAX_CONV_LAYERS,
            key="conv_layers",
            help="Each is a 3x3 convolution followed by a 2x2 max-pool.",
        )
        cols = st.columns(conv_layers)
        conv_filters = tuple(
            control("architecture", cols[i].select_slider, f"Filters {i + 1}", FILTERS, key=f"filters_{i}")
            for i in range(conv_layers)
        )
    layers = control(
        "layers",
        st.slider,
        "Hidden layers",
        1,
        MAX_LAYERS,
        key="layers",
        help="Dense layers between the input (or the convolutions) and the 10 outputs.",
    )
    units, dropouts = [], []
    for i in range(layers):
        left, right = side_by_side("layers", "dropout", [2, 3])
        units.append(control("layers", left.select_slider, f"Units in layer {i + 1}", UNITS, key=f"units_{i}"))
        dropouts.append(
            control(
                "dropout",
                right.slider,
                f"**Dropout after layer {i + 1}**",
                DROPOUT_STEPS[0],
                DROPOUT_STEPS[-1],
                step=DROPOUT_STEPS[1],
                key=f"dropout_{i}",
                help="Share of this layer's outputs switched off at random while training. It fights overfitting.",
            )
        )
    return conv_filters, tuple(units), tuple(dropouts)


def optimizer_controls() -> tuple[float, str, int, int]:
    """How the weights are updated: (learning rate, optimizer, epochs, batch size)."""
    learning_rate = control(
        "learning_rate",
        st.select_slider,
        "Learning rate",
        LEARNING_RATES,
        key="learning_rate",
        format_func=lambda r: f"{r:g}",
        help="Log scale: each step about doubles it.",
    )
    # A row of its own: beside the learning rate, a tablet's narrow column cut "adam" to "ada".
    optimizer = control("optimizer", st.selectbox, "Optimizer", list(OPTIMIZERS), key="optimizer")
    left, right = side_by_side("epochs", "batch_size")
    epochs = control(
        "epochs",
        left.slider,
        "Epochs",
        EPOCHS[0],
        EPOCHS[-1],
        key="epochs",
        help="How many times the network sees every training image.",
    )
    batch_size = control(
        "batch_size", right.select_slider, "Batch size", BATCH_SIZES, key="batch_size", help="Images per weight update."
    )
    return learning_rate, optimizer, epochs, batch_size


def data_controls() -> tuple[int, int, str, object]:
    """What the network trains and is checked on, and in which numbers: (training images, shift, number
    format, validation)."""
    train_size = control(
        "train_size",
        st.select_slider,
        "Training images",
        TRAIN_SIZES,
        key="train_size",
        format_func=lambda n: f"{n:,}",
        help="6,000 trains in a few seconds; all 60,000 gives the best model.",
    )
    shift = control(
        "shift",
        st.select_slider,
        "Shift images while training",
        SHIFTS,
        key="shift",
        format_func=lambda px: "off" if px == 0 else f"up to {px} px",
        help="Moves each training image a little, at random, every time the network sees it: new examples "
        "for free, so it learns the shape rather than the exact position. Never applied when predicting.",
    )
    precision = control(
        "precision",
        st.radio,
        "Number format inside the layers",
        NUMBER_FORMATS,
        key="precision",
        format_func=PRECISION_LABELS.get,
        horizontal=True,
        help="bfloat16 keeps float32's range with fewer digits. Some processors with bfloat16 units (AMX, AVX-512 "
        "BF16) multiply it faster, others slower. The weights, the softmax and the answers stay float32. "
        "*Fastest here* times a few training steps in both on this computer when the run starts, and picks "
        "the faster.",
    )
    validation = control(
        "validation",
        st.radio,
        "Check each epoch on",
        VALIDATIONS,
        key="validation",
        format_func=VALIDATION_LABELS.get,
        horizontal=True,
        help="Choices made by watching the test set are tuned to it, and its accuracy then flatters "
        "the model: hold out validation images to choose with, and keep the test set for one "
        "honest score at the end.",
    )
    return train_size, shift, precision, validation


def lesson_notices() -> None:
    """What a lesson link could not use."""
    for notice in st.session_state.lesson_notices:
        st.warning(f"This link had a setting the page cannot use, so it was left out. {plain(notice)}")


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
        picked = st.multiselect(
            "Controls the class sees",
            CONTROLS,
            default=list(state.shown),
            format_func=CONTROL_LABELS.get,
            key="lesson_controls",
        )
        shown = tuple(name for name in CONTROLS if name in picked) or CONTROLS
        base = st.context.url or "/train"
        st.code(f"{base}?{urlencode(query_from_lesson(config, state.preset, shown))}", language=None, wrap_lines=True)
        st.caption("Copy it with the icon that shows at the right of the link when you point at it, or select it.")
        if warning := this_computer_only(base):
            st.warning(warning)


def this_computer_only(url: str) -> str | None:
    """Why a link made at ``url`` would open nothing on the students' devices, or None."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.startswith("127.") or host == "::1":
        return (
            f"This link starts with {host}, which means this computer: on the students' devices it opens nothing. "
            "Open the app at the Network URL that `make run` printed (such as `http://192.168.1.20:8501`), "
            "then copy the link there."
        )
    return None


def show_the_code(config: TrainConfig) -> None:
    with st.expander("Show the code: these settings in Keras"):
        st.caption(
            "The same model and training as the app's, to copy into a notebook. It downloads MNIST, "
            "so it needs the internet."
        )
        st.code(keras_code(config), language="python")


def problem_with(config: TrainConfig) -> str | None:
    """Why this config cannot be trained where the server trains its runs (here, or on a lab's PCs), or None."""
    try:
        job_manager().check(config)
    except UserError as error:
        return str(error)
    return None


def network_summary(config: TrainConfig) -> None:
    st.metric("Parameters", f"{parameter_count(config):,}", help="Weights and biases the network will learn.")
    rows = [
        {"Layer": row["layer"], "Outputs": row["output shape"], "Parameters": f"{row['parameters']:,}"}
        for row in layer_table(config)
    ]
    # A static table: in the narrow column of a tablet its cells wrap, where a data grid cuts "200,960" short.
    st.table(pd.DataFrame(rows), hide_index=True)
    if config.precision == "bfloat16":
        st.caption(
            "In bfloat16: every layer from the first convolution (or Flatten) to the last hidden layer computes "
            "in 16-bit numbers; the shift and the softmax layer compute in float32, and every weight is kept "
            "in float32."
        )
    elif config.precision == FASTEST:
        choice = number_format.known(config)
        timed = "timed for this network, " if choice and choice.measured else ""
        st.caption(
            f"Fastest here: {timed}**{choice.reason}**."
            if choice
            else "Fastest here: when the run starts, this computer times a few training steps in float32 and in "
            "bfloat16, and trains in the faster."
        )


def describe_settings(config: TrainConfig) -> str:
    checked = f"{config.validation:,} validation images" if config.holds_out_validation else "test set as validation"
    return (
        f"{config.describe()} · {counted(config.epochs, 'epoch')} · {config.training_images:,} images · "
        f"batch {config.batch_size} · {config.optimizer} {config.learning_rate:g} · {checked}"
    )
