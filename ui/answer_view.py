"""Draw page: the model's answer to a drawing, in large type with its bars; "1 or 7?" when it is torn.

The answer is on the critical path from pen up to screen (issue 25: 150 ms at p95 on a 2-core server),
so it is only the model's call, a heading and bars in plain HTML; the pictures come after it on the page.
"""

from __future__ import annotations

import streamlit as st

from mnist_core.preprocess import Prepared
from mnist_core.verdict import Verdict, verdict
from ui.charts import probability_bars_html

MOSTLY_INK = 0.5  # a canvas more than half covered is a scribble, not a digit


def show_answer(predictor, prepared: Prepared) -> Verdict:
    """The answer, how sure the model is, and all ten probabilities; returns the verdict."""
    probabilities = predictor.probabilities(prepared.image)
    said = verdict(probabilities)
    if prepared.ink_fraction > MOSTLY_INK:
        st.markdown(f"## Prediction: {said.top}")
        st.info("The canvas is mostly ink, so this is hardly a digit. Press **Clear** and draw one digit.")
        shown = (said.top,)
    elif said.unsure:
        st.markdown(f"## Prediction: {said.top} or {said.second}?")
        st.warning(unsure_message(said))
        shown = (said.top, said.second)
    else:
        st.markdown(f"## Prediction: {said.top}")
        st.caption(f"{said.top_probability:.1%} sure.")
        shown = (said.top,)
    st.html(probability_bars_html(probabilities, highlighted=shown))
    return said


def unsure_message(said: Verdict) -> str:
    return (
        f"The model is not sure: {said.top_probability:.0%} for {said.top}, {said.second_probability:.0%} "
        f"for {said.second}. Which one did you mean? Choose it in the box below and press **Save as label**: "
        "your drawing then helps the class's model learn."
    )
