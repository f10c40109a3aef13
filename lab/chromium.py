"""Chromium driven by Playwright against the running app: which browser, its flags, when a page is done.

Shared by the lab's load tools (lab/load/) and the browser tests (tests/browser/helpers.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

# Debian's Chromium as root on a machine with no network but the package registries: without the
# background-networking flags it keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_executable() -> str | None:
    """Chromium to drive: MNIST_STUDIO_CHROMIUM if set (None if that file is missing), else Debian's
    /usr/bin/chromium, else `chromium` on PATH."""
    override = os.environ.get("MNIST_STUDIO_CHROMIUM")
    if override:
        return override if os.path.isfile(override) else None
    return "/usr/bin/chromium" if os.path.isfile("/usr/bin/chromium") else shutil.which("chromium")


def at_lower_priority(executable: str, folder: str, nice: int) -> str:
    """A launcher (written into ``folder``) that starts ``executable`` at CPU priority ``nice`` (0-19), for a
    class simulated on the server's own machine. There the thirty browsers, which in a classroom run on thirty
    devices, took 1.5-3 of the 2 cores, and the server's threads waited for a CPU 5-10 times longer than they
    ran. Playwright starts the browser in a session of its own, and Linux shares the CPU between sessions
    before it looks at a process's nice value (autogroups): so the launcher sets its session's priority
    (``/proc/self/autogroup``), which every browser process inherits. The browsers still get every cycle the
    server leaves."""
    launcher = Path(folder) / "chromium-at-lower-priority"
    launcher.write_text(
        "#!/bin/sh\n"
        f"echo {nice} > /proc/self/autogroup 2>/dev/null || renice -n {nice} -p $$ >/dev/null\n"
        f'exec "{executable}" "$@"\n'
    )
    launcher.chmod(0o755)
    return str(launcher)


# The first run may import TensorFlow and load a model.
APP_TIMEOUT_MS = 60_000

# True once the app has been connected, not running, without a status widget and without a
# placeholder for 500 ms. Streamlit's status widget ("Running...") only appears after a short
# delay, so its absence alone proves nothing; stApp's data-test-script-state attribute is set as
# soon as a run starts. The quiet period absorbs the moment between a click and the rerun it
# requests. An element whose code is still loading (each browser fetches an element's code on its
# first use; a busy machine takes seconds) or a component not yet ready shows a grey stSkeleton:
# the run has ended but the page is not yet there to read.
IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null
    && app.dataset.testConnectionState === 'CONNECTED'
    && ['notRunning', 'compilationError'].includes(app.dataset.testScriptState)
    && document.querySelector('[data-testid="stStatusWidget"]') === null
    && document.querySelector('[data-testid="stSkeleton"]') === null;
  if (!idle) { window.__mnistIdleSince = undefined; return false; }
  window.__mnistIdleSince ??= performance.now();
  return performance.now() - window.__mnistIdleSince >= 500;
}
"""


def wait_for_app(page, timeout: float = APP_TIMEOUT_MS) -> None:
    """Wait until the Streamlit script has finished running (after a load, click or widget change)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.evaluate("window.__mnistIdleSince = undefined")
    page.wait_for_function(IDLE_JS, timeout=timeout, polling=100)


def open_page(page, app_server, path: str = "/") -> None:
    """Go to ``path`` (e.g. "/train") on the test server and wait for the app to finish running."""
    page.goto(app_server.url + path, wait_until="domcontentloaded", timeout=APP_TIMEOUT_MS)
    wait_for_app(page)


def assert_no_exception(page) -> None:
    """No Streamlit exception box (redacted or not) and no traceback text on the page."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, (
        f"Streamlit exception on {page.url} (details in the server's log):\n{exceptions.first.inner_text()}"
    )
    assert "Traceback" not in page.locator("body").inner_text(), f"Traceback on {page.url}"


# A process and its descendants, and their resident memory, from /proc: the server's memory in the
# hostile-canvas test and the load test.


def children_of(pid: int) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                kids += [int(k) for k in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return kids


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children_of(current)
    return tree


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
