"""The students who draw: each opens /draw, draws a one-stroke digit, waits for "Prediction: N", checks
the page for errors, presses Clear, thinks, and draws again until the load ends; every stroke that
drew nothing, answer that never came or page that got stuck is counted as a failure."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time

from lab.app_server import PROJECT_DIR
from lab.load.classroom.pages import Phase, app_state, harness_error, new_context, open_draw, page_errors, wait_idle
from lab.load.classroom.server import ARTIFACTS_DIR
from lab.load.classroom.stats import Stats
from lab.load.classroom.wire import Wire

# Strokes in canvas fractions (0..1); each digit is ONE stroke, so one mouse-up = one answer to wait for.
DIGITS: dict[int, list[tuple[float, float]]] = {
    1: [(0.50, 0.12), (0.50, 0.88)],
    7: [(0.22, 0.18), (0.78, 0.18), (0.42, 0.88)],
    0: [(0.5 + 0.24 * math.sin(2 * math.pi * i / 28), 0.5 - 0.36 * math.cos(2 * math.pi * i / 28)) for i in range(29)],
    4: [(0.62, 0.88), (0.62, 0.12), (0.20, 0.62), (0.82, 0.62)],
}

# Remembers when the pen last lifted (capture phase on window: runs before the canvas sees the event).
_MARK_POINTER_JS = """
() => {
  if (!window.__loadMarked) {
    window.__loadMarked = true;
    for (const type of ['pointerup', 'mouseup'])
      window.addEventListener(type, () => { window.__loadUp = performance.now(); }, true);
    window.addEventListener('pointerdown', (e) => {
      const t = e.composedPath()[0];
      window.__loadDownOn = t && t.tagName ? `${t.tagName.toLowerCase()}.${t.className}` +
        (t.__loadTag ? ' (tagged)' : '') : String(t);
    }, true);
  }
  window.__loadUp = undefined;
  window.__loadDownOn = undefined;
}
"""

# Resolves (without polling) when the answer column says "Prediction: N" ('prediction') or
# "Draw a digit" with no prediction ('empty'); null after timeoutMs.
_WAIT_ANSWER_JS = """
([kind, timeoutMs]) => new Promise((resolve) => {
  const check = () => {
    let prediction = null, empty = false;
    for (const h of document.querySelectorAll('h2')) {
      const text = h.textContent || '';
      const m = /Prediction: (\\d)/.exec(text);
      if (m) prediction = m[1];
      if (text.includes('Draw a digit')) empty = true;
    }
    if (kind === 'prediction' && prediction !== null) return {digit: prediction};
    if (kind === 'empty' && empty && prediction === null) return {digit: null};
    return null;
  };
  const done = (value) => {
    observer.disconnect(); clearTimeout(timer);
    resolve(value && {...value, t: performance.now(), up: window.__loadUp ?? null});
  };
  const observer = new MutationObserver(() => { const v = check(); if (v) done(v); });
  const timer = setTimeout(() => done(null), timeoutMs);
  const first = check();
  if (first) { done(first); return; }
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
})
"""

# Where (x, y) lands, through shadow roots: "canvas.upper-canvas" when the pen would touch the canvas.
_TARGET_JS = """
(points) => points.map(([x, y]) => {
  let el = document.elementFromPoint(x, y);
  while (el && el.shadowRoot) {
    const inner = el.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === el) break;
    el = inner;
  }
  return el ? `${el.tagName.toLowerCase()}.${el.className}` : 'nothing';
})
"""

# White pixels on the canvas the student sees (the drawing layer under fabric's upper canvas), waiting up
# to ms for a stroke to show: the number of ink pixels (0: none).
_WAIT_INK_JS = """
(c, ms) => new Promise((resolve) => {
  const t0 = performance.now();
  const look = () => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++;
    if (n > 0 || performance.now() - t0 > ms) resolve(n); else setTimeout(look, 50);
  };
  look();
})
"""

_ARM_ANSWER_JS = "(arg) => { window.__loadAnswer = (" + _WAIT_ANSWER_JS.strip() + ")(arg); }"


def on_canvas(target: str) -> bool:
    """True for fabric's drawing surface, e.g. "canvas.dc-canvas upper-canvas"."""
    tag, _, classes = target.partition(".")
    return tag == "canvas" and "upper-canvas" in classes.split()


