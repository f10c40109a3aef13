"""The classroom load test: N students drawing on /draw at once, optionally while others train.

Not a pytest test (no ``test_`` prefix, so the default ``pytest`` run never collects it). Run it by hand:

    .venv/bin/python -m lab.load.run_load --sessions 10 [--trainers 1] [--duration 60]

``python -m lab bench`` runs it with 30 students and 2 trainers for the server's peak memory.

It starts its own Streamlit server (``MNIST_STUDIO_HOME`` = a throw-away folder, 127.0.0.1 only) and one
headless Chromium, opens one browser context per student (own cookies = own Streamlit session), and has
every student draw a digit, wait for "Prediction: N", check for errors, press Clear, think, and repeat.
Trainer contexts press Train on /train (all 60,000 images as the page offers them, 5 epochs by default)
again and again. The server's memory (VmRSS of its process tree) and CPU are sampled every second.

It prints a summary and writes it as JSON to lab/artifacts/load/<timestamp>.json, however the run ends
(the server's log goes next to it as <timestamp>-server.log). Every failure counts, whenever it happens
(FAILURES lists the kinds): the summary's ``passed`` is false, ``failures`` counts them by kind, and the
exit status is 1. Results and how to read them: README, "Classroom load test".
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from class_server.registry import Registry
from lab.app_server import PROJECT_DIR, AppServer, start_app
from lab.chromium import CHROMIUM_ARGS, IDLE_JS, process_tree, rss_kb

ARTIFACTS_DIR = PROJECT_DIR / "lab" / "artifacts" / "load"  # git-ignored
CHROMIUM = os.environ.get("MNIST_STUDIO_CHROMIUM", "/usr/bin/chromium")
STARTUP_TIMEOUT_S = 90
PAGE_TIMEOUT_MS = 120_000  # the first visit imports TensorFlow and loads the model
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Strokes in canvas fractions (0..1); each digit is ONE stroke, so one mouse-up = one answer to wait for.
DIGITS: dict[int, list[tuple[float, float]]] = {
    1: [(0.50, 0.12), (0.50, 0.88)],
    7: [(0.22, 0.18), (0.78, 0.18), (0.42, 0.88)],
    0: [(0.5 + 0.24 * math.sin(2 * math.pi * i / 28), 0.5 - 0.36 * math.cos(2 * math.pi * i / 28)) for i in range(29)],
    4: [(0.62, 0.88), (0.62, 0.12), (0.20, 0.62), (0.82, 0.62)],
}

# --- page-side helpers -------------------------------------------------------------------------------

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


# --- bookkeeping ------------------------------------------------------------------------------------

FIRST_EPOCH_GOAL_S = 30  # issue 29: however the class behaves, a first epoch within 30 s of pressing Train

# Every kind of failure the run counts. Any one of them, at any time (before or after the timed load
# ends), fails the run: `passed` false in the JSON summary, exit status 1.
FAILURES = {
    "open": "a page did not open",
    "missed-stroke": "the pen went down off the canvas (layout shift, overlay): nothing was drawn",
    "stroke-lost": "the pen touched the canvas and no line stayed",
    "timeout": "no 'Prediction: N' after a stroke, or no empty canvas after Clear, within --answer-timeout",
    "stuck": "the page's script was still running --answer-timeout after the answer",
    "app": "an exception box, traceback text or a lost connection on the page",
    "page-error": "an uncaught JavaScript error in the page",
    "training": "a training run ended without 'Finished'",
    "slow-first-epoch": f"a well-behaved run's first epoch came on screen more than {FIRST_EPOCH_GOAL_S} s after Train",
    "unfinished-run": "a training run still going --training-grace after the load ended",
    "server-traceback": "a traceback in the server's log",
    "harness": "the script could not go on with a session (a click or page that never came), or crashed",
}


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    warmup_s: float | None = None  # the first /draw of the server: TensorFlow imported, model loaded
    arrival: float = math.inf  # when the class began to arrive (after the warm-up)
    arrival_s: float | None = None  # until every session had its page open
    drawings: int = 0
    answered: int = 0
    correct: int = 0
    round_trips_ms: list[float] = field(default_factory=list)  # in the page: pen up -> "Prediction: N" shown
    wall_round_trips_ms: list[float] = field(default_factory=list)  # the same seen by this script
    clear_ms: list[float] = field(default_factory=list)  # "Clear" click -> "Draw a digit" shown
    open_ms: list[float] = field(default_factory=list)  # goto /draw -> app idle
    errors: list[dict] = field(default_factory=list)  # every failure, of a kind in FAILURES
    training_runs: list[dict] = field(default_factory=list)
    first_epoch_s: list[float] = field(default_factory=list)  # well-behaved trainers: Train -> epoch 1 on screen
    told: dict[str, list] = field(default_factory=dict)  # what each misbehaving student was told, by kind
    screenshots: list = field(default_factory=list)  # [run stamp, paths...]
    server_ms: list[float] = field(default_factory=list)  # drawing sent -> answer received, at the network
    retargets: list[str] = field(default_factory=list)  # the canvas was moving or covered: waited and re-aimed

    def error(self, who: str, kind: str, message: str) -> None:
        assert kind in FAILURES, kind
        entry = {"t": round(time.monotonic() - self.started, 1), "who": who, "kind": kind, "message": message[:500]}
        self.errors.append(entry)
        print(f"  ERROR [{entry['t']:6.1f}s] {who} {kind}: {entry['message'][:200]}", flush=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def rounded(value: float | None, digits: int = 0):
    return None if value is None else round(value, digits or None)  # digits 0: a whole number


# --- processes --------------------------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def thread_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


class Sampler:
    """Every second: the server tree's RSS and CPU, and this script's other children (driver + Chromium)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.samples: list[dict] = []
        self._stop = asyncio.Event()
        self._cpu_seen: dict[int, int] = {}  # per-pid ticks already counted, so dead children are not lost

    def _tree_cpu(self, pids: list[int]) -> float:
        total = 0
        for pid in pids:
            ticks = cpu_ticks(pid)
            total += max(0, ticks - self._cpu_seen.get(pid, 0))  # a new process: all its time is new
            self._cpu_seen[pid] = ticks
        return total / CLK_TCK

    async def run(self) -> None:
        last = time.monotonic()
        busy_last, total_last = machine_ticks()
        server_tree = process_tree(self.server_pid)
        for pid in process_tree(os.getpid()):
            self._cpu_seen[pid] = cpu_ticks(pid)
        while not self._stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=1.0)
            now = time.monotonic()
            elapsed = max(now - last, 1e-3)
            last = now
            server_tree = process_tree(self.server_pid)
            others = [p for p in process_tree(os.getpid()) if p not in server_tree and p != os.getpid()]
            busy, total = machine_ticks()
            machine_busy = (busy - busy_last) / max(total - total_last, 1) * (os.cpu_count() or 1)
            busy_last, total_last = busy, total
            self.samples.append(
                {
                    "t": now,
                    "server_rss_mb": sum(rss_kb(p) for p in server_tree) / 1024,
                    "server_cpu": self._tree_cpu(server_tree) / elapsed,  # 1.0 = one core busy
                    "server_threads": sum(thread_count(p) for p in server_tree),
                    "client_rss_mb": sum(rss_kb(p) for p in others) / 1024,
                    "client_cpu": self._tree_cpu(others) / elapsed,
                    "machine_cpu": machine_busy,  # all processes on the machine, in cores
                    "load1": float(loadavg().split()[0]),
                }
            )

    def stop(self) -> None:
        self._stop.set()


