"""The class's saved drawings: "Save as label" on Draw, with this student's count against the cap; on Our
digits, a student's own drawings to delete, and the teacher's review of everyone's, filtered, to delete any.

"Our digits" trains on what the store holds when a run starts, so a deleted drawing is never trained on.
"""

from __future__ import annotations

import io

import streamlit as st
from PIL import Image

from class_server.drawing_cap import drawings_per_student
from class_server.drawing_store import DrawingFilter
from mnist_core.data import DIGITS
from mnist_core.errors import DrawingLimitError, UserError
from mnist_core.wording import counted
from ui.drawing_grid import browser_name, browser_tag, delete, delete_button, drawing_grid, drawing_page, show_notice
from ui.resources import is_teacher, open_registry, user_id

EVERY_DIGIT, EVERYONE = "Every digit", "Everyone"


def save_drawing(prepared, raw, suggested: int) -> None:
    """Keep the drawing with the digit it really is (the model's answer is offered first), and say how many
    of their drawings this student has saved, out of how many they may."""
    left, right = st.columns([1, 2])
    # No key: a new answer makes a new widget, so the offered label follows the latest drawing.
    label = left.selectbox("Label", list(DIGITS), index=suggested, label_visibility="collapsed")
    refused = False
    if right.button(
        "Save as label",
        help="Adds this drawing to the class's own drawings: the Evaluate page can score models on them, "
        "and Our digits can train on them.",
    ):
        refused = not save(label, prepared.image, raw)
    if not refused:
        st.caption(saved_so_far())


def save(label: int, image28, raw) -> bool:
    """Store the drawing (and the canvas it came from, if drawn); False, with a message, if it was not saved."""
    png = None
    if raw is not None:
        buffer = io.BytesIO()
        Image.fromarray(raw).save(buffer, format="PNG")
        png = buffer.getvalue()
    try:
        registry = open_registry()
        limit = None if is_teacher() else drawings_per_student()
        registry.add_drawing(label, image28, png, owner=user_id(), limit=limit)
        count = registry.drawing_count()
    except DrawingLimitError as error:
        st.warning(str(error))  # the drawing stays on the canvas: nothing else is lost
        return False
    except UserError as error:
        st.error(str(error))
        return False
    st.toast(f"Saved as {label}. Thank you! The class has saved {counted(count, 'drawing')}.")
    return True


def saved_so_far(where_to_delete: str = "on the Our digits page") -> str:
    """This student's drawings against the cap, as one sentence (two at the cap: where to make room)."""
    mine = open_registry().drawing_count(DrawingFilter(owner=user_id()))
    if is_teacher():
        return f"You have saved {counted(mine, 'drawing')}. As the teacher, you have no limit."
    limit = drawings_per_student()
    if mine >= limit:
        return (
            f"You have saved {mine} of your {limit} drawings, so you cannot save more. "
            f"Delete some {where_to_delete} to make room."
        )
    return f"You have saved {mine} of your {limit} drawings."


def own_drawings() -> None:
    """A student's own saved drawings, a page at a time, to delete any of them."""
    key = "own_drawings"
    with st.expander("Your drawings", key=f"{key}_open", icon=":material/grid_view:"):
        show_notice(key)
        st.markdown(saved_so_far(where_to_delete="below"))
        total, drawings = drawing_page(DrawingFilter(owner=user_id()), key)
        if not total:
            st.caption("Drawings you save with Save as label on the Draw page appear here.")
            return
        st.caption(
            f"Tick the ones you want gone, then press Delete. The teacher sees yours under {browser_name(user_id())}."
        )
        ticked = drawing_grid(drawings, key, lambda drawing: f"Saved as {drawing.label}")
        delete_button(ticked, key)


def teacher_review() -> None:
    """The teacher: every saved drawing, filtered by the digit it was saved as and by who saved it."""
    key = "review_drawings"
    registry = open_registry()
    with st.expander(f"Teacher: the class's drawings ({registry.drawing_count()})", key=f"{key}_open"):
        show_notice(key)
        which = review_filter(registry.drawing_owners())
        total, drawings = drawing_page(which, key)
        st.markdown(f"**{counted(total, 'drawing')}** {'match' if total != 1 else 'matches'}.")
        if not total:
            return
        ticked = drawing_grid(drawings, key, lambda drawing: f"Saved as {drawing.label}, {browser_tag(drawing.owner)}")
        left, right = st.columns(2, vertical_alignment="center")
        with left:
            delete_button(ticked, key)
        if which.owner is not None:  # one browser flooded the store: all of it, not a page at a time
            with right.popover("Delete every drawing that matches"):
                st.markdown(
                    f"Delete all {counted(total, 'drawing')} that match, not only this page? This cannot be undone."
                )
                if st.button("Yes, delete them", type="primary", key=f"{key}_delete_all"):
                    delete([drawing.id for drawing in registry.saved_drawings(which)], key)


def review_filter(owners: dict[str, int]) -> DrawingFilter:
    """The teacher's choice of drawings: by the digit they were saved as, and by the browser that saved them."""
    if st.session_state.get("review_owner", EVERYONE) not in (EVERYONE, *owners):
        del st.session_state["review_owner"]  # that browser's drawings are all deleted: back to everyone
    left, right = st.columns(2)
    label = left.selectbox("Saved as", [EVERY_DIGIT, *DIGITS], key="review_label")
    owner = right.selectbox(
        "Saved by",
        [EVERYONE, *owners],
        format_func=lambda o: o if o == EVERYONE else f"{browser_name(o)} ({counted(owners[o], 'drawing')})",
        key="review_owner",
    )
    return DrawingFilter(
        label=None if label == EVERY_DIGIT else label,
        owner=None if owner == EVERYONE else owner,
    )
