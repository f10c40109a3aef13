"""Our digits: the class's saved drawings teach a model, and before/after shows what it learned."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from mnist_core.errors import UserError
from ui.drawing_training import drawing_runs, drawing_warnings, follow, training_form
from ui.resources import is_teacher, registry, teacher_login
from ui.saved_drawings import own_drawings, teacher_review
from ui.streamlit_patches import use_app_navigation

use_app_navigation()
teacher_login()
st.title("Train on our digits")
st.caption(
    "MNIST's digits were written on paper by American students and clerks; ours are drawn with a mouse or "
    "a finger. Teach a model with our own drawings, keep some aside, and see what it learns and forgets."
)
try:
    images, labels = registry().drawings()
except UserError as error:
    st.error(f"The class's drawings cannot be read: {error}")
    st.stop()

counts = pd.DataFrame({"Digit": [str(d) for d in range(10)], "Drawings": [int((labels == d).sum()) for d in range(10)]})
st.markdown(f"**The class has saved {len(labels)} drawings** (Draw page, **Save as label**)")
st.altair_chart(
    alt.Chart(counts)
    .mark_bar()
    .encode(
        x=alt.X("Digit:N", axis=alt.Axis(labelAngle=0, labelFontSize=15)),
        y=alt.Y("Drawings:Q", axis=alt.Axis(tickMinStep=1)),
        tooltip=["Digit", "Drawings"],
    )
    .properties(height=180),
    width="stretch",
)
if is_teacher():
    teacher_review()  # everyone's drawings, the teacher's own among them
else:
    own_drawings()
enough = drawing_warnings(labels)
training_form(enough)
follow()

finished = [run for run in drawing_runs() if "after_drawings_accuracy" in run.metrics]
if finished:
    st.subheader("The class's runs on our drawings")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Run": run.name,
                    "How": "fine-tuned" if run.config["data"] == "drawings" else "mixed into MNIST",
                    "Drawings before": run.metrics["before_drawings_accuracy"],
                    "Drawings after": run.metrics["after_drawings_accuracy"],
                    "MNIST before": run.metrics["before_mnist_accuracy"],
                    "MNIST after": run.metrics["after_mnist_accuracy"],
                }
                for run in finished
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            k: st.column_config.NumberColumn(format="percent")
            for k in ("Drawings before", "Drawings after", "MNIST before", "MNIST after")
        },
    )