async def start_server(home: str, log_path: Path, started_by: str) -> AppServer:
    server = start_app(
        log_path,
        env={
            "MNIST_STUDIO_HOME": home,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            # Kept between runs as a server's runs/ folder keeps it: the speed is measured once a day (the
            # suite's own file, with typical rates, when the bench runs under pytest).
            "MNIST_STUDIO_RATES_FILE": os.environ.get("MNIST_STUDIO_RATES_FILE")
            or str(ARTIFACTS_DIR / "machine_rates.json"),
        },
        like_make_run=started_by == "make run",
    )
    try:
        await asyncio.to_thread(server.wait_healthy, STARTUP_TIMEOUT_S)
    except RuntimeError:
        server.stop()
        raise
    return server


# --- the browser side -------------------------------------------------------------------------------


async def wait_idle(page, timeout_ms: float) -> None:
    await page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    await page.evaluate("window.__loadIdleSince = undefined")
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


class Wire:
    """The page's websocket traffic as Chromium's network stack sees it (CDP, with its own timestamps).

    ``server_ms``: from the BackMsg carrying the drawing (it holds the canvas PNG) leaving the browser to
    the ForwardMsg holding "Prediction: " arriving: the server's share of the round trip plus the
    loopback, without the page's own rendering and scripting time.
    """

    def __init__(self):
        self.sent = 0
        self.received = 0
        self.drawing_sent_at: float | None = None
        self.answer_at: float | None = None
        self._armed = False

    async def attach(self, context, page) -> None:
        cdp = await context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", self._on_sent)
        cdp.on("Network.webSocketFrameReceived", self._on_received)
        await cdp.send("Network.enable")

    def arm(self) -> None:
        self.drawing_sent_at = self.answer_at = None
        self._armed = True

    @staticmethod
    def _payload(params) -> bytes:
        response = params.get("response", {})
        data = response.get("payloadData", "")
        if response.get("opcode") == 2:
            with contextlib.suppress(ValueError):
                return base64.b64decode(data)
            return b""
        return data.encode()

    def _on_sent(self, params) -> None:
        self.sent += 1
        if self._armed and self.drawing_sent_at is None and b"data:image/png" in self._payload(params):
            self.drawing_sent_at = params["timestamp"]

    def _on_received(self, params) -> None:
        self.received += 1
        if self.drawing_sent_at is not None and self.answer_at is None and b"Prediction: " in self._payload(params):
            self.answer_at = params["timestamp"]
            self._armed = False

    @property
    def server_ms(self) -> float | None:
        if self.drawing_sent_at is None or self.answer_at is None:
            return None
        return (self.answer_at - self.drawing_sent_at) * 1000


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
        f"{wire.drawing_sent_at is not None}), received={wire.received - received_before}, "
        f"{await app_state(page)}"
    )
    if len(shots) < 5:
        path = ARTIFACTS_DIR / f"{shots[0]}-{who}-{len(shots)}.png"
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(path), full_page=True)
            shots.append(str(path.relative_to(PROJECT_DIR)))
            text += f", screenshot {shots[-1]}"
    return text


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


