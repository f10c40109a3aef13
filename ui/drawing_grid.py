"""A grid of saved drawings, one page at a time, each with a tick box, and a button that deletes the ticked ones.

Used twice on Our digits: a student's own drawings, and the teacher's review of everyone's.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import streamlit as st

from class_server.drawing_store import DrawingFilter, SavedDrawing
from mnist_core.errors import UserError
from mnist_core.geometry import SIZE
from mnist_core.wording import counted
from ui.resources import is_teacher, open_registry, user_id

PER_PAGE = 40  # 4 rows of 10 on a laptop: enough to scan at once, few enough widgets to stay quick
CELL_PX = 84  # each drawing is shown 3x its 28 pixels, sharp, with no smoothing by the browser


def browser_tag(owner: str | None) -> str:
    """A short, stable tag for the browser that saved a drawing (its id is a hash): what the teacher filters by."""
    return owner[:6] if owner else "unknown"


def browser_name(owner: str | None) -> str:
    return f"Browser {browser_tag(owner)}"


def drawing_page(which: DrawingFilter, key: str) -> tuple[int, list[SavedDrawing]]:
    """How many drawings ``which`` picks, and the page of them picked with a page number (newest first)."""
    registry = open_registry()
    total = registry.drawing_count(which)
    pages = max(1, math.ceil(total / PER_PAGE))
    page_key = f"{key}_page_{which.label}_{which.owner}"  # each filter keeps its own page
    if st.session_state.get(page_key, 1) > pages:  # deletions emptied the last page
        st.session_state[page_key] = pages
    page = 1
    if pages > 1:
        page = st.number_input("Page", min_value=1, max_value=pages, key=page_key, width=160)
        first = (page - 1) * PER_PAGE + 1
        st.caption(f"Drawings {first} to {min(first + PER_PAGE - 1, total)} of {total}, newest first.")
    return total, registry.saved_drawings(which, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)


def drawing_grid(drawings: list[SavedDrawing], key: str, describe: Callable[[SavedDrawing], str]) -> list[int]:
    """Each drawing with ``describe(drawing)`` under it and a Delete tick box; returns the ids ticked."""
    if len(drawings) > 1:
        st.button("Tick all on this page", key=f"{key}_tick_all", on_click=_tick, args=(key, drawings))
    ticked = []
    with st.container(horizontal=True, gap="small", key=f"{key}_grid"):
        for drawing in drawings:
            with st.container(width=CELL_PX + 8, gap=None, key=f"{key}_cell_{drawing.id}"):
                st.image(_enlarged(drawing.image), caption=describe(drawing))
                if st.checkbox("Delete", key=_tick_key(key, drawing.id)):
                    ticked.append(drawing.id)
    return ticked


def delete_button(ticked: list[int], key: str) -> None:
    """Delete the ticked drawings (a student only their own, the teacher any), then show the page again."""
    label = f"Delete {counted(len(ticked), 'ticked drawing')}" if ticked else "Delete the ticked drawings"
    if st.button(label, key=f"{key}_delete", disabled=not ticked, type="primary"):
        delete(ticked, key)


def delete(ids: list[int], key: str) -> None:
    try:
        gone = open_registry().delete_drawings(ids, by=user_id(), teacher=is_teacher())
    except UserError as error:
        st.error(str(error))
        return
    for drawing_id in ids:
        st.session_state.pop(_tick_key(key, drawing_id), None)
    st.session_state[f"{key}_notice"] = (
        f"Deleted {counted(gone, 'drawing')}. Training on our digits no longer uses {'it' if gone == 1 else 'them'}."
    )
    st.rerun()  # so every count on the page, the class's total at the top too, says what is left


def show_notice(key: str) -> None:
    """What the last deletion did, once, after the page was shown again."""
    if notice := st.session_state.pop(f"{key}_notice", None):
        st.success(notice)


def _tick_key(key: str, drawing_id: int) -> str:
    return f"{key}_tick_{drawing_id}"


def _tick(key: str, drawings: list[SavedDrawing]) -> None:
    for drawing in drawings:
        st.session_state[_tick_key(key, drawing.id)] = True


def _enlarged(image28: np.ndarray) -> np.ndarray:
    scale = CELL_PX // SIZE
    return np.kron(np.asarray(image28, np.uint8), np.ones((scale, scale), np.uint8))
