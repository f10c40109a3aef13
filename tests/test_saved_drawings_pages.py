"""The saved drawings in the pages, headless: Save as label with the cap shown and kept; on Our digits, a
student's own drawings to delete, and the teacher's review of everyone's, filtered, to delete any."""

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from class_server.drawing_store import DrawingFilter
from class_server.registry import Registry

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUR_DIGITS = str(PROJECT_DIR / "pages" / "our-digits.py")
PASSCODE = "owl-42"


@pytest.fixture
def studio(monkeypatch, tmp_path):
    """A run store of this test's own, a teacher's passcode, a cap of 3 drawings per student."""
    monkeypatch.syspath_prepend(str(PROJECT_DIR))
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_PASSCODE", PASSCODE)
    monkeypatch.setenv("MNIST_STUDIO_DRAWINGS_PER_STUDENT", "3")
    st.cache_resource.clear()
    yield Registry(tmp_path)
    st.cache_resource.clear()


def save_part():
    """The Draw page's save part, for a drawing the model read as 3 (AppTest cannot draw on the canvas)."""
    from types import SimpleNamespace

    import numpy as np

    from ui.saved_drawings import save_drawing

    save_drawing(SimpleNamespace(image=np.full((28, 28), 200, np.uint8)), None, 3)


def as_browser(at: AppTest, owner: str) -> AppTest:
    """A session whose browser is ``owner`` (AppTest has no cookie, so the id lives in the session)."""
    at.session_state["user_id"] = owner
    return at.run()


def texts(at: AppTest) -> str:
    parts = [*at.caption, *at.markdown, *at.warning, *at.error, *at.success, *at.info]
    return " | ".join(part.value for part in parts)


def saved(registry: Registry, owner: str, labels) -> list[int]:
    return [
        registry.add_drawing(label, np.full((28, 28), i, np.uint8), None, owner=owner) for i, label in enumerate(labels)
    ]


def test_save_as_label_shows_the_count_and_refuses_past_the_cap(studio):
    at = as_browser(AppTest.from_function(save_part, default_timeout=30), "alice")
    assert "You have saved 0 of your 3 drawings." in texts(at)
    for count in (1, 2):
        at.button[0].click().run()
        assert f"You have saved {count} of your 3 drawings." in texts(at)
    at.selectbox[0].select(5)
    at.button[0].click().run()
    assert "You have saved 3 of your 3 drawings, so you cannot save more. Delete some on the Our digits page" in texts(
        at
    )
    at.button[0].click().run()
    assert [w.value for w in at.warning] == [
        "You have already saved 3 drawings, the most one student may keep, so this one was not saved. "
        "Delete some of yours on the Our digits page to make room."
    ]
    assert not at.exception and not at.error
    assert at.selectbox[0].value == 5  # the label picked is still there for after a deletion
    assert studio.drawing_count() == 3 and [d.label for d in studio.saved_drawings()] == [5, 3, 3]


def test_a_student_sees_only_their_own_drawings_and_deletes_some(studio):
    mine = saved(studio, "alice", [3, 7])
    saved(studio, "bob", [1, 1, 1])
    at = as_browser(AppTest.from_file(OUR_DIGITS, default_timeout=60), "alice")
    assert not at.exception
    assert "The class has saved 5 drawings" in texts(at)
    assert [e.label for e in at.main.expander] == ["Your drawings"]
    assert "You have saved 2 of your 3 drawings." in texts(at)
    assert "The teacher sees yours under Browser alice." in texts(at)
    ticks = [c.key for c in at.checkbox if c.key.startswith("own_drawings_tick_")]
    assert ticks == [f"own_drawings_tick_{i}" for i in reversed(mine)]  # hers only, newest first
    assert at.button(key="own_drawings_delete").disabled
    at.checkbox(key=f"own_drawings_tick_{mine[1]}").check().run()
    assert at.button(key="own_drawings_delete").label == "Delete 1 ticked drawing"
    at.button(key="own_drawings_delete").click().run()
    assert not at.exception
    assert "Deleted 1 drawing. Training on our digits no longer uses it." in texts(at)
    assert "The class has saved 4 drawings" in texts(at)
    assert "You have saved 1 of your 3 drawings." in texts(at)
    assert [d.label for d in studio.saved_drawings(DrawingFilter(owner="alice"))] == [3]


def test_the_teacher_reviews_everyones_drawings_filters_them_and_deletes_any(studio):
    saved(studio, "alice", [3, 7])
    bobs = saved(studio, "bob", [7, 7, 1])
    at = as_browser(AppTest.from_file(OUR_DIGITS, default_timeout=60), "teacher")
    next(box for box in at.sidebar.text_input if box.label == "Passcode").input(PASSCODE)
    next(button for button in at.sidebar.button if button.label == "Sign in").click().run()  # one try, in a form
    assert [e.label for e in at.main.expander] == ["Teacher: the class's drawings (5)"]
    assert "**5 drawings** match." in texts(at)
    at.selectbox(key="review_label").select(7).run()
    assert "**3 drawings** match." in texts(at)
    assert [option for option in at.selectbox(key="review_owner").options] == [
        "Everyone",
        "Browser bob (3 drawings)",
        "Browser alice (2 drawings)",
    ]
    at.selectbox(key="review_owner").set_value("bob").run()
    assert "**2 drawings** match." in texts(at)
    at.checkbox(key=f"review_drawings_tick_{bobs[1]}").check().run()
    at.button(key="review_drawings_delete").click().run()
    assert not at.exception
    assert "Deleted 1 drawing." in texts(at)
    assert "The class has saved 4 drawings" in texts(at) and "**1 drawing** matches." in texts(at)
    assert [e.label for e in at.main.expander] == ["Teacher: the class's drawings (4)"]

    at.selectbox(key="review_label").select("Every digit").run()
    assert "**2 drawings** match." in texts(at)
    at.button(key="review_drawings_delete_all").click().run()  # the popover's "Yes, delete them"
    assert "Deleted 2 drawings. Training on our digits no longer uses them." in texts(at)
    assert "The class has saved 2 drawings" in texts(at)
    assert at.selectbox(key="review_owner").value == "Everyone"  # bob has no drawings left to pick
    assert studio.drawing_owners() == {"alice": 2}


def test_tick_all_ticks_the_whole_page(studio):
    saved(studio, "alice", [1, 2, 3])
    at = as_browser(AppTest.from_file(OUR_DIGITS, default_timeout=60), "alice")
    at.button(key="own_drawings_tick_all").click().run()
    assert at.button(key="own_drawings_delete").label == "Delete 3 ticked drawings"


def test_a_student_at_the_cap_is_told_to_make_room_below(studio):
    saved(studio, "alice", [1, 2, 3])
    at = as_browser(AppTest.from_file(OUR_DIGITS, default_timeout=60), "alice")
    assert "You have saved 3 of your 3 drawings, so you cannot save more. Delete some below to make room." in texts(at)


def test_a_drawing_another_tab_deleted_is_simply_gone(studio):
    first, second = saved(studio, "alice", [4, 5])
    at = as_browser(AppTest.from_file(OUR_DIGITS, default_timeout=60), "alice")
    at.checkbox(key=f"own_drawings_tick_{first}").check().run()
    studio.delete_drawings([first], by="alice")  # the other tab
    at.checkbox(key=f"own_drawings_tick_{second}").check().run()
    assert not at.exception
    assert [c.key for c in at.checkbox if c.key.startswith("own_drawings_tick_")] == [f"own_drawings_tick_{second}"]
    assert at.button(key="own_drawings_delete").label == "Delete 1 ticked drawing"
