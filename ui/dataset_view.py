"""Evaluate, the Dataset tab: MNIST's own images, a few at a time, and how many there are of each digit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.data import DIGITS
from ui.charts import digit_grid
from ui.resources import mnist


def dataset_tab() -> None:
    data = mnist()
    split = st.radio("Images from", ["Training set", "Test set"], horizontal=True)
    images, labels = (data.x_train, data.y_train) if split == "Training set" else (data.x_test, data.y_test)
    if st.button("Show other images"):
        st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1
    picked = np.random.default_rng(st.session_state.get("sample_seed", 0)).choice(len(labels), 32, replace=False)
    st.image(digit_grid(images[picked]), caption=[f"label {labels[i]}" for i in picked], width=84)
    balance = pd.DataFrame({"Digit": [str(d) for d in DIGITS], "Images": np.bincount(labels, minlength=len(DIGITS))})
    st.markdown("**How many images of each digit**")
    st.bar_chart(balance, x="Digit", y="Images", height=240)
