"""Draw page: a photo of a digit on paper, as an alternative to drawing, decoded once per file.

Streamlit reruns the whole page on every click and every stroke, and the uploader hands the same file
back each time: decoding a large photo again on each rerun would hold up every answer after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from mnist_core.errors import UserError
from mnist_core.preprocess import MAX_UPLOAD_BYTES, Prepared, decode_upload, prepare_digit
from ui.plain_text import plain


@dataclass(frozen=True)
class Photo:
    prepared: Prepared | None  # None when the photo could not be read or holds no digit
    problem: str | None  # the sentence to show when it could not be read


def upload() -> Prepared | None:
    """The uploader and what its photo gives the model; None when there is no photo or no digit in it."""
    file = st.file_uploader(
        "Or upload a photo of a digit (PNG or JPEG)",
        type=["png", "jpg", "jpeg"],
        help=f"At most {MAX_UPLOAD_BYTES // 2**20} MB. Dark ink on light paper is fine.",
    )
    if file is None:
        return None
    photo = read_photo(file.getvalue(), file.name)
    if photo.problem is not None:
        st.error(f"{plain(file.name)}: {photo.problem}")
    elif photo.prepared is None:
        st.warning(f"{plain(file.name)}: no digit found in this image.")
    return photo.prepared


# Keyed by the file's bytes (and name, which the messages quote): the same file is decoded once, whoever
# uploads it. A refused file is remembered too, with its message, so it is not decoded again either.
@st.cache_data(max_entries=16, show_spinner=False)
def read_photo(data: bytes, name: str) -> Photo:
    try:
        return Photo(prepare_digit(decode_upload(data, name)), None)
    except UserError as error:
        return Photo(None, str(error))
