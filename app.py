"""MNIST Studio: navigation only. Each page lives in pages/ and calls into mnist_core."""

import streamlit as st

st.set_page_config(page_title="MNIST Studio", page_icon=":material/draw:", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/monitoring:", url_path="train"),
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/search:", url_path="evaluate"),
    st.Page("pages/versus.py", title="You vs model", icon=":material/compare_arrows:", url_path="versus"),
    st.Page("pages/our-digits.py", title="Our digits", icon=":material/school:", url_path="our-digits"),
    st.Page("pages/board.py", title="Class board", icon=":material/leaderboard:", url_path="board"),
]
st.navigation(pages).run()