async def stroke_points(page, digit: int, rng: random.Random, stats: Stats):
    """The stroke's points on the canvas as it is now; waits out layout shifts (the point must hit the canvas)."""
    jitter_x, jitter_y, scale = rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), rng.uniform(0.85, 1.0)
    canvas = page.locator("canvas.upper-canvas").first
    for attempt in range(20):
        box = await canvas.bounding_box()
        if box is not None and attempt == 0:
            # Hover first, as a hand does: the canvas's toolbar is invisible (opacity 0) but still takes the
            # pointer over the canvas's top-right band until the pointer hovers the canvas.
            await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            await asyncio.sleep(0.3)
            box = await canvas.bounding_box()
        if box is not None:
            points = [
                (
                    box["x"] + box["width"] * (0.5 + (fx - 0.5) * scale + jitter_x),
                    box["y"] + box["height"] * (0.5 + (fy - 0.5) * scale + jitter_y),
                )
                for fx, fy in DIGITS[digit]
            ]
            targets = await page.evaluate(_TARGET_JS, points)
            misses = [t for t in targets if not on_canvas(t)]
            if not misses:
                return points
            stats.retargets.append(misses[0])
        await asyncio.sleep(0.3)
    raise RuntimeError(f"the canvas stayed covered or moving for 6 s (pen would land on {misses[0]})")


async def draw(page, points, tag: str) -> None:
    await page.locator("canvas.upper-canvas").first.evaluate("(c, tag) => { c.__loadTag = tag; }", tag)
    await page.evaluate(_MARK_POINTER_JS)
    await page.mouse.move(*points[0])
    await page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 12))  # about 12 px per move, like a hand
        await page.mouse.move(x1, y1, steps=steps)
    await page.mouse.up()


async def diagnose(
    page, wire: Wire, sent_before: int, received_before: int, who: str, shots: list, tag: str = ""
) -> str:
    """What the page looks like when an answer did not come: ink on the canvas? the same canvas? sent?"""
    try:
        ink = await page.locator("canvas.dc-canvas.lower-canvas").first.evaluate(_WAIT_INK_JS, 0)
        same = await page.locator("canvas.upper-canvas").first.evaluate("(c, tag) => c.__loadTag === tag", tag)
        down_on = await page.evaluate("window.__loadDownOn ?? null")
    except Exception as error:
        ink = same = down_on = f"unreadable ({type(error).__name__})"
    text = (
        f"pen went down on {down_on}, ink pixels on canvas={ink}, same canvas element as drawn on={same}, "
        f"ws frames sent since pen up={wire.sent - sent_before} (drawing sent: "
        f"{wire.drawing_sent_at is not None}, its ink pixels: {wire.drawing_ink}), received="
        f"{wire.received - received_before} (an answer among them: {wire.answer_at is not None}), "
        f"{await app_state(page)}"
    )
    if len(shots) < 5:
        path = ARTIFACTS_DIR / f"{shots[0]}-{who}-{len(shots)}.png"
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(path), full_page=True)
            shots.append(str(path.relative_to(PROJECT_DIR)))
            text += f", screenshot {shots[-1]}"
    return text


async def drawing_session(
    number: int, browser, url: str, stats: Stats, phase: Phase, args, opening: asyncio.Semaphore
) -> None:
    who = f"student-{number:02d}"
    rng = random.Random(args.seed * 1000 + number)
    context, page = await new_context(browser, stats, who)
    wire = Wire()
    try:
        try:
            await wire.attach(context, page)
            async with opening:
                await open_draw(page, url, stats)
        except Exception as error:
            stats.error(who, "open", f"/draw did not open: {type(error).__name__}: {error} ({await app_state(page)})")
            return
        finally:
            phase.arrive()
        await phase.go.wait()
        await asyncio.sleep(rng.uniform(0, args.think_max))  # students do not all start on the same beat
        ready_at, first = time.monotonic(), True
        while time.monotonic() < phase.deadline:
            digit = rng.choice(sorted(DIGITS))
            try:
                await draw_and_wait(page, wire, who, digit, rng, stats, args, ready_at, first)
                ready_at, first = await settle_and_clear(page, who, stats, args), False
                for message in await page_errors(page):
                    stats.error(who, "app", message)
            except Exception as error:
                await harness_error(stats, who, page, error)
                if time.monotonic() >= phase.deadline:
                    break
                with contextlib.suppress(Exception):  # start over on a fresh page, as a student would
                    await open_draw(page, url, stats)
                ready_at, first = time.monotonic(), True
                continue
            await asyncio.sleep(
                min(rng.uniform(args.think_min, args.think_max), max(0.0, phase.deadline - time.monotonic()))
            )
    finally:
        with contextlib.suppress(Exception):
            await context.close()


