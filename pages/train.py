"""Train: set the hyperparameters, press Train, watch the curves; compare runs.

The panels live in ui/: the settings in train_settings.py, the live run in live_run.py, the history
in run_history.py. The training loop itself is mnist_core/trainer.py.
"""

import streamlit as st

from ui.live_run import live_panel, queue_run, run_name_box, teacher_panel
from ui.plain_text import plain
from ui.resources import teacher_login
from ui.run_cost import run_cost
from ui.run_history import compare_curves, ended_runs, history_table, use_rename_delete
from ui.streamlit_patches import use_app_navigation
from ui.train_settings import (
    hyperparameter_controls,
    lesson_link,
    lesson_notices,
    lesson_settings,
    network_summary,
    open_settings,
    problem_with,
    show_the_code,
)

use_app_navigation()
teacher_login()
st.title("Train")
st.caption(
    "Choose the network and its training, press **Train**, and watch training and validation accuracy: "
    "when they drift apart, the network is memorising instead of learning. Choose your settings on "
    "validation images held out of training, never on the test set: a test score you tuned for no longer "
    "tells how the model does on digits it has never seen."
)
if "shown" not in st.session_state:
    open_settings()
if st.session_state.pop("clear_run_name", False):
    st.session_state.run_name = ""

settings, view = st.columns([2, 3], gap="large")
with settings:
    lesson_notices()
    config = hyperparameter_controls()
    lesson_settings(config)
    problem = problem_with(config)
    name = run_name_box()
    if problem:
        st.error(problem)
    else:
        run_cost(config)
    if st.button("Train", type="primary", disabled=problem is not None, width="stretch"):
        if queue_run(config, name):
            st.session_state.clear_run_name = True
            st.rerun()
    if error := st.session_state.pop("start_error", None):
        st.error(plain(error))
    lesson_link(config)

with view:
    live_panel(config.epochs)
    teacher_panel()
    with st.expander("Model summary: the network the controls describe", expanded=True):
        network_summary(config)

if not problem:
    show_the_code(config)  # the page's whole width: a line of Keras code is about 85 characters

st.divider()
st.header("Run history")
finished = ended_runs()
if not finished:
    st.caption("Finished runs appear here. Train the seed model, then the no-dropout preset, and compare them.")
else:
    history_table(finished)
    compare_curves(finished)
    with st.expander("Use, rename or delete a run"):
        use_rename_delete(finished)
