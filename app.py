"""MNIST Studio: navigation only. Each page lives in pages/ and calls into mnist_core."""

import streamlit as st

st.set_page_config(page_title="MNIST Studio", page_icon="✏️", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train.py", title="Train", icon="📈", url_path="train"),
    st.Page("pages/draw.py", title="Draw", icon="✏️", url_path="draw"),
    st.Page("pages/evaluate.py", title="Evaluate", icon="🔍", url_path="evaluate"),
]
st.navigation(pages).run()
