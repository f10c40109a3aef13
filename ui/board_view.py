"""The Board page's charts and table: one point (and row) per finished run, a chosen hyperparameter across,
accuracy or gap up. A run stopped before its last epoch (shown only on request) is a hollow ring. Below them,
the class's "You vs model" rounds against the model."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import streamlit as st

from class_server.board import AXES, COMPLETE, board_table, layers_labels, stopped_early
from class_server.registry import WITH_MODEL
from mnist_core.errors import UserError
from mnist_core.geometry import SIZE
from mnist_core.study import run_prefix
from mnist_core.versus import class_result
from mnist_core.wording import accuracy_percent, counted, percent
from ui.board_stress import stress_section
from ui.charts import AXIS, PLOT_HEIGHT, POINT_ROOM, RUN_COLORS, TITLE, digit_grid, wrapping_legend
from ui.plain_text import plain
from ui.resources import load_predictor, mnist, model_choices, registry
from ui.run_history import PERCENT, TRAINING_ACCURACY_HELP, in_percent
from ui.versus_view import game_for

PERCENTS = ("Train accuracy", "Test accuracy", "Gap")
# Pixels per character of a run name in the table's font, and the cell's padding: wide enough that study
# runs ("Study dropout - Two dropout layers 02 02 - 1", "... - Two dense layers 128-64 - 1") differ.
NAME_CHAR_PX, NAME_PADDING_PX, NAME_MAX_PX = 6.5, 24, 420
REFRESH_SECONDS = 5  # the board and its You vs model section check for new results this often
HARDEST_PX = 112


@st.fragment(run_every=REFRESH_SECONDS)
def class_board(across: str, study_only: bool, hide: bool, include_stopped: bool) -> None:
    """The class's finished runs, charted with ``across`` across and tabled; only the dropout study's runs
    when ``study_only``. A fragment: it refreshes by itself as runs finish, the rest of the page stays."""
    try:
        runs = registry().list_runs(statuses=WITH_MODEL)
    except UserError as error:
        st.error(f"The class's runs cannot be read: {error}")
        return
    if study_only:
        runs = [run for run in runs if run.name.startswith(run_prefix("dropout"))]
    frame = board_table(runs, hide_names=hide, include_stopped=include_stopped)
    left_out = "" if include_stopped else stopped_left_out(stopped_early(runs))
    if frame.empty:
        st.info(
            "No finished runs yet. Train one on the Train page, or queue the dropout study on "
            "Evaluate; each appears here when it finishes."
            + (f" {left_out}: see *Include stopped runs* in the sidebar." if left_out else "")
        )
        return
    best = frame.loc[frame["Test accuracy"].idxmax()]
    st.markdown(
        f"**{counted(len(frame), 'run')}** · "
        f"best test accuracy **{accuracy_percent(best['Test accuracy'])}** ({plain(best['Run'])})"
        + (f" · {left_out}" if left_out else "")
    )
    left, right = st.columns(2, gap="medium")
    every_layers = layers_labels(runs)
    left.altair_chart(board_chart(frame, across, "Test accuracy", every_layers), width="stretch")
    right.altair_chart(board_chart(frame, across, "Gap", every_layers), width="stretch")
    st.caption(
        "Above zero on the right, a model does better on the images it trained on than on new ones: "
        "it has memorised some of them (overfitting). Dropout is one way to shrink that gap. Below zero, "
        "usually after one or two epochs: training accuracy is measured while training, with dropout on."
    )
    # The model last: beside a whole study run name, the numbers stay on a projector's screen.
    training = ["Training"] if include_stopped else []
    results_table(frame, ["Run", across, "Train accuracy", "Test accuracy", "Gap", *training, "Model"])
    stress_section(frame, every_layers)


def stopped_left_out(count: int) -> str:
    """What the board says about the stopped runs it leaves out, so a missing run is not a mystery."""
    if not count:
        return ""
    return f"{counted(count, 'stopped run')} not shown"


def board_chart(frame, across: str, measure: str, every_layers: list[str]) -> alt.LayerChart:
    """``measure`` ("Test accuracy" or "Gap") of every run against ``across``, coloured by its layers;
    runs that trained all their epochs are filled circles, runs stopped early hollow rings.

    A colour belongs to a layers label's place in ``every_layers`` (every label the board could show), so
    colours stay put when *Include stopped runs* adds or removes a kind of network."""
    kind = AXES[across]
    if kind == "nominal":
        x = alt.X(f"{across}:N", axis=alt.Axis(labelAngle=0, **AXIS))
    else:
        scale = alt.Scale(type="log", **POINT_ROOM) if kind == "log" else alt.Scale(zero=True, **POINT_ROOM)
        x = alt.X(f"{across}:Q", scale=scale, axis=alt.Axis(**AXIS))
    gap = measure == "Gap"
    y = alt.Y(
        f"{measure}:Q",
        scale=alt.Scale(zero=gap, **POINT_ROOM),
        title="Training minus test" if gap else measure,
        axis=alt.Axis(format=".1%", tickMinStep=0.001, **AXIS),  # ticks 0.1 point apart: no label twice
    )
    layers = sorted(frame["Layers"].unique())
    colors = [RUN_COLORS[every_layers.index(label) % len(RUN_COLORS)] for label in layers]
    color = alt.Color(
        "Layers:N",
        scale=alt.Scale(domain=layers, range=colors),
        legend=wrapping_legend(layers, orient="bottom", labelLimit=200, title=None),
    )
    tooltip = [
        "Run:N",
        "Model:N",
        f"{across}:{'N' if kind == 'nominal' else 'Q'}",
        alt.Tooltip("Train accuracy:Q", format=".2%"),
        alt.Tooltip("Test accuracy:Q", format=".2%"),
        alt.Tooltip("Gap:Q", format=".2%"),
        "Training:N",
    ]
    title = "Overfitting gap" if gap else "Test accuracy"
    # The model files' paths stay on the server: a chart sends its whole frame to the browser.
    points = alt.Chart(frame.drop(columns="Model file", errors="ignore")).encode(x=x, y=y, color=color, tooltip=tooltip)
    complete = points.transform_filter(alt.datum.Training == COMPLETE).mark_circle(
        size=260, opacity=0.85, stroke="white", strokeWidth=1.5
    )
    stopped = points.transform_filter(alt.datum.Training != COMPLETE).mark_point(size=260, strokeWidth=2.5)
    return alt.layer(complete, stopped, title=alt.Title(title, **TITLE)).properties(height=190, autosize=PLOT_HEIGHT)


def results_table(frame, columns: list[str]) -> None:
    """The board's ``columns`` of ``frame`` as a table: whole run names, accuracies with two decimals."""
    st.dataframe(
        in_percent(frame[columns], PERCENTS),
        hide_index=True,
        width="stretch",
        column_config={
            "Run": st.column_config.TextColumn(width=name_width(frame["Run"])),
            "Train accuracy": st.column_config.NumberColumn(format=PERCENT, help=TRAINING_ACCURACY_HELP),
            "Test accuracy": st.column_config.NumberColumn(format=PERCENT),
            "Gap": st.column_config.NumberColumn(format=PERCENT, help="Train minus test accuracy."),
            "Training": st.column_config.TextColumn(help="Complete, or where a Stop ended the run."),
        },
    )


