"""The browser side every session of the classroom load test shares: Chromium's path, a context of its
own per student, opening /draw, waiting for the app to go idle, reading errors off the page, and the
Phase that holds the timed load back until the whole class has arrived."""

from __future__ import annotations

import asyncio
import math
import os
import time

from lab.chromium import IDLE_JS
from lab.load.classroom.stats import Stats

CHROMIUM = os.environ.get("MNIST_STUDIO_CHROMIUM", "/usr/bin/chromium")
PAGE_TIMEOUT_MS = 120_000  # the first visit imports TensorFlow and loads the model


_STATE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app ? `connection=${app.dataset.testConnectionState} script=${app.dataset.testScriptState}` : 'no stApp';
}
"""

# Exception boxes and "Traceback" text; also Streamlit's connection-error dialog.
_ERRORS_JS = """
() => {
  const found = [];
  for (const e of document.querySelectorAll('[data-testid="stException"]'))
    found.push('stException: ' + (e.innerText || '').slice(0, 300).replace(/\\s+/g, ' '));
  const body = document.body ? document.body.innerText : '';
  if (body.includes('Traceback')) found.push('Traceback text on the page');
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && app.dataset.testConnectionState && app.dataset.testConnectionState !== 'CONNECTED')
    found.push('connection state ' + app.dataset.testConnectionState);
  return found;
}
"""


async def wait_idle(page, timeout_ms: float) -> None:
    await page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    # IDLE_JS keeps when the page went quiet in window.__mnistIdleSince: forget it, so that a quiet spell
    # from before the click that led here cannot end this wait before that click's run begins.
    await page.evaluate("window.__mnistIdleSince = undefined")
    await page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=100)


async def new_context(browser, stats: Stats, who: str):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda error: stats.error(who, "page-error", str(error)))
    return context, page


async def open_draw(page, url: str, stats: Stats) -> None:
    t0 = time.monotonic()
    await page.goto(url + "/draw", wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
    await wait_idle(page, PAGE_TIMEOUT_MS)
    await page.wait_for_selector("canvas.upper-canvas", state="visible", timeout=PAGE_TIMEOUT_MS)
    stats.open_ms.append((time.monotonic() - t0) * 1000)


async def page_errors(page) -> list[str]:
    try:
        return await page.evaluate(_ERRORS_JS)
    except Exception as error:  # the page itself is gone
        return [f"page not readable: {error}"]


async def harness_error(stats: Stats, who: str, page, error: Exception) -> None:
    stats.error(who, "harness", f"{type(error).__name__}: {str(error).splitlines()[0][:300]} ({await app_state(page)})")


async def app_state(page) -> str:
    try:
        return await page.evaluate(_STATE_JS)
    except Exception as error:
        return f"unreadable ({type(error).__name__})"


class Phase:
    """Everyone opens their page first (the class arriving); the timed --duration starts when all are in."""

    def __init__(self, expected: int):
        self.expected = expected
        self.arrived = 0
        self.all_in = asyncio.Event()
        self.go = asyncio.Event()
        self.deadline = math.inf

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived >= self.expected:
            self.all_in.set()

    def start(self, duration: float) -> float:
        start = time.monotonic()
        self.deadline = start + duration
        self.go.set()
        return start