async def drawing_session(
    number: int, browser, url: str, stats: Stats, phase: Phase, args, opening: asyncio.Semaphore
) -> None:
    who = f"student-{number:02d}"
    rng = random.Random(args.seed * 1000 + number)
    context, page = await new_context(browser, stats, who)
    wire = Wire()
    timeout_ms = args.answer_timeout * 1000
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
                    result = None
                else:
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
                    else:
                        stats.answered += 1
                        stats.correct += int(result["digit"]) == digit
                        stats.wall_round_trips_ms.append(wall_ms)
                        stats.round_trips_ms.append(result["t"] - result["up"] if result["up"] is not None else wall_ms)
                        for _ in range(20):  # the CDP event may trail the page by a moment
                            if wire.server_ms is not None:
                                stats.server_ms.append(wire.server_ms)
                                break
                            await asyncio.sleep(0.05)
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
                ready_at, first = time.monotonic(), False
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


async def set_slider(page, label: str, first: str, right: int) -> str | None:
    box = page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text(label, exact=True))
    thumb = box.locator('input[type="range"]')
    await thumb.focus()
    await thumb.press(first)
    for _ in range(right):
        await thumb.press("ArrowRight")
    await wait_idle(page, PAGE_TIMEOUT_MS)
    return await thumb.get_attribute("aria-valuetext")


TRAIN_SIZES = [1_000, 3_000, 6_000, 12_000, 30_000, 60_000]  # the select_slider's options in pages/train.py


