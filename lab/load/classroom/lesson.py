"""The lesson as the classroom load test plays it: the teacher's warm-up (the model loaded, the server's
speed known), the class arriving, then --duration seconds of drawing and training."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import traceback

from lab.chromium import CHROMIUM_ARGS, at_lower_priority
from lab.load.classroom.drawing import drawing_session
from lab.load.classroom.misbehaving import MISBEHAVING, misbehaving_session
from lab.load.classroom.pages import CHROMIUM, PAGE_TIMEOUT_MS, Phase, new_context, open_draw
from lab.load.classroom.server import loadavg
from lab.load.classroom.stats import Stats
from lab.load.classroom.training import training_session


async def load(args, url: str, home: str, stats: Stats) -> dict:
    """Warm-up, the class arriving, then --duration s of drawing and training; the timed window's bounds."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory(prefix="mnist-studio-load-") as folder:  # the launcher, needed only to start
            executable = at_lower_priority(CHROMIUM, folder, args.browser_nice) if args.browser_nice else CHROMIUM
            browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
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
            misbehave_for = args.training_grace if args.misbehave_for is None else args.misbehave_for
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
                asyncio.create_task(misbehaving_session(kind, browser, url, stats, phase, home, misbehave_for))
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
