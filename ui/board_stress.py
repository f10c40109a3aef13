"""The Class board's stress section: each run's stress score (mnist_core/stress.py) against its test accuracy,
one point per run whose stress test is kept beside its model file (mnist_core/stress_record.py).

The board only reads the kept results: measuring here would hold the projector's page for seconds per run,
so a run without one is counted and the section says where to get it.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from class_server.board import COMPLETE
from mnist_core.stress import stress_score
from mnist_core.stress_record import read_stress
from mnist_core.wording import counted
from ui.charts import AXIS, PLOT_HEIGHT, POINT_ROOM, RUN_COLORS, TITLE, wrapping_legend

SCORE = "Stress score"
TITLE_TEXT = "Stress score against test accuracy"
NAMED_MOST = 12  # points named on the chart; more, and the names cover each other
HOW_TO_GET_ONE = (
    "To add a run: open **Evaluate**, pick the run in the sidebar, open the **Stress test** tab and press "
    "**Run the stress test**."
)


def stress_points(frame: pd.DataFrame) -> pd.DataFrame:
    """The board's rows whose model file has a kept stress test, with its stress score in a "Stress score" column
    (the model file's path dropped: a chart sends its frame to the browser)."""
    scores = [_score(path) for path in frame["Model file"]]
    points = frame.assign(**{SCORE: scores})
    return points[points[SCORE].notna()].drop(columns="Model file").astype({SCORE: float})


def _score(path: str | None) -> float | None:
    result = None if path is None else read_stress(path)
    return None if result is None else stress_score(result)


def stress_section(frame: pd.DataFrame, every_layers: list[str]) -> None:
    """The section under the board's table: the chart for the runs with a stress test, and how to add the others."""
    st.subheader(TITLE_TEXT)
    points = stress_points(frame)
    missing = len(frame) - len(points)
    if points.empty:
        st.caption(f"No run on the board has been stress tested yet. {HOW_TO_GET_ONE}")
        return
    st.altair_chart(stress_chart(points, every_layers), width="stretch")
    st.caption(
        "A run's stress score is the share of test digits it still reads right, on average, when they are "
        "moved, turned, thinned, thickened, covered in noise or blurred (each change at every strength of the "
        "Stress test). Points high up kept their accuracy "
        "when the digits changed; two runs with the same test accuracy can be far apart here."
    )
    if missing:
        st.caption(f"{counted(missing, 'run')} on the board not shown: not stress tested yet. {HOW_TO_GET_ONE}")


def stress_chart(points: pd.DataFrame, every_layers: list[str]) -> alt.LayerChart:
    """Stress score (up) against test accuracy (across), a point per run coloured by its layers as on the board's
    other charts; runs stopped early are hollow rings."""
    layers = sorted(points["Layers"].unique())
    colors = [RUN_COLORS[every_layers.index(label) % len(RUN_COLORS)] for label in layers]
    percent = alt.Axis(format=".1%", tickMinStep=0.001, **AXIS)
    base = alt.Chart(points).encode(
        x=alt.X("Test accuracy:Q", scale=alt.Scale(zero=False, **POINT_ROOM), axis=percent),
        y=alt.Y(f"{SCORE}:Q", scale=alt.Scale(zero=False, **POINT_ROOM), axis=percent),
        color=alt.Color(
            "Layers:N",
            scale=alt.Scale(domain=layers, range=colors),
            legend=wrapping_legend(layers, orient="bottom", labelLimit=200, title=None),
        ),
        tooltip=[
            "Run:N",
            "Model:N",
            alt.Tooltip("Test accuracy:Q", format=".2%"),
            alt.Tooltip(f"{SCORE}:Q", format=".1%"),
            "Training:N",
        ],
    )
    complete = base.transform_filter(alt.datum.Training == COMPLETE).mark_circle(
        size=260, opacity=0.85, stroke="white", strokeWidth=1.5
    )
    stopped = base.transform_filter(alt.datum.Training != COMPLETE).mark_point(size=260, strokeWidth=2.5)
    return alt.layer(complete, stopped, *_names(base, points), title=alt.Title(SCORE, **TITLE)).properties(
        height=220, autosize=PLOT_HEIGHT
    )


def _names(base: alt.Chart, points: pd.DataFrame) -> list[alt.Chart]:
    """Each point's run name beside it, toward the middle so no name runs off the chart (two MLPs share a colour,
    and a projector has no tooltips); left out when the class has too many runs for the names to be read."""
    if len(points) > NAMED_MOST:
        return []
    low, high = points["Test accuracy"].min(), points["Test accuracy"].max()
    middle = (low + high) / 2
    return [
        base.transform_filter(filter_).mark_text(align=align, dx=dx, fontSize=13).encode(text="Run:N")
        for filter_, align, dx in (
            (alt.datum["Test accuracy"] <= middle, "left", 13),
            (alt.datum["Test accuracy"] > middle, "right", -13),
        )
    ]