def name_width(names) -> int:
    """Pixels for the Run column that fit the longest name; left to itself, the table sizes it to the first rows."""
    return min(int(max(len(name) for name in names) * NAME_CHAR_PX) + NAME_PADDING_PX, NAME_MAX_PX)


@st.fragment(run_every=REFRESH_SECONDS)
def versus_section(hide_names: bool = False) -> None:
    """The class's "You vs model" rounds: how many students finished one against the model most of them
    played, their median accuracy against the model's on the same images, and the images they got wrong most
    often. With ``hide_names`` the model is not named (it may be a student's run)."""
    st.subheader("You vs the model")
    try:
        played = [Path(path) for path in registry().versus_models()]
        path = next((path for path in played if path.exists()), None)  # a deleted run's model is skipped
        answers = registry().versus_answers(str(path)) if path is not None else {}
    except UserError as error:
        st.error(f"The class's answers cannot be read: {error}")
        return
    if path is None:
        st.caption("Nobody has played on the *You vs model* page yet.")
        return
    if (predictor := load_predictor(path)) is None:
        return
    game = game_for(predictor)
    result = class_result(game.round, answers, game.predicted, game.labels)
    label = next((label for label, choice in model_choices().items() if choice == path), path.name)
    named = "" if hide_names else f" ({plain(label)})"
    st.caption(f"Against the model most of the class played{named}; only finished rounds count.")
    finished, everyone, machine = st.columns(3)
    finished.metric("Students finished", result.finished)
    everyone.metric(
        "The class (median)",
        "-" if result.class_accuracy is None else percent(result.class_accuracy),
        help="Half the students who finished did at least this well.",
    )
    machine.metric("The model", percent(result.model_accuracy), help="On the same images.")
    if result.hardest:
        st.markdown("**The images the class got wrong most often**")
        st.image(
            digit_grid([mnist().x_test[case.index] for case in result.hardest], scale=HARDEST_PX // SIZE),
            caption=[
                f"{case.wrong} of {case.answered} wrong · label {case.label} · model {case.model}"
                for case in result.hardest
            ],
            width=HARDEST_PX,
        )