async def draw_and_wait(
    page, wire: Wire, who: str, digit: int, rng: random.Random, stats: Stats, args, ready_at: float, first: bool
) -> None:
    """Draw ``digit`` once and wait for its answer: its round trips go into ``stats``, or the failure (a stroke
    that drew nothing, an answer that never came). ``ready_at``: when the canvas was ready, ``first``: before
    any Clear."""
    timeout_ms = args.answer_timeout * 1000
    points = await stroke_points(page, digit, rng, stats)
    sent_before, received_before = wire.sent, wire.received
    tag = f"{who}-{stats.drawings}"
    since_ready = time.monotonic() - ready_at
    await page.evaluate(_ARM_ANSWER_JS, ["prediction", timeout_ms + 10_000])
    wire.arm()
    await draw(page, points, tag)
    stats.drawings += 1
    t_up = time.monotonic()
    ink = await page.locator("canvas.dc-canvas.lower-canvas").first.evaluate(_WAIT_INK_JS, 3000)
    if ink == 0:
        down_on = await page.evaluate("window.__loadDownOn ?? null")
        if down_on and "(tagged)" in down_on:  # the pen touched the canvas, yet no line
            why = await diagnose(page, wire, sent_before, received_before, who, stats.screenshots, tag)
            stats.error(
                who,
                "stroke-lost",
                f"drew {digit} on the canvas {since_ready:.1f} s after it "
                f"was ready ({'first drawing' if first else 'after Clear'}) "
                f"and no line stayed: {why}",
            )
        else:
            stats.error(who, "missed-stroke", f"drew {digit}: the pen went down on {down_on}")
        return
    result = await page.evaluate("window.__loadAnswer")
    wall_ms = (time.monotonic() - t_up) * 1000
    if result is None:
        why = await diagnose(page, wire, sent_before, received_before, who, stats.screenshots, tag)
        stats.error(
            who,
            "timeout",
            f"no 'Prediction: N' {args.answer_timeout:.0f} s after the pen "
            f"lifted (drew {digit} {since_ready:.1f} s after the canvas was "
            f"ready, {'first drawing' if first else 'after Clear'}; {why})",
        )
        return
    stats.answered += 1
    stats.correct += int(result["digit"]) == digit
    stats.wall_round_trips_ms.append(wall_ms)
    stats.round_trips_ms.append(result["t"] - result["up"] if result["up"] is not None else wall_ms)
    for _ in range(20):  # the CDP event may trail the page by a moment
        if wire.server_ms is not None:
            stats.server_ms.append(wire.server_ms)
            break
        await asyncio.sleep(0.05)


async def settle_and_clear(page, who: str, stats: Stats, args) -> float:
    """After the answer the page settles (a script still running is 'stuck') and Clear empties the canvas;
    when the canvas was ready for the next drawing."""
    timeout_ms = args.answer_timeout * 1000
    try:
        await wait_idle(page, timeout_ms)
    except Exception:
        stats.error(
            who,
            "stuck",
            f"script still running {args.answer_timeout:.0f} s after the answer ({await app_state(page)})",
        )
    for message in await page_errors(page):
        stats.error(who, "app", message)

    t_clear = time.monotonic()
    await page.get_by_role("button", name="Clear", exact=True).click(timeout=timeout_ms)
    cleared = await page.evaluate(_WAIT_ANSWER_JS, ["empty", timeout_ms])
    if cleared is None:
        stats.error(
            who,
            "timeout",
            f"no 'Draw a digit' {args.answer_timeout:.0f} s after Clear ({await app_state(page)})",
        )
    else:
        stats.clear_ms.append((time.monotonic() - t_clear) * 1000)
    await wait_idle(page, timeout_ms)
    await page.wait_for_selector("canvas.upper-canvas", state="visible", timeout=timeout_ms)
    return time.monotonic()
