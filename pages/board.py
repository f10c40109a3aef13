"""Board: the whole class's results on one screen, for the projector; it updates as runs finish."""

from __future__ import annotations

import streamlit as st

from class_server.board import AXES, board_table, layers_labels, stopped_early
from class_server.registry import WITH_MODEL
from mnist_core.errors import UserError
from mnist_core.study import run_prefix
from mnist_core.wording import counted
from ui.board_stress import stress_section
from ui.board_view import board_chart, results_table, versus_section
from ui.plain_text import plain
from ui.resources import is_teacher, registry, teacher_passcode
from ui.streamlit_patches import use_app_navigation

REFRESH_SECONDS = 5
EVERYONE, STUDY = "Everyone's runs", "The dropout study"

use_app_navigation()
st.title("Class board")
st.caption(
    "Every run of the class that trained all its epochs is a point; pick what goes across in the sidebar. "
    "Runs stopped before their last epoch are left out unless you turn on *Include stopped runs*: "
    "then they are hollow rings. The board updates by itself as runs finish."
)
across = st.sidebar.radio(
    "Across",
    list(AXES),
    key="board_across",
    help="The setting the class varied. The seed notebook's study varies dropout and the layers.",
)
which = st.sidebar.radio(
    "Show", [EVERYONE, STUDY], help="The dropout study is queued from Evaluate > Dropout study, like any runs."
)
if teacher_passcode() is None or is_teacher():
    hide = st.sidebar.toggle(
        "Hide run names",
        key="board_hide_names",
        help="For the projector: runs are numbered #1, #2... in the table's order instead of named.",
    )
else:
    hide = False
include_stopped = st.sidebar.toggle(
    "Include stopped runs",
    key="board_include_stopped",
    help="Runs stopped before their last epoch are only partly trained: their accuracy shows where the Stop "
    "caught them, not what their settings do. Included, they are hollow rings and the table says where they stopped.",
)


@st.fragment(run_every=REFRESH_SECONDS)
def board() -> None:
    try:
        runs = registry().list_runs(statuses=WITH_MODEL)
    except UserError as error:
        st.error(f"The class's runs cannot be read: {error}")
        return
    if which == STUDY:
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
        f"best test accuracy **{best['Test accuracy']:.2%}** ({plain(best['Run'])})"
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


board()
versus_section(hide)
