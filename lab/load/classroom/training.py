"""The students who train: each sets the training images and epochs on /train, then presses Train
again and again until the load ends, timing each run's first epoch on screen and checking it finishes."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

from class_server.registry import RunStatus
from lab.load.classroom.pages import PAGE_TIMEOUT_MS, Phase, harness_error, new_context, page_errors, wait_idle
from lab.load.classroom.stats import FIRST_EPOCH_GOAL_S, Stats

TRAIN_SIZES = [1_000, 3_000, 6_000, 12_000, 30_000, 60_000]  # the select_slider's options in pages/train.py

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


async def set_slider(page, label: str, first: str, right: int) -> str | None:
    box = page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text(label, exact=True))
    thumb = box.locator('input[type="range"]')
    await thumb.focus()
    await thumb.press(first)
    for _ in range(right):
        await thumb.press("ArrowRight")
    await wait_idle(page, PAGE_TIMEOUT_MS)
    return await thumb.get_attribute("aria-valuetext")


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
            record = {"who": who, "name": name, "status": RunStatus.RUNNING, "seconds": None, "first_epoch_s": None}
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
                record.update(status=RunStatus.FINISHED, test_accuracy=accuracy.group(1))
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
