"""Each page runs headless (no browser) through Streamlit's AppTest without an exception."""

from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PAGES = {
    "pages/train.py": "Train",
    "pages/draw.py": "Draw",
    "pages/evaluate.py": "Evaluate",
    "pages/versus.py": "You vs model",
    "pages/our-digits.py": "Train on our digits",
    "pages/board.py": "Class board",
}


@pytest.fixture(autouse=True)
def project_on_path(monkeypatch):
    """Pages import ``pages.*`` and ``mnist_core``; `streamlit run` finds them from the project folder."""
    monkeypatch.syspath_prepend(str(PROJECT_DIR))


@pytest.fixture(autouse=True)
def full_error_details():
    """The app redacts errors (.streamlit/config.toml); a failing test should say what went wrong."""
    previous = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", previous)


def titles(at: AppTest) -> str:
    return " ".join(title.value for title in at.title)


def errors(at: AppTest) -> list[str]:
    return [exception.message for exception in at.exception]


def test_home_runs():
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60).run()
    assert not at.exception, errors(at)
    assert "MNIST Studio" in titles(at)


@pytest.mark.parametrize("path, name", PAGES.items(), ids=list(PAGES.values()))
def test_page_runs_alone(path, name):
    at = AppTest.from_file(str(PROJECT_DIR / path), default_timeout=60).run()
    assert not at.exception, errors(at)
    assert name.lower() in titles(at).lower()


@pytest.mark.parametrize("path, name", PAGES.items(), ids=list(PAGES.values()))
def test_switch_page_from_app(path, name):
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60).run()
    at.switch_page(path).run()
    assert not at.exception, errors(at)
    assert name.lower() in titles(at).lower()
