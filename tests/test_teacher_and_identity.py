"""Who a browser is (from Streamlit's XSRF cookie, unmasked) and the teacher's passcode, rate-limited."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui.resources import PASSCODE_TRIES
from ui.streamlit_patches import xsrf_token

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


def passcode_box(at: AppTest):
    return next(box for box in at.sidebar.text_input if box.label == "Passcode")


def type_passcode(at: AppTest, text: str) -> AppTest:
    """Type into the box and press Sign in: one try."""
    passcode_box(at).input(text)
    return next(button for button in at.sidebar.button if button.label == "Sign in").click().run()


def signed_in(at: AppTest) -> bool:
    return "On: you can stop and delete any run." in [c.value for c in at.sidebar.caption]


def test_the_passcode_turns_teacher_controls_on(teacher_studio):
    at = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")
    assert signed_in(at)


def test_wrong_passcodes_are_limited_per_browser_even_when_the_right_one_follows(teacher_studio):
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    for attempt in range(PASSCODE_TRIES):
        at = type_passcode(at, f"guess-{attempt}")
        assert [e.value for e in at.error] == ["That is not the passcode."]
    at = type_passcode(at, "owl-42")
    [message] = [e.value for e in at.error]
    assert message.startswith("Too many wrong passcodes. Try again in ") and message.endswith(" s.")
    assert not signed_in(at)
    other = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")  # another browser
    assert signed_in(other)


def test_a_typo_counts_once_however_often_the_page_reruns_afterwards(teacher_studio):
    """Issue 29: the typo stayed in the box and counted again at each rerun, so the right passcode was refused."""
    at = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-24")
    assert [e.value for e in at.error] == ["That is not the passcode."]
    for epochs in (3, 4, 5, 6, 7, 8):  # six slider moves, each a rerun of the page
        at = at.slider(key="epochs").set_value(epochs).run()
        assert not at.exception and not at.error
    # The form emptied the box: Sign in pressed again sends nothing, and is no try.
    at = next(button for button in at.sidebar.button if button.label == "Sign in").click().run()
    assert not at.error and not signed_in(at)
    at = type_passcode(at, "owl-42")
    assert signed_in(at)


def test_typing_without_pressing_sign_in_is_not_a_try(teacher_studio):
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    for _ in range(PASSCODE_TRIES + 1):
        passcode_box(at).input("not yet")
        at = at.slider(key="epochs").set_value(at.slider(key="epochs").value % 20 + 1).run()
        assert not at.error and not signed_in(at)
    assert signed_in(type_passcode(at, "owl-42"))


@pytest.fixture
def from_address(monkeypatch):
    """Sets the address the next page runs come from, as a class network's device would connect."""
    import ui.resources

    address = {"now": None}
    monkeypatch.setattr(ui.resources, "client_address", lambda: address["now"])
    return lambda value: address.update(now=value)


def test_a_private_window_on_the_same_device_gets_no_fresh_passcode_tries(teacher_studio, from_address):
    from_address("192.168.1.23")
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    for attempt in range(PASSCODE_TRIES):
        at = type_passcode(at, f"guess-{attempt}")
    private_window = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")
    [message] = [e.value for e in private_window.error]
    assert message.startswith("Too many wrong passcodes.") and not signed_in(private_window)
    from_address("192.168.1.40")  # the teacher's own laptop on the class network
    assert signed_in(type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42"))


def test_on_the_servers_own_machine_passcode_tries_count_per_browser(teacher_studio, from_address):
    from_address("127.0.0.1")
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=60).run()
    for attempt in range(PASSCODE_TRIES):
        at = type_passcode(at, f"guess-{attempt}")
    assert signed_in(type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42"))


def test_the_teacher_sees_which_device_each_run_comes_from(teacher_studio, from_address, tmp_path):
    from class_server.registry import Registry

    registry = Registry(tmp_path)
    registry.create_run({"hidden_units": [32], "dropouts": [0.0]}, name="desk 7", status="running", device="10.0.0.7")
    registry.create_run({"hidden_units": [32], "dropouts": [0.0]}, name="teacher laptop", status="queued")
    from_address("10.0.0.40")
    teacher = type_passcode(AppTest.from_file(TRAIN_PAGE, default_timeout=60).run(), "owl-42")
    lines = [m.value for m in teacher.markdown]
    assert any(line.startswith("desk 7 (running, from 10.0.0.7):") for line in lines), lines
    assert any(line.startswith("teacher laptop (queued):") for line in lines), lines


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
