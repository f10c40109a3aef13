"""Evaluate, Dropout study tab: queue the seed notebook's ablation and read its table as runs finish.

The Board page (pages/board.py) shows the same runs among the whole class's.
"""

from __future__ import annotations

import streamlit as st

from class_server.registry import WITH_MODEL
from mnist_core.errors import UserError
from mnist_core.study import STUDIES, free_study_number, run_name, run_prefix, study_table, variant_label
from ui.charts import gap_against_dropout
from ui.resources import device_id, is_teacher, job_manager, open_registry, user_id
from ui.run_history import PERCENT, in_percent


def queue_study() -> None:
    """Queue every variant of the dropout study as one request (all of it, or none with the reason)."""
    variants = STUDIES["dropout"]
    try:
        stamp = free_study_number("dropout", [run.name for run in open_registry().list_runs()])
        job_manager().submit_group(
            [(config, run_name("dropout", variant, stamp)) for variant, config in variants],
            owner=user_id(),
            teacher=is_teacher(),
            device=device_id(),
        )
    except UserError as error:
        st.error(f"The study was not queued. {error}")
        return
    st.toast(f"Queued {len(variants)} runs. Watch them on the Train page, or wait here.")


def study_tab() -> None:
    st.markdown(
        "The seed notebook's ablations: the same MLP with more or less dropout and with 1, 2 or 3 dense "
        "layers. Each variant trains on the Train page's queue; the table fills in as they finish."
    )
    if st.button("Run the dropout study", type="primary"):
        queue_study()
    runs = [r for r in open_registry().list_runs() if r.name.startswith(run_prefix("dropout"))]
    done = [r for r in runs if r.status in WITH_MODEL and r.metrics]
    waiting = len(runs) - len(done)
    if waiting:
        st.info(f"{waiting} study runs are queued, running or did not finish.")
    if not done:
        return
    rows = [
        {
            "label": variant_label("dropout", r.config) or r.name,
            "dropout": r.config["dropouts"][0],
            "train_accuracy": r.metrics["train_accuracy"],
            "test_accuracy": r.metrics["test_accuracy"],
        }
        for r in reversed(done)
    ]
    frame = study_table(rows)
    percents = ("Train accuracy", "Test accuracy", "Gap")
    st.dataframe(
        in_percent(frame, percents),
        hide_index=True,
        width="stretch",
        column_config={
            "Variant": st.column_config.TextColumn(width="medium"),
            "Dropout": st.column_config.NumberColumn(width="small"),
            **{column: st.column_config.NumberColumn(format=PERCENT, width="small") for column in percents},
        },
    )
    st.altair_chart(gap_against_dropout(frame), width="stretch")
    st.page_link(
        "pages/board.py", label="See it on the Class board, among the class's runs", icon=":material/leaderboard:"
    )
