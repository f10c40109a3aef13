"""Evaluate, the Per digit and Compare models tabs: each digit's scores for this model, and its accuracy beside
another model's."""

from __future__ import annotations

import streamlit as st

from mnist_core.evaluation import compare
from ui.resources import chosen_model, evaluation_of, load_predictor, model_choices
from ui.run_history import PERCENT, in_percent


def per_digit_tab(result) -> None:
    report = result.report()
    st.dataframe(
        report,
        hide_index=True,
        width="stretch",
        column_config={k: st.column_config.NumberColumn(format="%.3f") for k in ("precision", "recall", "f1")},
    )
    st.caption("Click a column header to sort. Recall is the share of each digit read correctly.")
    st.download_button("Download as CSV", report.to_csv(index=False), "per_digit_metrics.csv", "text/csv")


def compare_tab(label, result) -> None:
    choices = model_choices()
    others = [name for name in choices if choices[name] != chosen_model()]
    if not others:
        st.caption("Train another model on the Train page to compare it with this one.")
        return
    other_label = st.selectbox("Compare with", others)
    other = load_predictor(choices[other_label])
    if other is None:
        return
    table = compare(result, evaluation_of(other)).rename(
        columns={"a": f"A: {label}", "b": f"B: {other_label}", "difference": "B − A"}
    )
    st.dataframe(
        in_percent(table, table.columns[1:]),
        hide_index=True,
        width="stretch",
        height="content",  # all 11 rows: the last one, "All", is the overall accuracy
        column_config=comparison_columns(table.columns),
    )
    st.caption("The share of each digit's test images read correctly. B − A above zero: B reads that digit better.")


def comparison_columns(names) -> dict:
    """Percentages, and widths that keep B − A in view on a tablet however long the runs' names are
    (a cut name shows in full when its heading is pointed at)."""
    digit, first, second, difference = names
    return {
        digit: st.column_config.TextColumn(width=50),
        first: st.column_config.NumberColumn(format=PERCENT, width=150, help=first),
        second: st.column_config.NumberColumn(format=PERCENT, width=150, help=second),
        difference: st.column_config.NumberColumn(format=PERCENT, width=80),
    }
