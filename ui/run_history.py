"""The Train page's run history: every ended run in a table, their curves overlaid, and use, rename, delete."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from class_server.registry import ENDED
from mnist_core.config import TrainConfig
from mnist_core.errors import UserError
from mnist_core.run_names import NAME_LIMIT
from ui.charts import compare_runs
from ui.plain_text import plain
from ui.resources import chosen_model, is_teacher, open_registry, use_model, user_id
from ui.train_settings import KEEP

TRAINING_ACCURACY_HELP = (
    "The average over the last epoch, measured while training, as Keras' fit reports it: with dropout and "
    "shifts switched on and the weights still improving. So after a short run it can be below the "
    "validation and test accuracy, which are measured after training with dropout off."
)
COMPARE_AUTO = 4  # at most this many runs are picked for the comparison chart without asking
# Accuracies in tables, given in percent: two decimals everywhere (Streamlit's "percent" format drops a
# trailing zero, and a printf format cannot scale a fraction: so ``in_percent`` first).
PERCENT = "%.2f%%"


def in_percent(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` (fractions, such as accuracies) times 100, for ``PERCENT``."""
    return frame.assign(**{column: frame[column] * 100 for column in columns})


def ended_runs() -> list:
    """The runs of the history: every run that ended (finished, stopped, failed or interrupted), oldest first."""
    return open_registry().list_runs(statuses=ENDED)


def history_table(runs) -> None:
    rows = []
    for run in runs:
        config = TrainConfig.from_dict(run.config)
        test, train = run.metrics.get("test_accuracy"), run.metrics.get("train_accuracy")
        validation = run.metrics.get("val_accuracy", test)  # runs from before the split validated on the test set
        rows.append(
            {
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
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "Run": st.column_config.TextColumn(width="medium", pinned=True),
            "Status": st.column_config.TextColumn(width="small"),
            "Model": st.column_config.TextColumn(width="medium"),
            "Epochs": st.column_config.NumberColumn(
                width="small", help="Epochs trained (the last one of a stopped run may be partial)."
            ),
            "Images": st.column_config.NumberColumn(format="localized", width="small", help="Training images."),
            "Batch": st.column_config.NumberColumn(width="small", help="Batch size."),
            "Optimizer": st.column_config.TextColumn(width="small", help="Optimizer and learning rate."),
            "Training accuracy": st.column_config.NumberColumn(format=PERCENT, help=TRAINING_ACCURACY_HELP),
            "Validation accuracy": st.column_config.NumberColumn(
                format=PERCENT, help="After the last epoch, on the images the run was checked on."
            ),
            "Gap": st.column_config.NumberColumn(
                format="%.2f",
                width="small",
                help="Training minus validation accuracy, in points: above zero, overfitting. Below zero after "
                "a short run or with strong dropout: see Training accuracy.",
            ),
            "Test accuracy": st.column_config.NumberColumn(
                format=PERCENT, help="Measured once, after training: the honest score."
            ),
            "Time (s)": st.column_config.NumberColumn(format="%.1f", width="small"),
        },
    )


def compare_curves(runs) -> None:
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
    picked = st.multiselect(
        "Compare runs",
        ids,
        format_func=lambda i: with_curves[i].name,
        key="compare",
        persist_state=KEEP,
        help="Overlay their accuracy curves on one chart.",
    )
    if picked:
        st.altair_chart(compare_runs({with_curves[i].name: with_curves[i].history for i in picked}), width="stretch")


def use_rename_delete(runs) -> None:
    """Use a run's model, or (its owner, or the teacher) rename or delete it."""
    by_id = {run.id: run for run in runs}
    run_id = st.selectbox("Run", list(by_id), format_func=lambda i: by_id[i].name, key="manage_run")
    run = by_id[run_id]
    registry = open_registry()
    left, middle, right = st.columns(3, vertical_alignment="bottom")
    if run.model_path is not None:
        if left.button("Use for drawing and evaluation", type="primary", key="manage_use"):
            use_model(run.model_path)
            st.toast(f"Draw and Evaluate now use {plain(run.name)}.")
    else:
        left.caption("This run kept no model.")
    if run.owner != user_id() and not is_teacher():
        middle.caption("Only whoever trained this run can rename or delete it.")
        return
    new_name = middle.text_input("New name", value=run.name, max_chars=NAME_LIMIT, key=f"rename_{run.id}")
    if middle.button("Rename") and new_name.strip() != run.name:
        try:
            registry.rename(run.id, new_name)
            st.rerun()
        except UserError as error:
            middle.error(plain(error))
    with right.popover("Delete", help="Removes the run and its model for everyone."):
        st.markdown(f"Delete **{plain(run.name)}** and its model for everyone? This cannot be undone.")
        if st.button("Yes, delete it", type="primary"):
            if run.model_path is not None and chosen_model() == run.model_path:
                use_model(None)  # Draw and Evaluate go back to the default model
            registry.delete(run.id)
            st.rerun()
