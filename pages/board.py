"""Board: the whole class's results on one screen, for the projector; it updates as runs finish."""

from __future__ import annotations

import streamlit as st

from ui.board_view import AXES, class_board, versus_section
from ui.resources import is_teacher, teacher_passcode
from ui.streamlit_patches import use_app_navigation

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


class_board(across, which == STUDY, hide, include_stopped)
versus_section(hide)
