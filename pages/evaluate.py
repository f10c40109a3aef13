"""Evaluate: where the model goes wrong, how each digit fares, how it copes with changed digits, what it learned,
and the dropout study."""

from __future__ import annotations

import streamlit as st

from ui.confusion_view import errors_tab
from ui.dataset_view import dataset_tab
from ui.evaluate_tabs import download_button, drawings_tab, headline, learned_tab
from ui.per_digit_view import compare_tab, per_digit_tab
from ui.resources import choose_model, evaluation_of, mnist
from ui.streamlit_patches import use_app_navigation
from ui.stress_view import stress_tab
from ui.study_view import study_tab

use_app_navigation()
st.title("Evaluate")
label, predictor = choose_model()
if predictor is None:
    st.stop()
result = evaluation_of(predictor)
images = mnist().x_test
headline(result)
download_button(predictor)

errors, per_digit, drawings, dataset, comparison, stress, learned, study = st.tabs(
    ["Errors", "Per digit", "Class drawings", "Dataset", "Compare models", "Stress test", "Inside the network"]
    + ["Dropout study"]
)
with errors:
    errors_tab(predictor, result, images)
with per_digit:
    per_digit_tab(result)
with drawings:
    drawings_tab(predictor)
with dataset:
    dataset_tab()
with comparison:
    compare_tab(label, result)
with stress:
    stress_tab(label, predictor)
with learned:
    learned_tab(predictor, result)
with study:
    study_tab()
