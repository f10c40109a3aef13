"""The three students who misbehave (``--misbehave``): one presses Train twice on a link with every
slider at its top, one opens private window after private window and presses Train in each, one saves
a drawing again and again. What the page told each is kept; only a broken page counts as a failure."""

from __future__ import annotations

import asyncio
import contextlib
import time

from class_server.registry import Registry
from lab.load.classroom.drawing import DIGITS, draw
from lab.load.classroom.pages import (
    PAGE_TIMEOUT_MS,
    Phase,
    harness_error,
    new_context,
    open_draw,
    page_errors,
    wait_idle,
)
from lab.load.classroom.stats import Stats

# A lesson link with every slider at its top: 3,962,890 parameters, batch 16, 50 epochs, all 60,000 images.
MAXED_LINK = "/train?units=1024,1024,1024,1024&dropout=0,0,0,0&batch=16&epochs=50&images=60000"
MISBEHAVING = ("maxed", "windows", "flood")
PRIVATE_WINDOWS = 5
FLOOD_SAVES = 500

# What the page told its student: alerts, toasts and the live run's heading.
_TOLD_JS = """
() => [...document.querySelectorAll('[data-testid="stAlert"], [data-testid="stToast"], [data-testid="stHeading"] h3')]
  .map(e => (e.innerText || '').trim().replace(/\\s+/g, ' ')).filter(Boolean)
"""

# Arms window.__loadRerun: resolves once the app's script has run (started and ended) after the next click,
# quicker than waiting for half a second of quiet; FLOOD_SAVES presses add up. A quick run can start and end
# between two calls of the observer, which then reads "not running" twice: the records' old values still say
# it ran (reading only the current state, the flood waited out the whole timeout on such presses: 2 saves in
# 129 s at 44f0869).
_ARM_RERUN_JS = """
(timeoutMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__loadRerun = new Promise((resolve) => {
    let ran = false;
    const check = (records) => {
      const state = app.dataset.testScriptState;
      if (state === 'running' || records.some((r) => r.oldValue === 'running')) ran = true;
      if (ran && state !== 'running') { observer.disconnect(); clearTimeout(timer); resolve(true); }
    };
    const observer = new MutationObserver(check);
    const timer = setTimeout(() => { observer.disconnect(); resolve(false); }, timeoutMs);
    observer.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  });
}
"""


# True once the page says the student has saved ``n`` drawings, or that they may save no more: the press's
# own outcome (waiting for its rerun by the script's state lost presses on a busy browser: one press in
# 120 s with the browsers at nice 5).
_SAVED_JS = """
(n) => {
  const text = document.body ? document.body.innerText : '';
  return text.includes(`You have saved ${n} of your`) || text.includes('You have already saved');
}
"""


async def press_train(page, name: str) -> list[str]:
    """Press Train for a run called ``name``; what the page says afterwards."""
    field_ = page.get_by_label("Run name (optional)", exact=True).and_(page.locator("input"))
    await field_.fill(name)
    await field_.press("Enter")
    await wait_idle(page, PAGE_TIMEOUT_MS)
    await page.evaluate(_ARM_RERUN_JS, PAGE_TIMEOUT_MS)
    await page.get_by_role("button", name="Train", exact=True).click()
    await page.evaluate("window.__loadRerun")
    await wait_idle(page, PAGE_TIMEOUT_MS)
    return await page.evaluate(_TOLD_JS)


async def misbehaving_session(
    kind: str, browser, url: str, stats: Stats, phase: Phase, home: str, grace: float
) -> None:
    """One of the class's three who misbehave (``kind``: maxed, windows or flood); what they were told goes
    into ``stats.told[kind]``. Their runs and drawings are not checked like the others': only that the page
    never breaks (an exception box or a traceback still fails the test). ``home`` is the server's run store,
    where the flood's saved drawings are counted; ``grace``: how many seconds after the load they go on."""
    who = f"misbehaving-{kind}"
    contexts, told = [], stats.told.setdefault(kind, [])
    try:
        context, page = await new_context(browser, stats, who)
        contexts.append(context)
        phase.arrive()
        await phase.go.wait()
        if kind == "maxed":  # presses Train twice on a link with every slider at its top
            await page.goto(url + MAXED_LINK, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
            await wait_idle(page, PAGE_TIMEOUT_MS)
            for press in (1, 2):
                told.append({"press": press, "told": await press_train(page, f"maxed {press}")})
        elif kind == "windows":  # a private window after another, Train in each: a new browser every time
            for window in range(1, PRIVATE_WINDOWS + 1):
                if time.monotonic() > phase.deadline + grace:  # a slow machine: no window after the load's end
                    break
                context, page = await new_context(browser, stats, f"{who}-{window}")
                contexts.append(context)
                await page.goto(url + "/train", wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
                await wait_idle(page, PAGE_TIMEOUT_MS)
                told.append({"window": window, "told": await press_train(page, f"window {window}")})
        else:  # draws one digit, then presses "Save as label" again and again (at least once) until ``grace`` ends
            await open_draw(page, url, stats)
            box = await page.locator("canvas.upper-canvas").first.bounding_box()
            await draw(page, [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in DIGITS[7]], who)
            save = page.get_by_role("button", name="Save as label")
            await save.wait_for(timeout=PAGE_TIMEOUT_MS)
            await wait_idle(page, PAGE_TIMEOUT_MS)  # the answer's own run has ended: each click then starts one
            store, saved, pressed, began = Registry(home), 0, 0, time.monotonic()
            while pressed < FLOOD_SAVES and (not pressed or time.monotonic() < phase.deadline + grace):
                await save.click()
                await page.wait_for_function(_SAVED_JS, arg=saved + 1, timeout=PAGE_TIMEOUT_MS, polling=100)
                pressed += 1
                kept = await asyncio.to_thread(store.drawing_count)
                if kept == saved:  # refused: what the page said; every later press would be refused alike
                    told.append({"press": pressed, "told": await page.evaluate(_TOLD_JS)})
                    break
                saved = kept
            told.append({"pressed": pressed, "saved": saved, "seconds": round(time.monotonic() - began)})
        for message in await page_errors(page):
            stats.error(who, "app", message)
    except Exception as error:
        await harness_error(stats, who, page, error)
    finally:
        for context in contexts:
            with contextlib.suppress(Exception):
                await context.close()
