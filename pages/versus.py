"""You vs model: read about twenty MNIST test digits, mostly the ones the model finds hardest, then see how
you did against the model on the same images."""

from __future__ import annotations

import streamlit as st

from ui.resources import choose_model
from ui.streamlit_patches import use_app_navigation
from ui.versus_view import game_for, play

use_app_navigation()
st.title("You vs model")
st.caption("Can you read MNIST's hardest digits better than the model? Your answers are kept as you go.")
label, predictor = choose_model()
if predictor is None:
    st.stop()
play(game_for(predictor))