async def training_session(
    number: int, browser, url: str, stats: Stats, phase: Phase, args, opening: asyncio.Semaphore
) -> None:
    """Press Train again and again until the deadline; the last run may still be going then."""
    who = f"trainer-{number}"
    context, page = await new_context(browser, stats, who)
    try:
        try:
            async with opening:
                await page.goto(url + "/train", wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
                await wait_idle(page, PAGE_TIMEOUT_MS)
                shown = await set_slider(page, "Training images", "Home", TRAIN_SIZES.index(args.train_size))
                epochs = await set_slider(page, "Epochs", "Home", args.epochs - 1)
            print(f"  {who}: Training images {shown}, epochs {epochs}", flush=True)
        finally:
            phase.arrive()
        await phase.go.wait()
        deadline = phase.deadline
        run = 0
        while time.monotonic() < deadline:
            run += 1
            name = f"load {number}-{run}"
            field_ = page.get_by_label("Run name (optional)", exact=True).and_(page.locator("input"))
            await field_.fill(name)
            await field_.press("Enter")
            await wait_idle(page, PAGE_TIMEOUT_MS)
            t0 = time.monotonic()
            await page.get_by_role("button", name="Train", exact=True).click()
            heading = page.locator('[data-testid="stHeading"] h3', has_text=name)
            await heading.first.wait_for(timeout=PAGE_TIMEOUT_MS)
            record = {"who": who, "name": name, "status": "running", "seconds": None, "first_epoch_s": None}
            stats.training_runs.append(record)
            with contextlib.suppress(Exception):  # a run that never gets there fails below, as unfinished
                await page.wait_for_function(_FIRST_EPOCH_JS, arg=name, timeout=PAGE_TIMEOUT_MS, polling=100)
                record["first_epoch_s"] = round(time.monotonic() - t0, 1)
                stats.first_epoch_s.append(record["first_epoch_s"])
                if record["first_epoch_s"] > FIRST_EPOCH_GOAL_S:
                    stats.error(who, "slow-first-epoch", f"run {name!r}: first epoch {record['first_epoch_s']} s")
            # Ended: the live panel's heading is the bare run name and an outcome box is shown.
            ended = page.locator('[data-testid="stHeading"] h3', has_text=re.compile(f"^{re.escape(name)}$"))
            remaining = deadline - time.monotonic() + args.training_grace
            try:
                await ended.first.wait_for(timeout=max(1.0, remaining) * 1000)
            except Exception:
                record["status"] = "unfinished at the end"
                stats.error(
                    who, "unfinished-run", f"run {name!r} still going {args.training_grace:.0f} s after the load ended"
                )
                break
            await wait_idle(page, PAGE_TIMEOUT_MS)
            record["seconds"] = round(time.monotonic() - t0, 1)
            body = await page.locator("body").inner_text()
            if accuracy := re.search(r"Finished: test accuracy ([\d.]+%)", body):
                record.update(status="finished", test_accuracy=accuracy.group(1))
            else:
                record["status"] = "failed or stopped"
                stats.error(who, "training", f"run {name!r} ended without 'Finished': {body[:300]!r}")
            for message in await page_errors(page):
                stats.error(who, "app", message)
    except Exception as error:
        await harness_error(stats, who, page, error)
    finally:
        with contextlib.suppress(Exception):
            await context.close()


# True once the run's first epoch is on screen: its progress bar at the last batch of epoch 1 or in a later
# epoch, or the run ended (the heading is its bare name).
_FIRST_EPOCH_JS = """
(name) => {
  for (const h of document.querySelectorAll('[data-testid="stHeading"] h3'))
    if (h.textContent.trim() === name) return true;
  for (const bar of document.querySelectorAll('[data-testid="stProgress"]')) {
    const m = /Epoch (\\d+): batch (\\d+)\\/(\\d+)/.exec(bar.innerText || '');
    if (m && (Number(m[1]) > 1 || m[2] === m[3])) return true;
  }
  return false;
}
"""

# What the page told its student: alerts, toasts and the live run's heading.
_TOLD_JS = """
() => [...document.querySelectorAll('[data-testid="stAlert"], [data-testid="stToast"], [data-testid="stHeading"] h3')]
  .map(e => (e.innerText || '').trim().replace(/\\s+/g, ' ')).filter(Boolean)
"""

# Arms window.__loadRerun: resolves once the app's script has run (started and ended) after the next click,
# quicker than waiting for half a second of quiet; FLOOD_SAVES presses add up.
_ARM_RERUN_JS = """
(timeoutMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__loadRerun = new Promise((resolve) => {
    let ran = false;
    const check = () => {
      const state = app.dataset.testScriptState;
      if (state === 'running') ran = true;
      if (ran && state !== 'running') { observer.disconnect(); clearTimeout(timer); resolve(true); }
    };
    const observer = new MutationObserver(check);
    const timer = setTimeout(() => { observer.disconnect(); resolve(false); }, timeoutMs);
    observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  });
}
"""

# --- students who misbehave -------------------------------------------------------------------------

# A lesson link with every slider at its top: 3,962,890 parameters, batch 16, 50 epochs, all 60,000 images.
MAXED_LINK = "/train?units=1024,1024,1024,1024&dropout=0,0,0,0&batch=16&epochs=50&images=60000"
MISBEHAVING = ("maxed", "windows", "flood")
PRIVATE_WINDOWS = 5
FLOOD_SAVES = 500


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
    where the flood's saved drawings are counted."""
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
        else:  # draws one digit, then presses "Save as label" again and again, until the load's grace ends
            await open_draw(page, url, stats)
            box = await page.locator("canvas.upper-canvas").first.bounding_box()
            await draw(page, [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in DIGITS[7]], who)
            save = page.get_by_role("button", name="Save as label")
            await save.wait_for(timeout=PAGE_TIMEOUT_MS)
            await wait_idle(page, PAGE_TIMEOUT_MS)  # the answer's own run has ended: each click then starts one
            store, saved, pressed, began = Registry(home), 0, 0, time.monotonic()
            while pressed < FLOOD_SAVES and time.monotonic() < phase.deadline + grace:
                await page.evaluate(_ARM_RERUN_JS, PAGE_TIMEOUT_MS)
                await save.click()
                await page.evaluate("window.__loadRerun")
                pressed += 1
                kept = await asyncio.to_thread(store.drawing_count)
                if kept == saved:  # refused: what the page said, each time it says something new
                    said = await page.evaluate(_TOLD_JS)
                    if not told or told[-1]["told"] != said:
                        told.append({"press": pressed, "told": said})
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


def store_mb(home: str) -> float:
    """The run store's size on disk: its database, models and drawings."""
    return sum(f.stat().st_size for f in Path(home).rglob("*") if f.is_file()) / 2**20


# --- the whole run ----------------------------------------------------------------------------------


def server_tracebacks(log_text: str) -> list[str]:
    """One line per traceback in the server's log: its exception (the last of a chain)."""
    found, inside, chained = [], False, False
    for line in log_text.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            if chained:
                found.pop()  # the same failure, told again by the exception raised while handling it
            inside, chained = True, False
        elif line.startswith(("During handling of the above exception", "The above exception was the direct")):
            chained = True
        elif inside and line.strip() and not line[0].isspace():
            found.append(line[:300])
            inside = False
    if inside:
        found.append("a traceback cut off at the end of the log")
    return found


def verdict(errors: list[dict]) -> dict:
    """``passed`` and the count of each kind of failure (zeros included, so the summary shows what was checked)."""
    return {"passed": not errors, "failures": {kind: sum(e["kind"] == kind for e in errors) for kind in FAILURES}}


def exit_status(summary: dict) -> int:
    return 0 if summary["passed"] else 1


def spread(values: list[float], *quantiles: float) -> dict:
    """p50/p95/... and max of ``values`` in whole units (None when there are none)."""
    shown = {f"p{round(q * 100)}": rounded(percentile(values, q)) for q in quantiles}
    return {**shown, "max": rounded(max(values, default=None)), "n": len(values)}


async def load(args, url: str, home: str, stats: Stats) -> dict:
    """Warm-up, the class arriving, then --duration s of drawing and training; the timed window's bounds."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            # The teacher opens the app first: TensorFlow is imported and the model loaded once.
            t0 = time.monotonic()
            context, page = await new_context(browser, stats, "warm-up")
            await open_draw(page, url, stats)
            # and opens Train, where a server's first start of the day measures its speed (mnist_core/cost.py):
            # the class arrives once the estimate is on the page, as at a server started before the lesson.
            await page.goto(url + "/train", wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
            await page.get_by_text("Estimated training time on this server").first.wait_for(timeout=300_000)
            await context.close()
            stats.warmup_s = time.monotonic() - t0
            stats.open_ms.clear()
            print(f"warm-up (first /draw, model load): {stats.warmup_s:.1f} s", flush=True)

            # The class arrives: every student opens /draw (at most --open-concurrency pages loading
            # at once), trainers set up /train. Then everyone works for --duration seconds.
            misbehaving = MISBEHAVING if args.misbehave else ()  # three of the class, instead of drawing
            phase, opening = Phase(args.sessions + args.trainers), asyncio.Semaphore(args.open_concurrency)
            stats.arrival = arrival = time.monotonic()
            tasks = [
                asyncio.create_task(training_session(i + 1, browser, url, stats, phase, args, opening))
                for i in range(args.trainers)
            ]
            tasks += [
                asyncio.create_task(drawing_session(i + 1, browser, url, stats, phase, args, opening))
                for i in range(args.sessions - len(misbehaving))
            ]
            tasks += [
                asyncio.create_task(misbehaving_session(kind, browser, url, stats, phase, home, args.training_grace))
                for kind in misbehaving
            ]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(phase.all_in.wait(), timeout=args.arrival_timeout)
            stats.arrival_s = time.monotonic() - arrival
            print(
                f"all {phase.arrived}/{phase.expected} sessions in after {stats.arrival_s:.1f} s; "
                f"load average {loadavg()}; {args.duration:.0f} s of load starts",
                flush=True,
            )
            stats.started = start = phase.start(args.duration)
            hard_stop = args.duration + args.training_grace + 2 * args.answer_timeout + 60
            done, pending = await asyncio.wait(tasks, timeout=hard_stop)
            for task in pending:
                stats.error("harness", "harness", "a session did not end in time; cancelled")
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if task.exception() is not None:
                    stats.error("harness", "harness", "".join(traceback.format_exception(task.exception()))[-500:])
            return {"start": start, "end": time.monotonic()}
        finally:
            await browser.close()


async def run(args) -> dict:
    """The whole run; its summary is written as JSON however the run ends."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS_DIR / f"{stamp}-server.log"
    home = tempfile.mkdtemp(prefix="mnist-studio-load-")
    stats = Stats()
    stats.screenshots.append(stamp)
    load_at_start = loadavg()
    print(f"load average at start: {load_at_start}", flush=True)
    samples, window = [], {}
    try:
        server = await start_server(home, log_path, args.started_by)
        print(f"server {server.url} (pid {server.pid}), log {log_path}", flush=True)
        sampler = Sampler(server.pid)
        sampler_task = asyncio.create_task(sampler.run())
        samples = sampler.samples
        try:
            window = await load(args, server.url, home, stats)
        finally:
            sampler.stop()
            await sampler_task
            server.stop()
    except Exception as error:
        stats.error("harness", "harness", f"the run broke off: {type(error).__name__}: {error}")
    finally:
        store_growth = store_mb(home)  # the store was made empty for this run
        shutil.rmtree(home, ignore_errors=True)
    log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
    for exception in server_tracebacks(log_text):
        stats.error("server", "server-traceback", exception)

    during = [s for s in samples if window and window["start"] <= s["t"] <= window["end"]] or samples
    elapsed = window["end"] - window["start"] if window else None

    def mean(key: str) -> float | None:
        return rounded(statistics.fmean(s[key] for s in during), 2) if during else None

    summary = {
        "timestamp": stamp,
        **verdict(stats.errors),
        "first_failures": stats.errors[:10],
        "machine": {
            "cores": os.cpu_count(),
            "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
        "load_average_at_start": load_at_start,
        "load_average_at_end": loadavg(),
        "settings": {
            "sessions": args.sessions,
            "trainers": args.trainers,
            "duration_s": args.duration,
            "think_s": [args.think_min, args.think_max],
            "open_concurrency": args.open_concurrency,
            "train_size": args.train_size,
            "epochs": args.epochs,
            "seed": args.seed,
            "started_by": args.started_by,
            "misbehaving": list(MISBEHAVING if args.misbehave else ()),
        },
        "warmup_s": rounded(stats.warmup_s, 1),
        "arrival_s": rounded(stats.arrival_s, 1),
        "elapsed_s": rounded(elapsed, 1),
        "drawings": stats.drawings,
        "answered": stats.answered,
        "drawings_per_min": rounded(stats.answered / elapsed * 60 if elapsed else None, 1),
        "recognised_as_drawn": stats.correct,
        "screenshots": stats.screenshots[1:],
        "round_trip_ms": spread(stats.round_trips_ms, 0.5, 0.95),
        "server_round_trip_ms": spread(stats.server_ms, 0.5, 0.95),
        "round_trip_seen_by_script_ms": spread(stats.wall_round_trips_ms, 0.5, 0.95),
        "clear_ms": spread(stats.clear_ms, 0.5, 0.95),
        "open_draw_ms": spread(stats.open_ms, 0.5),
        "canvas_retargets": len(stats.retargets),
        "first_canvas_retargets": stats.retargets[:5],
        # The class's peak, from its arrival on; the warm-up's apart (a first start of the day measures the
        # server's speed in a child process then, which the process tree includes).
        "server_peak_rss_mb": rounded(
            max((s["server_rss_mb"] for s in samples if s["t"] >= stats.arrival), default=None)
        ),
        "warmup_peak_rss_mb": rounded(
            max((s["server_rss_mb"] for s in samples if s["t"] < stats.arrival), default=None)
        ),
        "server_rss_at_end_of_load_mb": rounded(during[-1]["server_rss_mb"] if during else None),
        "server_cpu_cores_mean": mean("server_cpu"),
        "server_cpu_cores_max": rounded(max((s["server_cpu"] for s in during), default=None), 2),
        "server_cpu_s_per_drawing": rounded(
            sum(s["server_cpu"] for s in during) / stats.answered if during and stats.answered else None, 3
        ),
        "server_threads_max": max((s["server_threads"] for s in during), default=None),
        "client_cpu_cores_mean": mean("client_cpu"),
        "client_peak_rss_mb": rounded(max((s["client_rss_mb"] for s in during), default=None)),
        "machine_cpu_cores_mean": mean("machine_cpu"),
        "other_processes_cpu_cores_mean": rounded(
            statistics.fmean(max(0.0, s["machine_cpu"] - s["server_cpu"] - s["client_cpu"]) for s in during)
            if during
            else None,
            2,
        ),
        "load1_max": max((s["load1"] for s in during), default=None),
        "training_runs_started": len(stats.training_runs),
        "training_runs_finished": sum(r["status"] == "finished" for r in stats.training_runs),
        "training_runs": stats.training_runs,
        "first_epoch_s": spread(stats.first_epoch_s, 0.5, 0.95),
        "misbehaving_told": stats.told,
        "store_growth_mb": rounded(store_growth, 1),
        "server_log": str(log_path.relative_to(PROJECT_DIR)),
        "samples": [
            {k: (round(v - window.get("start", 0), 1) if k == "t" else round(v, 2)) for k, v in s.items()}
            for s in samples
        ],
    }
    out = ARTIFACTS_DIR / f"{stamp}.json"
    out.write_text(json.dumps(summary, indent=1))
    summary["json"] = str(out.relative_to(PROJECT_DIR))
    return summary


def readme_row(s: dict) -> str:
    """The run as a row of the README's table of load test results."""

    def seconds(ms):
        return "-" if ms is None else f"{ms / 1000:.2f} s"

    rt, peak = s["round_trip_ms"], s["server_peak_rss_mb"]
    return (
        f"| {s['settings']['sessions']} (+{s['settings']['trainers']} training) "
        f"| {s['answered']} of {s['drawings']}, {s['recognised_as_drawn']} read as drawn "
        f"| {sum(s['failures'].values())} | {seconds(rt['p50'])} / {seconds(rt['p95'])} "
        f"| {'-' if peak is None else f'{peak:,.0f} MB'} | {s['server_cpu_cores_mean']} cores |"
    )


def print_summary(s: dict) -> None:
    rt, sv, seen, clear = (
        s["round_trip_ms"],
        s["server_round_trip_ms"],
        s["round_trip_seen_by_script_ms"],
        s["clear_ms"],
    )
    print("\n=== MNIST Studio load test ===")
    print(f"machine            {s['machine']['cores']} cores, {s['machine']['ram_gb']} GB RAM")
    print(
        f"load average       start {s['load_average_at_start']}  |  end {s['load_average_at_end']}  "
        f"|  1-min max during run {s['load1_max']}"
    )
    print(
        f"sessions           {s['settings']['sessions']} drawing, {s['settings']['trainers']} training, "
        f"{s['elapsed_s']} s (warm-up {s['warmup_s']} s, all sessions in after {s['arrival_s']} s)"
    )
    print(
        f"drawings           {s['drawings']} drawn, {s['answered']} answered "
        f"({s['drawings_per_min']}/min), {s['recognised_as_drawn']} read as the digit drawn"
    )
    print(
        f"round trip (ms)    p50 {rt['p50']}  p95 {rt['p95']}  max {rt['max']}   pen up -> 'Prediction: N' in the page"
    )
    print(
        f"  at the network   p50 {sv['p50']}  p95 {sv['p95']}  max {sv['max']}   drawing sent -> answer received "
        f"(server + loopback, n={sv['n']})"
    )
    print(f"  seen by script   p50 {seen['p50']}  p95 {seen['p95']}  max {seen['max']}")
    print(f"canvas             {s['canvas_retargets']} re-aims (canvas moving/covered, waited it out)")
    print(f"Clear (ms)         p50 {clear['p50']}  p95 {clear['p95']}  max {clear['max']}")
    print(f"open /draw (ms)    p50 {s['open_draw_ms']['p50']}  max {s['open_draw_ms']['max']}")
    print(
        f"server             peak RSS {s['server_peak_rss_mb']} MB (warm-up {s['warmup_peak_rss_mb']} MB), "
        f"CPU mean {s['server_cpu_cores_mean']} "
        f"/ max {s['server_cpu_cores_max']} cores, threads max {s['server_threads_max']}, "
        f"{s['server_cpu_s_per_drawing']} CPU-s per answered drawing (incl. its Clear)"
    )
    print(
        f"load generator     Chromium + driver CPU mean {s['client_cpu_cores_mean']} cores, "
        f"peak RSS {s['client_peak_rss_mb']} MB"
    )
    print(
        f"whole machine      CPU mean {s['machine_cpu_cores_mean']} of {s['machine']['cores']} cores busy, "
        f"{s['other_processes_cpu_cores_mean']} of them by processes outside this test"
    )
    print(f"training runs      {s['training_runs_started']} started, {s['training_runs_finished']} finished")
    first = s["first_epoch_s"]
    print(f"  first epoch (s)  p50 {first['p50']}  p95 {first['p95']}  max {first['max']}   Train -> epoch 1 on screen")
    for kind, told in s["misbehaving_told"].items():
        for entry in told:
            print(f"misbehaving {kind:<7}{json.dumps(entry)[:300]}")
    print(f"run store          grew {s['store_growth_mb']} MB")
    print(f"server log         {s['server_log']}")
    for path in s["screenshots"]:
        print(f"screenshot         {path}")
    failures = {kind: n for kind, n in s["failures"].items() if n}
    print(f"failures           {sum(failures.values())} {failures or ''}")
    for e in s["first_failures"][:6]:
        print(f"                   [{e['t']}s] {e['who']} {e['kind']}: {e['message'][:160]}")
    print(f"README row         {readme_row(s)}")
    print(f"JSON               {s['json']}")
    print("PASSED" if s["passed"] else "FAILED")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10, help="students drawing at once")
    parser.add_argument(
        "--trainers",
        type=int,
        default=0,
        choices=range(0, 3),
        help="extra sessions pressing Train on /train, again and again",
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (after the warm-up)")
    parser.add_argument(
        "--open-concurrency",
        type=int,
        default=4,
        help="pages loading at once while the class arrives (Chromium shares the server's cores)",
    )
    parser.add_argument(
        "--arrival-timeout",
        type=float,
        default=300,
        help="seconds for every session to open its page before the timed load starts anyway",
    )
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=2.0)
    parser.add_argument(
        "--answer-timeout", type=float, default=30, help="seconds to wait for an answer before counting an error"
    )
    parser.add_argument("--train-size", type=int, default=60_000, choices=TRAIN_SIZES)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--training-grace",
        type=float,
        default=60,
        help="seconds after --duration the last training runs (one may wait behind the other "
        "trainer's) have to finish; a run still going then is a failure",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--misbehave",
        action="store_true",
        help="three of the students misbehave: one presses Train twice on a link with every slider at its top, "
        f"one opens {PRIVATE_WINDOWS} private windows and presses Train in each, one saves a drawing "
        f"{FLOOD_SAVES} times",
    )
    parser.add_argument(
        "--started-by",
        choices=("streamlit run", "make run"),
        default="streamlit run",
        help="how the server is started: plain 'streamlit run app.py', or with the environment 'make run' adds",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line at the end")
    args = parser.parse_args(argv)
    if args.sessions < 1 + len(MISBEHAVING) * args.misbehave or args.duration <= 0 or not 1 <= args.epochs <= 50:
        parser.error("--sessions must be >= 1 (4 with --misbehave), --duration > 0, --epochs 1-50")
    if not os.path.isfile(CHROMIUM):
        parser.error(f"Chromium not found at {CHROMIUM} (set MNIST_STUDIO_CHROMIUM)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    summary = asyncio.run(run(args))
    print_summary(summary)
    if args.json:
        print(json.dumps(summary))
    return exit_status(summary)


if __name__ == "__main__":
    sys.exit(main())
