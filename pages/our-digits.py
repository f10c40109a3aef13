"""Our digits: the class's saved drawings teach a model, and before/after shows what it learned."""

from __future__ import annotations

import streamlit as st

from ui.drawing_training import class_drawing_counts, drawing_runs_table, drawing_warnings, follow, training_form
from ui.resources import is_teacher, teacher_login
from ui.saved_drawings import own_drawings, teacher_review
from ui.streamlit_patches import use_app_navigation

use_app_navigation()
teacher_login()
st.title("Train on our digits")
st.caption(
    "MNIST's digits were written on paper by American students and clerks; ours are drawn with a mouse or "
    "a finger. Teach a model with our own drawings, keep some aside, and see what it learns and forgets."
)
labels = class_drawing_counts()
if is_teacher():
    teacher_review()  # everyone's drawings, the teacher's own among them
else:
    own_drawings()
enough = drawing_warnings(labels)
training_form(enough)
follow()

drawing_runs_table()
