"""Streamlit pieces the pages put together: each module is one part of a page, too big to live in it."""
