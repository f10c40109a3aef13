"""Draw page: the model's answer to a drawing, in large type with its bars; "1 or 7?" when it is torn.

The answer is on the critical path from pen up to screen (issue 25: 150 ms at p95 on a 2-core server),
so it is only the model's call and one element, the heading and the bars in plain HTML, which the browser
draws in one go; what it means comes under the bars, and the pictures after it on the page.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from mnist_core.preprocess import Prepared
from mnist_core.verdict import Verdict, verdict
from mnist_core.wording import percent
from ui.charts import probability_bars_html

MOSTLY_INK = 0.5  # a canvas more than half covered is a scribble, not a digit
# Streamlit sends elements from its server thread, which needs the GIL; the pictures made right after the
# answer keep this thread busy in NumPy and Pillow, and the answer waited for its turn to leave. A short
# sleep lets it go first (16 drawings at load 4: heading in the browser p95 227 -> 146 ms after sending).
SEND_AHEAD_S = 0.015


def show_answer(predictor, prepared: Prepared) -> Verdict:
    """The answer, all ten probabilities, and how sure the model is; returns the verdict."""
    probabilities = predictor.probabilities(prepared.image)
    said = verdict(probabilities)
    torn = said.unsure and prepared.ink_fraction <= MOSTLY_INK
    headline = f"Prediction: {said.top} or {said.second}?" if torn else f"Prediction: {said.top}"
    shown = (said.top, said.second) if torn else (said.top,)
    # markdown, not st.html: st.html draws its content a frame or two after the element appears
    st.markdown(f"## {headline}\n\n{probability_bars_html(probabilities, shown)}", unsafe_allow_html=True)
    if prepared.ink_fraction > MOSTLY_INK:
        st.info("The canvas is mostly ink, so this is hardly a digit. Press **Clear** and draw one digit.")
    elif torn:
        st.warning(unsure_message(said))
    else:
        st.caption(f"{percent(said.top_probability, 1)} sure.")
    time.sleep(SEND_AHEAD_S)
    return said


def show_waiting() -> None:
    """Before any drawing: the answer's place, with its bars at zero. It is the same kind of element as the
    answer (markdown with HTML), so the browser fetches the code that draws it when the page opens, not as the
    first answer arrives: at a class's first drawing, thirty pages fetching it at once held answers back by up to
    half a minute (the classroom load test, issue 29)."""
    st.markdown(f"## Draw a digit\n\n{probability_bars_html(np.zeros(10), ())}", unsafe_allow_html=True)
    st.caption("The model's answer appears here.")


def unsure_message(said: Verdict) -> str:
    return (
        f"The model is not sure: {percent(said.top_probability)} for {said.top}, {percent(said.second_probability)} "
        f"for {said.second}. Which one did you mean? Choose it in the box below and press **Save as label**: "
        "your drawing then helps the class's model learn."
    )
