"""Helpers for browser tests: open a page, wait for Streamlit to finish, check for errors, screenshot.

Import them in a test file under tests/browser with ``from helpers import ...``: pytest's default
("prepend") import mode puts this folder on sys.path because it has no ``__init__.py``.
"""

from __future__ import annotations

from pathlib import Path

ARTIFACTS_DIR = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"

# The first run may import TensorFlow and load a model.
APP_TIMEOUT_MS = 60_000

# True once the app has been connected, not running, and without a status widget for 500 ms.
# Streamlit's status widget ("Running...") only appears after a short delay, so its absence alone
# proves nothing; stApp's data-test-script-state attribute is set as soon as a run starts. The
# quiet period absorbs the moment between a click and the rerun it requests.
_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null
    && app.dataset.testConnectionState === 'CONNECTED'
    && ['notRunning', 'compilationError'].includes(app.dataset.testScriptState)
    && document.querySelector('[data-testid="stStatusWidget"]') === null;
  if (!idle) { window.__mnistIdleSince = undefined; return false; }
  window.__mnistIdleSince ??= performance.now();
  return performance.now() - window.__mnistIdleSince >= 500;
}
"""


def wait_for_app(page, timeout: float = APP_TIMEOUT_MS) -> None:
    """Wait until the Streamlit script has finished running (after a load, click or widget change)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.evaluate("window.__mnistIdleSince = undefined")
    page.wait_for_function(_IDLE_JS, timeout=timeout, polling=100)


def open_page(page, app_server, path: str = "/") -> None:
    """Go to ``path`` (e.g. "/train") on the test server and wait for the app to finish running."""
    page.goto(app_server.url + path, wait_until="domcontentloaded", timeout=APP_TIMEOUT_MS)
    wait_for_app(page)


def assert_no_exception(page) -> None:
    """No Streamlit exception box (redacted or not) and no traceback text on the page."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, (f"Streamlit exception on {page.url} (details in "
                                     f"tests/artifacts/streamlit-server.log):\n{exceptions.first.inner_text()}")
    assert "Traceback" not in page.locator("body").inner_text(), f"Traceback on {page.url}"


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to tests/artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
