"""Who a browser is (from Streamlit's XSRF cookie, unmasked) and the teacher's passcode, rate-limited."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui.resources import PASSCODE_TRIES, xsrf_token

PROJECT_DIR = Path(__file__).resolve().parent.parent
TRAIN_PAGE = str(PROJECT_DIR / "pages" / "train.py")


def masked(token: bytes, mask: bytes) -> str:
    """An XSRF cookie as Streamlit writes it: ``2|mask|token xor mask|timestamp``."""
    return f"2|{mask.hex()}|{bytes(b ^ mask[i % 4] for i, b in enumerate(token)).hex()}|1764108000"


def test_the_same_token_under_two_masks_is_the_same_browser():
    token = bytes(range(16))
    first, second = masked(token, b"\x01\x02\x03\x04"), masked(token, b"\xaa\xbb\xcc\xdd")
    assert first != second  # what the old id hashed, and why it changed on every reload
    assert xsrf_token(first) == xsrf_token(second) == token
    assert xsrf_token(f'"{first}"') == token  # a quoted cookie value


@pytest.mark.parametrize(
    "cookie", [None, "", "garbage", "2|zz|00|1", "2|0102|0011|1", "1|01020304|00|1", "2|01020304||1", "2|01020304|0011"]
)
def test_a_cookie_that_is_not_a_version_2_token_gives_no_identity(cookie):
    assert xsrf_token(cookie) is None


@pytest.fixture
def teacher_studio(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(PROJECT_DIR))
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_PASSCODE", "owl-42")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def type_passcode(at: AppTest, text: str) -> AppTest:
    next(box for box in at.sidebar.text_input if box.label == "Passcode").input(text)
    return at.run()


def test_the_passcode_turns_teacher_controls_on(teacher_studio):
    at = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")
    assert "On: you can stop and delete any run." in [c.value for c in at.sidebar.caption]


def test_wrong_passcodes_are_limited_per_browser_even_when_the_right_one_follows(teacher_studio):
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    for attempt in range(PASSCODE_TRIES):
        at = type_passcode(at, f"guess-{attempt}")
        assert [e.value for e in at.error] == ["That is not the passcode."]
    at = type_passcode(at, "owl-42")
    [message] = [e.value for e in at.error]
    assert message.startswith("Too many wrong passcodes. Try again in ") and message.endswith(" s.")
    assert "On: you can stop and delete any run." not in [c.value for c in at.sidebar.caption]
    other = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")  # another browser
    assert "On: you can stop and delete any run." in [c.value for c in other.sidebar.caption]


def test_the_teacher_sets_the_class_limit_and_is_not_limited(teacher_studio):
    """The limit is the server's: a student's page follows the teacher's control; the teacher's own long runs
    are only estimated."""
    teacher = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")
    teacher.slider(key="epochs").set_value(50)
    teacher.run()
    assert not teacher.warning
    box = next(b for b in teacher.sidebar.number_input if b.label == "Longest student run (minutes)")
    assert box.value == 2
    box.set_value(0.5).run()
    student = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    student.slider(key="epochs").set_value(50)
    student.run()
    [warning] = [w.value for w in student.warning]
    assert "the class limit is 0.5 minutes a run: lower the epochs to " in warning
    assert not teacher.run().warning
